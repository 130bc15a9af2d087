#include "collector/query/selector_load.h"

#include <algorithm>
#include <limits>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "collector/query/prom_math.h"
#include "collector/query/rollup_reads.h"
#include "collector/storage/window.h"
#include "common/status.h"

namespace vigil::query {
namespace {

using storage::Resolution;
using storage::RollupPoint;

// Below these gaps two intervals are read as one: reading the gap costs less than
// another storage seek (a raw chunk spans 10 minutes, a 1-minute record an hour, a
// 1-hour record a day).
constexpr int64_t kRawMergeGapMs = 10 * storage::kMinuteMs;
constexpr int64_t kMinuteMergeGapMs = storage::kHourMs;
constexpr int64_t kHourMergeGapMs = storage::kDayMs;

// Sorts and joins intervals that overlap or are closer than `gap`.
std::vector<Interval> Coalesce(std::vector<Interval> in, int64_t gap) {
  std::sort(in.begin(), in.end());
  std::vector<Interval> out;
  for (const Interval& i : in) {
    if (i.first > i.second) continue;
    if (!out.empty() && i.first - out.back().second <= gap) {
      out.back().second = std::max(out.back().second, i.second);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// What the query needs of one set of matchers.
struct SelectorNeeds {
  std::vector<const VectorSelector*> nodes;
  ReadPlan plan;
};

class NeedsCollector {
 public:
  NeedsCollector(const Steps& steps, const EngineOptions& options)
      : steps_(steps), options_(options) {}

  void Walk(const Expr& e) {
    std::visit([&](const auto& node) { Visit(node); }, e.node);
  }

  std::vector<SelectorNeeds> Take() { return std::move(needs_); }

 private:
  void Visit(const NumberLiteral&) {}
  void Visit(const StringLiteral&) {}
  void Visit(const VectorSelector& s) {
    // Each step takes the newest sample in [t - offset - lookback, t - offset].
    Of(s).plan.raw.push_back({steps_.start_ms - s.offset_ms - options_.lookback_delta_ms,
                              steps_.end_ms() - s.offset_ms});
  }
  void Visit(const MatrixSelector& m) {
    const VectorSelector& s = m.selector;
    Of(s).plan.raw.push_back(
        {steps_.start_ms - s.offset_ms - m.range_ms, steps_.end_ms() - s.offset_ms});
  }
  void Visit(const Call& call) {
    size_t matrix_index = 0;
    const MatrixSelector* m = MatrixArgument(call, &matrix_index);
    for (size_t i = 0; i < call.args.size(); ++i) {
      if (m != nullptr && i == matrix_index && ReadsRollups(call, options_)) {
        AddRollupNeeds(*m);
      } else {
        Walk(*call.args[i]);
      }
    }
  }
  void Visit(const AggregateExpr& a) {
    if (a.param) Walk(*a.param);
    Walk(*a.expr);
  }
  void Visit(const Binary& b) {
    Walk(*b.lhs);
    Walk(*b.rhs);
  }
  void Visit(const Negation& n) { Walk(*n.expr); }
  void Visit(const Paren& p) { Walk(*p.expr); }

  void AddRollupNeeds(const MatrixSelector& m) {
    ReadPlan& plan = Of(m.selector).plan;
    for (size_t i = 0; i < steps_.count; ++i) {
      const int64_t end = steps_.At(i) - m.selector.offset_ms;
      const WindowPieces w = CutWindow(end - m.range_ms, end);
      plan.raw.push_back({w.start, w.minutes_begin - 1});
      plan.raw.push_back({w.minutes_end, w.end_exclusive - 1});
      // Rollup reads take bucket starts: [from, to] holds the buckets starting there.
      plan.minutes.push_back({w.minutes_begin, w.hours_begin - 1});
      plan.minutes.push_back({w.hours_end, w.minutes_end - 1});
      plan.hours.push_back({w.hours_begin, w.hours_end - 1});
    }
  }

  SelectorNeeds& Of(const VectorSelector& s) {
    std::string key;
    for (const storage::LabelMatcher& m : s.matchers) absl::StrAppend(&key, m.ToString(), "\n");
    auto [it, inserted] = index_.try_emplace(key, needs_.size());
    if (inserted) needs_.emplace_back();
    needs_[it->second].nodes.push_back(&s);
    return needs_[it->second];
  }

  const Steps& steps_;
  const EngineOptions& options_;
  absl::flat_hash_map<std::string, size_t> index_;
  std::vector<SelectorNeeds> needs_;
};

absl::Status ReadFailed(const absl::Status& s, EvalContext* ctx) {
  if (absl::IsResourceExhausted(s)) return ctx->TooManySamples();
  return absl::InternalError(absl::StrCat("storage: ", s.message()));
}

// Reads one series' samples and rollup points as `plan` says, into `out` (cleared).
absl::Status LoadSeries(const ReadPlan& plan, storage::SeriesId id, EvalContext* ctx,
                        SelectedSeries* out) {
  out->Clear();
  const storage::Tsdb& tsdb = ctx->tsdb();
  for (const Interval& i : plan.raw) {
    // The budget counts the samples inside the interval, checked after each read: one
    // interval of one series is read whole (storage's own limit counts whole chunks
    // decoded, which would refuse a short window at the end of a long chunk).
    const size_t before = out->ts.size();
    absl::Status read = tsdb.ReadRange(id, i.first, i.second, std::numeric_limits<size_t>::max(),
                                       &out->ts, &out->vs);
    if (!read.ok()) return ReadFailed(read, ctx);
    VIGIL_RETURN_IF_ERROR(ctx->AddSamples(out->ts.size() - before));
  }
  for (double v : out->vs) {
    if (IsStaleMarker(v)) {
      out->has_stale = true;
      break;
    }
  }
  if (out->has_stale) {
    for (size_t i = 0; i < out->vs.size(); ++i) {
      if (IsStaleMarker(out->vs[i])) continue;
      out->live_ts.push_back(out->ts[i]);
      out->live_vs.push_back(out->vs[i]);
    }
  }
  const std::pair<const std::vector<Interval>*, Resolution> rollups[] = {
      {&plan.minutes, Resolution::kMinute}, {&plan.hours, Resolution::kHour}};
  for (const auto& [intervals, resolution] : rollups) {
    std::vector<RollupPoint>* points =
        resolution == Resolution::kMinute ? &out->minutes : &out->hours;
    for (const Interval& i : *intervals) {
      const size_t before = points->size();
      absl::Status read =
          tsdb.ReadRollups(id, resolution, i.first, i.second, ctx->SampleBudget(), points);
      if (!read.ok()) return ReadFailed(read, ctx);
      VIGIL_RETURN_IF_ERROR(ctx->AddSamples(points->size() - before));
    }
  }
  return absl::OkStatus();
}

// Reading is mostly decoding, so two threads nearly halve it on a 2-core machine; below
// this many series a thread costs more than it saves.
constexpr size_t kParallelMinSeries = 64;

// Runs work(begin, end) over [0, n), split in two halves on two threads when n is large.
absl::Status Split(size_t n, const std::function<absl::Status(size_t, size_t)>& work) {
  if (n < kParallelMinSeries) return work(0, n);
  absl::Status other;
  std::thread helper([&] { other = work(n / 2, n); });
  absl::Status mine = work(0, n / 2);
  helper.join();
  VIGIL_RETURN_IF_ERROR(mine);
  return other;
}

absl::StatusOr<std::unique_ptr<SelectorSeries>> LoadGroup(SelectorNeeds needs, EvalContext* ctx) {
  const VectorSelector& selector = *needs.nodes.front();
  std::vector<storage::LabelMatcher> scoped;
  if (ctx->scope() != nullptr) {
    scoped = selector.matchers;
    scoped.push_back(*ctx->scope());
  }
  absl::StatusOr<std::vector<storage::SeriesId>> ids = ctx->tsdb().index().Select(
      ctx->scope() != nullptr ? scoped : selector.matchers, ctx->SeriesBudget());
  if (!ids.ok()) {
    if (absl::IsResourceExhausted(ids.status())) return ctx->TooManySeries();
    return absl::InternalError(absl::StrCat("storage: ", ids.status().message()));
  }
  VIGIL_RETURN_IF_ERROR(ctx->AddSeries(ids->size()));

  // Labels first, so the series can be sorted before their samples are read.
  std::vector<std::pair<LabelSet, storage::SeriesId>> labelled;
  labelled.reserve(ids->size());
  for (storage::SeriesId id : *ids) {
    std::optional<LabelSet> labels = ctx->tsdb().index().Labels(id);
    if (!labels) continue;  // unknown or unreadable: as if it did not exist
    labelled.emplace_back(std::move(*labels), id);
  }
  std::sort(labelled.begin(), labelled.end(),
            [](const auto& a, const auto& b) { return a.first.labels() < b.first.labels(); });
  auto group = std::make_unique<SelectorSeries>();
  for (auto& [labels, id] : labelled) {
    group->labels.push_back(std::move(labels));
    group->ids.push_back(id);
  }
  group->plan.raw = Coalesce(std::move(needs.plan.raw), kRawMergeGapMs);
  group->plan.minutes = Coalesce(std::move(needs.plan.minutes), kMinuteMergeGapMs);
  group->plan.hours = Coalesce(std::move(needs.plan.hours), kHourMergeGapMs);
  // One use: read while it is evaluated. Several: read once now, for all of them.
  group->streamed = needs.nodes.size() == 1;
  if (!group->streamed) {
    group->samples.resize(group->ids.size());
    VIGIL_RETURN_IF_ERROR(Split(group->ids.size(), [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        VIGIL_RETURN_IF_ERROR(LoadSeries(group->plan, group->ids[i], ctx, &group->samples[i]));
        VIGIL_RETURN_IF_ERROR(ctx->CheckDeadline());
      }
      return absl::OkStatus();
    }));
  }
  return group;
}

}  // namespace

const Expr& Unparen(const Expr& e) {
  const Expr* x = &e;
  while (const Paren* p = std::get_if<Paren>(&x->node)) x = p->expr.get();
  return *x;
}

const MatrixSelector* MatrixArgument(const Call& call, size_t* index) {
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (const auto* m = std::get_if<MatrixSelector>(&Unparen(*call.args[i]).node)) {
      if (index != nullptr) *index = i;
      return m;
    }
  }
  return nullptr;
}

bool ReadsRollups(const Call& call, const EngineOptions& options) {
  RollupFunction f;
  if (options.rollup_min_range_ms <= 0 || !RollupFunctionOf(call.name, &f)) return false;
  const MatrixSelector* m = MatrixArgument(call);
  return m != nullptr && m->range_ms >= options.rollup_min_range_ms;
}

void SelectedSeries::Clear() {
  ts.clear();
  vs.clear();
  has_stale = false;
  live_ts.clear();
  live_vs.clear();
  minutes.clear();
  hours.clear();
}

const SelectorSeries& LoadedSelectors::Of(const VectorSelector& selector) const {
  return *by_node_.at(&selector);
}

absl::Status LoadedSelectors::ForEachSeries(const VectorSelector& selector, EvalContext* ctx,
                                            const SeriesVisitor& visit) const {
  const SelectorSeries& group = Of(selector);
  return Split(group.ids.size(), [&](size_t begin, size_t end) {
    SelectedSeries buffer;  // reused: series after the first need no new memory
    for (size_t i = begin; i < end; ++i) {
      const SelectedSeries* samples = &buffer;
      if (group.streamed) {
        VIGIL_RETURN_IF_ERROR(LoadSeries(group.plan, group.ids[i], ctx, &buffer));
      } else {
        samples = &group.samples[i];
      }
      VIGIL_RETURN_IF_ERROR(visit(i, group.labels[i], *samples));
      VIGIL_RETURN_IF_ERROR(ctx->CheckDeadline());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<LoadedSelectors> LoadSelectors(const Expr& root, EvalContext* ctx) {
  NeedsCollector collector(ctx->steps(), ctx->options());
  collector.Walk(root);
  LoadedSelectors loaded;
  for (SelectorNeeds& needs : collector.Take()) {
    const std::vector<const VectorSelector*> nodes = needs.nodes;
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SelectorSeries> group, LoadGroup(std::move(needs), ctx));
    for (const VectorSelector* node : nodes) loaded.by_node_[node] = group.get();
    loaded.groups_.push_back(std::move(group));
  }
  return loaded;
}

}  // namespace vigil::query
