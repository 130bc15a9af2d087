// A function call: functions of a range vector go to range_call.cc, the others to
// instant_functions.cc.
#include "collector/query/evaluator.h"
#include "collector/query/instant_functions.h"
#include "collector/query/range_call.h"

namespace vigil::query {

absl::StatusOr<EvalValue> EvalCall(Evaluator& ev, const Call& call) {
  if (MatrixArgument(call) != nullptr) return EvalRangeCall(ev, call);
  return EvalInstantFunction(ev, call);
}

}  // namespace vigil::query
