// The data a query's selectors need. Before evaluation, for each distinct set of
// matchers, its series are selected once and their labels read once, and the time spans
// every use needs are gathered (instant selectors: the lookback before each step; range
// selectors: the range; long *_over_time ranges: the rollup points of their whole
// minutes and hours and raw samples only for the edges).
//
// Samples are then read once per series for the union of those spans, never per step:
// - a selector used once in the expression (the usual case) is streamed: its series are
//   read one at a time, on two threads, into reused buffers, while the node that uses
//   them is evaluated, so a query never holds all their samples at once;
// - a selector used by several nodes (`x / x offset 1d`) is read completely up front and
//   shared.
// Series and samples are counted against the query's limits while reading.
//
// LoadedSelectors is immutable once built; thread-safe to read.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "collector/query/ast.h"
#include "collector/query/eval_context.h"
#include "collector/storage/rollup_codec.h"

namespace vigil::query {

// Closed time intervals [first, second] (storage time: offsets applied).
using Interval = std::pair<int64_t, int64_t>;

// What to read of each series of a selector.
struct ReadPlan {
  std::vector<Interval> raw;      // raw samples
  std::vector<Interval> minutes;  // 1-minute rollup points (bucket starts)
  std::vector<Interval> hours;    // 1-hour rollup points (bucket starts)
};

// The samples the query needs of one series.
struct SelectedSeries {
  // Raw samples of every planned interval, ascending, staleness markers included.
  std::vector<int64_t> ts;
  std::vector<double> vs;
  // The same without staleness markers (what range selectors see); filled only when the
  // series has markers.
  bool has_stale = false;
  std::vector<int64_t> live_ts;
  std::vector<double> live_vs;
  // Rollup points for long *_over_time ranges (empty otherwise), ascending.
  std::vector<storage::RollupPoint> minutes;
  std::vector<storage::RollupPoint> hours;

  std::span<const int64_t> RangeTs() const { return has_stale ? live_ts : ts; }
  std::span<const double> RangeVs() const { return has_stale ? live_vs : vs; }
  void Clear();  // keeps the buffers' capacity
};

// The series of one selector, sorted by labels (Prometheus' order).
struct SelectorSeries {
  std::vector<LabelSet> labels;
  std::vector<storage::SeriesId> ids;
  ReadPlan plan;
  bool streamed = false;                // samples read during evaluation
  std::vector<SelectedSeries> samples;  // read up front (not streamed); as `labels`
};

// Called with each series' index (into SelectorSeries::labels), labels and samples.
// Must be safe to call from two threads at once for different series; the samples are
// only valid during the call.
using SeriesVisitor =
    std::function<absl::Status(size_t i, const LabelSet& labels, const SelectedSeries& samples)>;

class LoadedSelectors {
 public:
  // The series of `selector` (a node of the loaded tree).
  const SelectorSeries& Of(const VectorSelector& selector) const;

  // Visits every series of `selector` with its samples (reading them now if streamed),
  // on up to two threads. Checks the deadline between series.
  absl::Status ForEachSeries(const VectorSelector& selector, EvalContext* ctx,
                             const SeriesVisitor& visit) const;

 private:
  friend absl::StatusOr<LoadedSelectors> LoadSelectors(const Expr& root, EvalContext* ctx);
  absl::flat_hash_map<const VectorSelector*, const SelectorSeries*> by_node_;
  std::vector<std::unique_ptr<SelectorSeries>> groups_;
};

// The expression inside any number of parentheses.
const Expr& Unparen(const Expr& e);

// The range-vector argument of `call` (parentheses removed), or null.
const MatrixSelector* MatrixArgument(const Call& call, size_t* index = nullptr);

// Whether `call` reads rollups for its range argument (the same rule at load and at
// evaluation): a *_over_time that rollups answer, a range of at least
// rollup_min_range_ms (when that is positive).
bool ReadsRollups(const Call& call, const EngineOptions& options);

absl::StatusOr<LoadedSelectors> LoadSelectors(const Expr& root, EvalContext* ctx);

}  // namespace vigil::query
