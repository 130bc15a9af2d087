// Evaluation of calls whose argument is a range vector (rate, *_over_time, ...), and
// the labels absent()/absent_over_time() give their result.
#pragma once

#include "absl/status/statusor.h"
#include "collector/query/evaluator.h"

namespace vigil::query {

absl::StatusOr<EvalValue> EvalRangeCall(Evaluator& ev, const Call& call);

// The labels of absent(arg) / absent_over_time(arg): those of arg's equality matchers
// if arg is a selector, none otherwise.
LabelSet AbsentFunctionLabels(const Expr& arg);

}  // namespace vigil::query
