// Calls of functions of a range vector (rate(x[5m]), max_over_time(x[30d]), ...): for
// each selected series, a window per step slides over the loaded samples (two cursors,
// no storage reads); long *_over_time windows combine rollup points (rollup_reads.h).
#include "collector/query/range_call.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "collector/query/range_functions.h"
#include "collector/query/rollup_reads.h"
#include "common/status.h"

namespace vigil::query {
namespace {

// The labels Prometheus' createLabelsForAbsentFunction derives from a selector: each
// label given once with `=`; anything else about a label removes it; an empty value is
// no label.
LabelSet AbsentLabels(const VectorSelector& s) {
  LabelSet out;
  std::vector<std::string> drop;
  for (const storage::LabelMatcher& m : s.matchers) {
    if (m.name() == kMetricNameLabel) continue;
    const bool has = std::any_of(out.labels().begin(), out.labels().end(),
                                 [&](const Label& l) { return l.name == m.name(); });
    if (m.type() == storage::LabelMatcher::Type::kEqual && !has) {
      if (!m.value().empty()) out.Set(m.name(), m.value());
    } else {
      drop.push_back(m.name());
    }
  }
  for (const std::string& name : drop) out.Remove(name);
  return out;
}

// The scalar argument of the call per step (predict_linear's duration,
// quantile_over_time's quantile), or nothing.
absl::StatusOr<std::vector<double>> EvalScalarArg(Evaluator& ev, const Call& call,
                                                  size_t matrix_index) {
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (i == matrix_index) continue;
    VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*call.args[i]));
    return std::move(v.scalars);
  }
  return std::vector<double>();
}

// absent_over_time: 1 at the steps where no series had a sample in its window, with
// the labels of the selector's equality matchers.
EvalValue AbsentOverTime(const Steps& steps, const StepMatrix& present, const VectorSelector& s) {
  EvalValue out;
  out.type = ValueType::kInstantVector;
  StepSeries absent(AbsentLabels(s), steps.count);
  for (size_t i = 0; i < steps.count; ++i) {
    bool any = false;
    for (const StepSeries& series : present) any = any || series.Has(i);
    if (!any) absent.Set(i, 1);
  }
  if (!absent.Empty()) out.series.push_back(std::move(absent));
  return out;
}

}  // namespace

LabelSet AbsentFunctionLabels(const Expr& arg) {
  const Expr& e = Unparen(arg);
  if (const auto* s = std::get_if<VectorSelector>(&e.node)) return AbsentLabels(*s);
  if (const auto* m = std::get_if<MatrixSelector>(&e.node)) return AbsentLabels(m->selector);
  return LabelSet();
}

absl::StatusOr<EvalValue> EvalRangeCall(Evaluator& ev, const Call& call) {
  size_t matrix_index = 0;
  const MatrixSelector* m = MatrixArgument(call, &matrix_index);
  RangeFunction f;
  if (m == nullptr || !RangeFunctionOf(call.name, &f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("function \"", call.name, "\" does not take a range vector"));
  }
  VIGIL_ASSIGN_OR_RETURN(const std::vector<double> param, EvalScalarArg(ev, call, matrix_index));
  const Steps& steps = ev.steps();
  const VectorSelector& selector = m->selector;
  RollupFunction rollup_f;
  const bool rollups =
      ReadsRollups(call, ev.ctx().options()) && RollupFunctionOf(call.name, &rollup_f);

  const SelectorSeries& group = ev.loaded().Of(selector);
  VIGIL_RETURN_IF_ERROR(ev.ReserveSeries(group.labels.size()));
  std::vector<StepSeries> results(group.labels.size());
  std::vector<uint8_t> any(group.labels.size(), 0);
  const bool counter =
      f == RangeFunction::kRate || f == RangeFunction::kIncrease || f == RangeFunction::kResets;
  // Called from two threads for different series: writes only results[k] and any[k].
  auto visit = [&](size_t k, const LabelSet& series_labels,
                   const SelectedSeries& s) -> absl::Status {
    LabelSet labels = series_labels;
    // last_over_time acts like a selector with an offset; every other function drops
    // the metric name.
    if (f != RangeFunction::kLastOverTime) labels.Remove(kMetricNameLabel);
    StepSeries result(std::move(labels), steps.count);
    const std::span<const int64_t> ts = s.RangeTs();
    const std::span<const double> vs = s.RangeVs();
    const std::vector<uint32_t> resets = counter ? CounterResets(vs) : std::vector<uint32_t>();
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < steps.count; ++i) {
      const int64_t t = steps.At(i);
      const int64_t end = t - selector.offset_ms;
      const int64_t start = end - m->range_ms;
      double v = 0;
      bool has = false;
      if (rollups) {
        const RollupInputs in{ts, vs, s.minutes, s.hours};
        has = EvalRollupWindow(rollup_f, CutWindow(start, end), in, &v);
      } else {
        while (lo < ts.size() && ts[lo] < start) ++lo;
        if (hi < lo) hi = lo;
        while (hi < ts.size() && ts[hi] <= end) ++hi;
        if (hi == lo) continue;
        RangeWindow w;
        w.ts = ts.subspan(lo, hi - lo);
        w.vs = vs.subspan(lo, hi - lo);
        w.range_start_ms = start;
        w.range_end_ms = end;
        w.eval_ms = t;
        w.range_ms = m->range_ms;
        if (!param.empty()) w.param = param[i];
        if (counter) {
          w.resets = &resets;
          w.first_index = lo;
        }
        VIGIL_RETURN_IF_ERROR(EvalRangeFunction(f, w, &v, &has));
      }
      if (!has) continue;
      result.Set(i, v);
      any[k] = 1;
    }
    results[k] = std::move(result);
    return absl::OkStatus();
  };
  VIGIL_RETURN_IF_ERROR(ev.loaded().ForEachSeries(selector, &ev.ctx(), visit));

  EvalValue out;
  out.type = ValueType::kInstantVector;
  absl::flat_hash_set<std::string> seen_labels;
  for (size_t k = 0; k < results.size(); ++k) {
    if (!any[k]) continue;
    // As Prometheus, equal labels anywhere in the result are an error, even if the two
    // series never have values at the same step.
    if (f != RangeFunction::kAbsentOverTime &&
        !seen_labels.insert(results[k].labels.Canonical()).second) {
      return DuplicateLabelsetError();
    }
    out.series.push_back(std::move(results[k]));
  }
  if (f == RangeFunction::kAbsentOverTime) return AbsentOverTime(steps, out.series, selector);
  return out;
}

}  // namespace vigil::query
