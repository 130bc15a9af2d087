// Reads, before evaluation, everything a query's selectors need: for each distinct set
// of matchers, its series are selected once, their labels read once, and their samples
// read once for the union of the time spans every use needs (instant selectors: the
// lookback before each step; range selectors: the range; long *_over_time ranges: the
// rollup points of their whole minutes and hours and raw samples only for the edges).
// The evaluator then works on these arrays and never reads storage per step.
//
// Counts series and samples against the query's limits while reading.
//
// LoadedSelectors is immutable once built; thread-safe to read.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "collector/query/ast.h"
#include "collector/query/eval_context.h"
#include "collector/storage/rollup_codec.h"

namespace vigil::query {

// One selected series and the samples the query needs of it (storage time: offsets are
// applied by the evaluator).
struct SelectedSeries {
  LabelSet labels;
  // Raw samples of every needed interval, ascending, staleness markers included.
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
};

// The series of one selector, sorted by labels (Prometheus' order).
struct SelectorSeries {
  std::vector<SelectedSeries> series;
};

class LoadedSelectors {
 public:
  // The series of `selector` (a node of the loaded tree).
  const SelectorSeries& Of(const VectorSelector& selector) const;

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
