// Evaluates a checked expression tree over every step of a query, bottom up: each node
// is evaluated once for all steps (eval_value.h), reading selectors from the samples
// loaded beforehand (selector_load.h). The node kinds live in their own files:
// selector_eval.cc, function_call.cc (instant_functions.cc, range_call.cc),
// aggregation.cc, binary_ops.cc and vector_matching.cc.
//
// One Evaluator per query; not thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "collector/query/ast.h"
#include "collector/query/eval_context.h"
#include "collector/query/eval_value.h"
#include "collector/query/selector_load.h"

namespace vigil::query {

class Evaluator {
 public:
  Evaluator(EvalContext* ctx, const LoadedSelectors* loaded) : ctx_(*ctx), loaded_(*loaded) {}

  // The value of `e` at every step. A range-vector expression is only valid as a
  // function argument (or as a whole instant query, which the engine handles).
  absl::StatusOr<EvalValue> Eval(const Expr& e);

  // Counts `series` series of every step against the points limit before they are
  // allocated (for the nodes that allocate one per selected series).
  absl::Status ReserveSeries(size_t series) { return ctx_.AddPoints(series * steps().count); }

  EvalContext& ctx() { return ctx_; }
  const Steps& steps() const { return ctx_.steps(); }
  const LoadedSelectors& loaded() const { return loaded_; }

 private:
  absl::StatusOr<EvalValue> EvalNode(const Expr& e);

  EvalContext& ctx_;
  const LoadedSelectors& loaded_;
};

// The node kinds, each in its own file.
absl::StatusOr<EvalValue> EvalVectorSelector(Evaluator& ev, const VectorSelector& selector);
absl::StatusOr<EvalValue> EvalCall(Evaluator& ev, const Call& call);
absl::StatusOr<EvalValue> EvalAggregate(Evaluator& ev, const AggregateExpr& aggregate);
absl::StatusOr<EvalValue> EvalBinary(Evaluator& ev, const Binary& binary);

// A scalar per step from a vector (for `timestamp(x)`: the sample times of a selector).
absl::StatusOr<EvalValue> EvalSelectorTimestamps(Evaluator& ev, const VectorSelector& selector);

}  // namespace vigil::query
