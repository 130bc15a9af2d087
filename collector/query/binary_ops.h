// Binary operators on values (arithmetic and comparisons with Go's float semantics),
// scalar/scalar and vector/scalar operations. Vector/vector matching lives in
// vector_matching.cc.
#pragma once

#include "absl/status/statusor.h"
#include "collector/query/evaluator.h"

namespace vigil::query {

// Applies an arithmetic or comparison operator as Prometheus' vectorElemBinop:
// arithmetic gives the result and keeps; a comparison gives `lhs` and keeps if true.
bool ApplyOp(BinaryOp op, double lhs, double rhs, double* out);

// Whether the result of `op` loses the metric name (arithmetic does; comparisons
// without `bool` and set operators keep it).
bool DropsMetricName(BinaryOp op);

// Vector/vector operations: arithmetic and comparisons with on/ignoring and
// group_left/group_right, and the set operators.
absl::StatusOr<EvalValue> EvalVectorBinary(Evaluator& ev, const Binary& b, const EvalValue& lhs,
                                           const EvalValue& rhs);

}  // namespace vigil::query
