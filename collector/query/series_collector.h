// Collects the output series of one node: series with equal labels are one series (as
// in Prometheus' range evaluation, where a function's results at different steps are
// joined by their labels), and two values for the same labels at one step are the
// "vector cannot contain metrics with the same labelset" error.
//
// Output order: the order in which series first receive a value, step after step, so
// an instant query's vector keeps the order of the operation that produced it.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "collector/query/eval_value.h"

namespace vigil::query {

class SeriesCollector {
 public:
  explicit SeriesCollector(size_t steps) : steps_(steps) {}

  // An id for these labels (the same id for equal labels). Creates no output yet.
  size_t Resolve(LabelSet labels);
  // Sets the value of `id` at `step`, creating its output series at its first value.
  // False if it already has a value at `step` (a duplicate labelset).
  bool Set(size_t id, size_t step, double v) {
    Slot& slot = slots_[id];
    if (slot.out < 0) {
      slot.out = static_cast<int64_t>(series_.size());
      series_.emplace_back(slot.labels, steps_);
    }
    StepSeries& s = series_[static_cast<size_t>(slot.out)];
    if (s.present[step] != 0) return false;
    s.Set(step, v);
    return true;
  }
  // True if `id` already has a value at `step`.
  bool Has(size_t id, size_t step) const {
    const Slot& slot = slots_[id];
    return slot.out >= 0 && series_[static_cast<size_t>(slot.out)].present[step] != 0;
  }
  const LabelSet& labels(size_t id) const { return slots_[id].labels; }
  size_t ids() const { return slots_.size(); }

  StepMatrix Take() { return std::move(series_); }

 private:
  struct Slot {
    LabelSet labels;
    int64_t out = -1;  // index in series_, once it has a value
  };
  const size_t steps_;
  absl::flat_hash_map<std::string, size_t> by_labels_;
  std::vector<Slot> slots_;
  StepMatrix series_;
};

}  // namespace vigil::query
