#include "collector/query/evaluator.h"

#include "absl/strings/str_cat.h"
#include "collector/query/series_collector.h"
#include "common/status.h"

namespace vigil::query {
namespace {

EvalValue Scalars(const Steps& steps, double v) {
  EvalValue out;
  out.type = ValueType::kScalar;
  out.scalars.assign(steps.count, v);
  return out;
}

// `-x`: negates, and for vectors drops the metric name. As in Prometheus, two series that
// differed only by their name are an error even if they never have values at the same
// step.
absl::StatusOr<EvalValue> Negate(Evaluator& ev, const Negation& n) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, ev.Eval(*n.expr));
  if (v.type == ValueType::kScalar) {
    for (double& x : v.scalars) x = -x;
    return v;
  }
  const size_t steps = ev.steps().count;
  SeriesCollector out(steps);
  for (const StepSeries& s : v.series) {
    LabelSet labels = s.labels;
    labels.Remove(kMetricNameLabel);
    const size_t known = out.ids();
    const size_t id = out.Resolve(std::move(labels));
    if (out.ids() == known) return DuplicateLabelsetError();
    for (size_t i = 0; i < steps; ++i) {
      if (s.Has(i)) out.Set(id, i, -s.values[i]);
    }
  }
  v.series = out.Take();
  return v;
}

}  // namespace

absl::StatusOr<EvalValue> Evaluator::Eval(const Expr& e) {
  VIGIL_RETURN_IF_ERROR(ctx_.CheckDeadline());
  VIGIL_ASSIGN_OR_RETURN(EvalValue v, EvalNode(e));
  // Selectors and calls of range vectors counted their series before allocating them.
  const Expr& bare = Unparen(e);
  const Call* call = std::get_if<Call>(&bare.node);
  if (std::holds_alternative<VectorSelector>(bare.node) ||
      (call != nullptr && MatrixArgument(*call) != nullptr)) {
    return v;
  }
  VIGIL_RETURN_IF_ERROR(ctx_.AddPoints(
      v.type == ValueType::kScalar ? v.scalars.size() : v.series.size() * steps().count));
  return v;
}

absl::StatusOr<EvalValue> Evaluator::EvalNode(const Expr& e) {
  if (const auto* n = std::get_if<NumberLiteral>(&e.node)) return Scalars(steps(), n->value);
  if (const auto* s = std::get_if<StringLiteral>(&e.node)) {
    EvalValue out;
    out.type = ValueType::kString;
    out.string = s->value;
    return out;
  }
  if (const auto* s = std::get_if<VectorSelector>(&e.node)) return EvalVectorSelector(*this, *s);
  if (const auto* c = std::get_if<Call>(&e.node)) return EvalCall(*this, *c);
  if (const auto* a = std::get_if<AggregateExpr>(&e.node)) return EvalAggregate(*this, *a);
  if (const auto* b = std::get_if<Binary>(&e.node)) return EvalBinary(*this, *b);
  if (const auto* n = std::get_if<Negation>(&e.node)) return Negate(*this, *n);
  if (const auto* p = std::get_if<Paren>(&e.node)) return EvalNode(*p->expr);
  return absl::InvalidArgumentError(
      absl::StrCat("a range vector (", ToString(e),
                   ") can only be a function's argument or the whole of an instant query"));
}

}  // namespace vigil::query
