// What the evaluator passes between the nodes of an expression: every node is
// evaluated once for all steps of the query (an instant query is a range query of one
// step), as Prometheus' engine does, so that a selector's samples are read once and a
// series' labels are derived once, not at every step.
//
// An instant-vector node yields a list of series, each with a value slot per step and a
// flag saying whether the series has a value at that step. The list's order is the
// order in which Prometheus would emit the elements at the first step they appear (for
// an instant query: exactly Prometheus' order).
//
// Value types; not thread-safe for concurrent mutation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/query/ast.h"
#include "common/labels.h"

namespace vigil::query {

// The evaluation times of a query: start, start + step, ..., count of them.
struct Steps {
  int64_t start_ms = 0;
  int64_t step_ms = 1;
  size_t count = 1;
  int64_t At(size_t i) const { return start_ms + static_cast<int64_t>(i) * step_ms; }
  int64_t end_ms() const { return At(count - 1); }
};

// One series of an instant-vector node over every step.
struct StepSeries {
  LabelSet labels;
  std::vector<double> values;    // one per step; meaningful where present
  std::vector<uint8_t> present;  // one per step: 1 where the series has a value

  StepSeries() = default;
  StepSeries(LabelSet l, size_t steps) : labels(std::move(l)), values(steps), present(steps) {}
  void Set(size_t step, double v) {
    values[step] = v;
    present[step] = 1;
  }
  bool Has(size_t step) const { return present[step] != 0; }
  bool Empty() const;
};

using StepMatrix = std::vector<StepSeries>;

// The value of one node: a scalar per step, a string, or an instant vector. Range
// vectors never travel between nodes: the functions that take them read the loaded
// samples directly (range_call.h).
struct EvalValue {
  ValueType type = ValueType::kScalar;
  std::vector<double> scalars;  // kScalar: one per step
  std::string string;           // kString
  StepMatrix series;            // kInstantVector
};

// Drops the series that have no value at any step (Prometheus never emits them).
void DropEmptySeries(StepMatrix* matrix);

}  // namespace vigil::query
