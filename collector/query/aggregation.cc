// Aggregations (sum, avg, min, max, count, stddev, topk, bottomk, quantile) with
// by/without, as Prometheus 2.x computes them: groups in the order their first element
// appears, avg as an incremental mean, min/max skipping NaN unless all are NaN, topk and
// bottomk through Go's container/heap and sort so ties and NaN resolve identically.
//
// Each input series' group is found once (its grouping key computed from its labels);
// the steps then only index arrays.
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "collector/query/evaluator.h"
#include "collector/query/go_sort.h"
#include "collector/query/prom_math.h"
#include "collector/query/series_collector.h"
#include "common/status.h"

namespace vigil::query {
namespace {

// The groups of the input series.
struct Grouping {
  std::vector<size_t> group_of;  // per input series
  std::vector<LabelSet> labels;  // per group: the result's labels
};

Grouping GroupSeries(const StepMatrix& in, std::vector<std::string> names, bool without) {
  std::sort(names.begin(), names.end());
  auto listed = [&](const std::string& name) {
    return std::binary_search(names.begin(), names.end(), name);
  };
  Grouping g;
  absl::flat_hash_map<std::string, size_t> index;
  for (const StepSeries& s : in) {
    std::vector<Label> kept;
    for (const Label& l : s.labels.labels()) {
      const bool keep = without ? (!listed(l.name) && l.name != kMetricNameLabel) : listed(l.name);
      if (keep) kept.push_back(l);
    }
    LabelSet labels(std::move(kept));
    auto [it, inserted] = index.try_emplace(labels.Canonical(), g.labels.size());
    if (inserted) g.labels.push_back(std::move(labels));
    g.group_of.push_back(it->second);
  }
  return g;
}

// Per-group accumulators of one step.
struct Accumulator {
  double value = 0;
  double mean = 0;
  double count = 0;
};

absl::StatusOr<std::vector<double>> ParamPerStep(Evaluator& ev, const AggregateExpr& a) {
  if (!a.param) return std::vector<double>(ev.steps().count, 0);
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*a.param));
  return std::move(v.scalars);
}

// sum, avg, min, max, count, stddev: one value per group and step.
absl::Status Reduce(AggregationOp op, const StepMatrix& in, const Grouping& g, size_t step,
                    std::vector<Accumulator>* acc, std::vector<size_t>* order) {
  std::vector<uint8_t> seen(g.labels.size(), 0);
  for (size_t k = 0; k < in.size(); ++k) {
    if (!in[k].Has(step)) continue;
    const double v = in[k].values[step];
    const size_t group = g.group_of[k];
    Accumulator& a = (*acc)[group];
    if (!seen[group]) {
      seen[group] = 1;
      order->push_back(group);
      a.value = op == AggregationOp::kStddev ? 0 : v;
      a.mean = v;
      a.count = 1;
      continue;
    }
    switch (op) {
      case AggregationOp::kSum:
        a.value += v;
        break;
      case AggregationOp::kAvg:
        a.count++;
        if (std::isinf(a.mean)) {
          if (std::isinf(v) && (a.mean > 0) == (v > 0)) break;
          if (!std::isinf(v) && !std::isnan(v)) break;
        }
        // Each side divided by the count so that large values do not overflow.
        a.mean += v / a.count - a.mean / a.count;
        break;
      case AggregationOp::kMax:
        a.value = KeepMax(a.value, v);
        break;
      case AggregationOp::kMin:
        a.value = KeepMin(a.value, v);
        break;
      case AggregationOp::kCount:
        a.count++;
        break;
      case AggregationOp::kStddev: {
        a.count++;
        const double delta = v - a.mean;
        a.mean += delta / a.count;
        a.value += delta * (v - a.mean);
        break;
      }
      default:
        break;
    }
  }
  for (size_t group : *order) {
    Accumulator& a = (*acc)[group];
    if (op == AggregationOp::kAvg) a.value = a.mean;
    if (op == AggregationOp::kCount) a.value = a.count;
    if (op == AggregationOp::kStddev) a.value = std::sqrt(a.value / a.count);
  }
  return absl::OkStatus();
}

// One element of a topk/bottomk heap: the value and the input series.
struct HeapItem {
  double v;
  size_t series;
};

// topk / bottomk of one step, emitted group by group in Prometheus' order.
absl::Status Select(bool top, double param, const StepMatrix& in, const Grouping& g, size_t step,
                    std::vector<size_t>* series_ids, SeriesCollector* out) {
  // Prometheus' convertibleToInt64: up to the largest double below 2^63.
  if (!(param <= 9223372036854774784.0 && param >= -9223372036854775808.0)) {
    return ExecutionError(absl::StrCat("Scalar value ", GoFormatFloat(param), " overflows int64"));
  }
  const int64_t k = GoFloatToInt64(param);
  if (k < 1) return absl::OkStatus();
  std::vector<std::vector<HeapItem>> heaps(g.labels.size());
  std::vector<size_t> order;
  for (size_t s = 0; s < in.size(); ++s) {
    if (!in[s].Has(step)) continue;
    const double v = in[s].values[step];
    std::vector<HeapItem>& h = heaps[g.group_of[s]];
    if (h.empty()) {
      order.push_back(g.group_of[s]);
      h.push_back({v, s});
      continue;
    }
    // vectorByValueHeap (topk) keeps the smallest on top, vectorByReverseValueHeap
    // (bottomk) the largest; NaN is "less" than anything in both.
    auto less = [&](int i, int j) {
      const double a = h[static_cast<size_t>(i)].v, b = h[static_cast<size_t>(j)].v;
      return std::isnan(a) || (top ? a < b : a > b);
    };
    auto swap = [&](int i, int j) {
      std::swap(h[static_cast<size_t>(i)], h[static_cast<size_t>(j)]);
    };
    const double head = h[0].v;
    if (static_cast<int64_t>(h.size()) < k || (top ? head < v : head > v) || std::isnan(head)) {
      if (static_cast<int64_t>(h.size()) == k) {
        if (k == 1) {  // replaced in place
          h[0] = {v, s};
          continue;
        }
        // heap.Pop: the top to the end, sift down, drop it.
        const int n = static_cast<int>(h.size()) - 1;
        swap(0, n);
        gosort::HeapDown(less, swap, 0, n);
        h.pop_back();
      }
      h.push_back({v, s});  // heap.Push
      gosort::HeapUp(less, swap, static_cast<int>(h.size()) - 1);
    }
  }
  for (size_t group : order) {
    std::vector<HeapItem>& h = heaps[group];
    if (h.size() > 1) {
      // sort.Sort(sort.Reverse(heap)).
      auto reversed = [&](int i, int j) {
        const double a = h[static_cast<size_t>(j)].v, b = h[static_cast<size_t>(i)].v;
        return std::isnan(a) || (top ? a < b : a > b);
      };
      auto swap = [&](int i, int j) {
        std::swap(h[static_cast<size_t>(i)], h[static_cast<size_t>(j)]);
      };
      gosort::Sort(static_cast<int>(h.size()), reversed, swap);
    }
    for (const HeapItem& item : h) {
      size_t& id = (*series_ids)[item.series];
      if (id == SIZE_MAX) id = out->Resolve(in[item.series].labels);
      out->Set(id, step, item.v);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EvalValue> EvalAggregate(Evaluator& ev, const AggregateExpr& a) {
  VIGIL_ASSIGN_OR_RETURN(const std::vector<double> param, ParamPerStep(ev, a));
  VIGIL_ASSIGN_OR_RETURN(EvalValue input, ev.Eval(*a.expr));
  const StepMatrix& in = input.series;
  const Steps& steps = ev.steps();
  const Grouping g = GroupSeries(in, a.grouping, a.without);
  SeriesCollector out(steps.count);

  if (a.op == AggregationOp::kTopk || a.op == AggregationOp::kBottomk) {
    std::vector<size_t> series_ids(in.size(), SIZE_MAX);  // output ids: original labels
    for (size_t i = 0; i < steps.count; ++i) {
      VIGIL_RETURN_IF_ERROR(
          Select(a.op == AggregationOp::kTopk, param[i], in, g, i, &series_ids, &out));
      VIGIL_RETURN_IF_ERROR(ev.ctx().Tick(in.size()));
    }
  } else {
    std::vector<size_t> group_ids(g.labels.size(), SIZE_MAX);
    std::vector<Accumulator> acc(g.labels.size());
    std::vector<size_t> order;
    std::vector<std::vector<double>> values(g.labels.size());
    for (size_t i = 0; i < steps.count; ++i) {
      order.clear();
      if (a.op == AggregationOp::kQuantile) {
        for (auto& v : values) v.clear();
        for (size_t k = 0; k < in.size(); ++k) {
          if (!in[k].Has(i)) continue;
          std::vector<double>& v = values[g.group_of[k]];
          if (v.empty()) order.push_back(g.group_of[k]);
          v.push_back(in[k].values[i]);
        }
        for (size_t group : order) {
          acc[group].value = Quantile(param[i], &values[group]);
        }
      } else {
        VIGIL_RETURN_IF_ERROR(Reduce(a.op, in, g, i, &acc, &order));
      }
      for (size_t group : order) {
        if (group_ids[group] == SIZE_MAX) group_ids[group] = out.Resolve(g.labels[group]);
        out.Set(group_ids[group], i, acc[group].value);
      }
      VIGIL_RETURN_IF_ERROR(ev.ctx().Tick(in.size()));
    }
  }
  EvalValue result;
  result.type = ValueType::kInstantVector;
  result.series = out.Take();
  return result;
}

}  // namespace vigil::query
