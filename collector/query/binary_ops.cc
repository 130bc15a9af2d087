#include "collector/query/binary_ops.h"

#include <cmath>

#include "collector/query/instant_functions.h"
#include "collector/query/prom_math.h"
#include "common/status.h"

namespace vigil::query {

bool ApplyOp(BinaryOp op, double lhs, double rhs, double* out) {
  switch (op) {
    case BinaryOp::kAdd:
      *out = lhs + rhs;
      return true;
    case BinaryOp::kSub:
      *out = lhs - rhs;
      return true;
    case BinaryOp::kMul:
      *out = lhs * rhs;
      return true;
    case BinaryOp::kDiv:
      *out = lhs / rhs;
      return true;
    case BinaryOp::kMod:
      // Go's math.Mod: NaN for y == 0, an infinite or NaN x; exact otherwise, as fmod.
      *out = std::fmod(lhs, rhs);
      return true;
    case BinaryOp::kPow:
      *out = GoPow(lhs, rhs);
      return true;
    case BinaryOp::kEq:
      *out = lhs;
      return lhs == rhs;
    case BinaryOp::kNe:
      *out = lhs;
      return lhs != rhs;
    case BinaryOp::kGt:
      *out = lhs;
      return lhs > rhs;
    case BinaryOp::kLt:
      *out = lhs;
      return lhs < rhs;
    case BinaryOp::kGe:
      *out = lhs;
      return lhs >= rhs;
    case BinaryOp::kLe:
      *out = lhs;
      return lhs <= rhs;
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kUnless:
      break;
  }
  *out = kNaN;
  return false;
}

bool DropsMetricName(BinaryOp op) { return !IsComparison(op) && !IsSetOperator(op); }

namespace {

absl::StatusOr<EvalValue> ScalarScalar(const Binary& b, const EvalValue& lhs,
                                       const EvalValue& rhs) {
  EvalValue out;
  out.type = ValueType::kScalar;
  out.scalars.resize(lhs.scalars.size());
  for (size_t i = 0; i < out.scalars.size(); ++i) {
    double v;
    const bool keep = ApplyOp(b.op, lhs.scalars[i], rhs.scalars[i], &v);
    // Comparisons between scalars need `bool` (the parser checks it): 0 or 1.
    out.scalars[i] = IsComparison(b.op) ? (keep ? 1 : 0) : v;
  }
  return out;
}

// Prometheus' VectorscalarBinop: the vector's labels (name dropped by arithmetic and
// `bool`), a comparison filters or with `bool` yields 0/1, and always compares the
// vector's value even when the scalar is on the left.
absl::StatusOr<EvalValue> VectorScalar(const Steps& steps, const Binary& b, const EvalValue& vec,
                                       const std::vector<double>& scalar, bool scalar_left) {
  const bool drop_name = DropsMetricName(b.op) || b.return_bool;
  Relabel relabel = [drop_name](const LabelSet& l) -> absl::StatusOr<LabelSet> {
    return drop_name ? DropMetricName(l) : l;
  };
  return MapSeries(steps, vec, relabel, [&](double x, size_t i, bool* keep) {
    const double l = scalar_left ? scalar[i] : x;
    const double r = scalar_left ? x : scalar[i];
    double v;
    *keep = ApplyOp(b.op, l, r, &v);
    if (IsComparison(b.op) && scalar_left) v = r;
    if (b.return_bool) {
      v = *keep ? 1 : 0;
      *keep = true;
    }
    return v;
  });
}

}  // namespace

absl::StatusOr<EvalValue> EvalBinary(Evaluator& ev, const Binary& b) {
  VIGIL_ASSIGN_OR_RETURN(EvalValue lhs, ev.Eval(*b.lhs));
  VIGIL_ASSIGN_OR_RETURN(EvalValue rhs, ev.Eval(*b.rhs));
  const bool l_scalar = lhs.type == ValueType::kScalar, r_scalar = rhs.type == ValueType::kScalar;
  if (l_scalar && r_scalar) return ScalarScalar(b, lhs, rhs);
  if (r_scalar) return VectorScalar(ev.steps(), b, lhs, rhs.scalars, /*scalar_left=*/false);
  if (l_scalar) return VectorScalar(ev.steps(), b, rhs, lhs.scalars, /*scalar_left=*/true);
  return EvalVectorBinary(ev, b, lhs, rhs);
}

}  // namespace vigil::query
