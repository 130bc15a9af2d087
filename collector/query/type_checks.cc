#include "collector/query/type_checks.h"

#include <re2/re2.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/labels.h"

namespace vigil::query {
namespace {

SyntaxError Error(int pos, std::string message) { return SyntaxError{pos, std::move(message)}; }

bool IsScalarOrVector(ValueType type) {
  return type == ValueType::kScalar || type == ValueType::kInstantVector;
}

// The literal a string argument holds (through parentheses); null if it is not one.
const StringLiteral* StringArg(const Expr& expr) {
  const Expr* e = &expr;
  while (const Paren* paren = std::get_if<Paren>(&e->node)) e = paren->expr.get();
  return std::get_if<StringLiteral>(&e->node);
}

// What label_replace and label_join would reject at every evaluation, said once here.
std::optional<SyntaxError> CheckLabelArgs(const Call& call) {
  if (call.name != "label_replace" && call.name != "label_join") return std::nullopt;
  const StringLiteral* dst = StringArg(*call.args[1]);
  if (dst != nullptr && !IsValidLabelName(dst->value)) {
    return Error(call.args[1]->position, absl::StrCat("invalid destination label name \"",
                                                      dst->value, "\" in ", call.name, "()"));
  }
  if (call.name == "label_replace") {
    const StringLiteral* regex = StringArg(*call.args[4]);
    if (regex == nullptr) return std::nullopt;
    RE2::Options options;
    options.set_log_errors(false);
    options.set_dot_nl(true);
    RE2 re(regex->value, options);
    if (!re.ok()) {
      return Error(call.args[4]->position,
                   absl::StrCat("invalid regular expression \"", regex->value,
                                "\" in label_replace(): ", re.error()));
    }
    return std::nullopt;
  }
  for (size_t i = 3; i < call.args.size(); ++i) {
    const StringLiteral* src = StringArg(*call.args[i]);
    if (src != nullptr && !IsValidLabelName(src->value)) {
      return Error(call.args[i]->position,
                   absl::StrCat("invalid source label name \"", src->value, "\" in label_join()"));
    }
  }
  return std::nullopt;
}

bool HasParam(AggregationOp op) {
  return op == AggregationOp::kTopk || op == AggregationOp::kBottomk ||
         op == AggregationOp::kQuantile;
}

}  // namespace

std::optional<SyntaxError> CheckCall(const FunctionSignature& function, const Call& call, int pos) {
  const size_t given = call.args.size();
  const size_t max = function.args.size();
  const size_t min = max - function.optional_args;
  const std::string name(function.name);
  if (given < min || (given > max && !function.variadic)) {
    if (min == max) {
      return Error(pos, absl::StrCat("expected ", min, " argument(s) in call to \"", name,
                                     "\", got ", given));
    }
    return Error(pos, absl::StrCat("expected ", given < min ? "at least " : "at most ",
                                   given < min ? min : max, " argument(s) in call to \"", name,
                                   "\", got ", given));
  }
  for (size_t i = 0; i < given; ++i) {
    const ValueType want = function.args[std::min(i, max - 1)];
    if (call.args[i]->type != want) {
      return Error(call.args[i]->position,
                   absl::StrCat("expected type ", ValueTypeName(want), " in call to function \"",
                                name, "\", got ", ValueTypeName(call.args[i]->type)));
    }
  }
  return CheckLabelArgs(call);
}

std::optional<SyntaxError> CheckAggregation(AggregationOp op, const std::vector<ExprPtr>& args,
                                            int pos) {
  const size_t want = HasParam(op) ? 2 : 1;
  if (args.size() != want) {
    return Error(pos,
                 absl::StrCat("wrong number of arguments for aggregate expression \"",
                              AggregationOpName(op), "\": expected ", want, ", got ", args.size()));
  }
  if (want == 2 && args[0]->type != ValueType::kScalar) {
    return Error(args[0]->position,
                 absl::StrCat("expected type scalar in aggregation parameter, got ",
                              ValueTypeName(args[0]->type)));
  }
  const Expr& expr = *args.back();
  if (expr.type != ValueType::kInstantVector) {
    return Error(expr.position,
                 absl::StrCat("expected type instant vector in aggregation expression, got ",
                              ValueTypeName(expr.type)));
  }
  return std::nullopt;
}

std::optional<SyntaxError> CheckBinary(const Binary& binary, int op_pos) {
  using Cardinality = VectorMatching::Cardinality;
  const ValueType lt = binary.lhs->type;
  const ValueType rt = binary.rhs->type;
  const std::string op = BinaryOpName(binary.op);
  for (const Expr* side : {binary.lhs.get(), binary.rhs.get()}) {
    if (!IsScalarOrVector(side->type)) {
      return Error(side->position,
                   absl::StrCat("binary expression must contain only scalar and instant vector "
                                "types, got ",
                                ValueTypeName(side->type), " on the ",
                                side == binary.lhs.get() ? "left" : "right", " of \"", op, "\""));
    }
  }
  if (binary.return_bool && !IsComparison(binary.op)) {
    return Error(op_pos, "bool modifier can only be used on comparison operators");
  }
  const bool both_vectors = lt == ValueType::kInstantVector && rt == ValueType::kInstantVector;
  if (IsSetOperator(binary.op) && !both_vectors) {
    return Error(op_pos,
                 absl::StrCat("set operator \"", op, "\" not allowed in binary scalar expression"));
  }
  if (IsComparison(binary.op) && !binary.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    return Error(op_pos, "comparisons between scalars must use BOOL modifier");
  }
  const VectorMatching& m = binary.matching;
  const bool grouped =
      m.cardinality == Cardinality::kManyToOne || m.cardinality == Cardinality::kOneToMany;
  if (!both_vectors && (m.on || !m.labels.empty() || grouped)) {
    return Error(op_pos, "vector matching only allowed between instant vectors");
  }
  if (IsSetOperator(binary.op) && grouped) {
    return Error(op_pos, absl::StrCat("no grouping allowed for \"", op, "\" operation"));
  }
  if (m.on) {
    for (const std::string& label : m.labels) {
      for (const std::string& include : m.include) {
        if (label == include) {
          return Error(op_pos, absl::StrCat("label \"", label,
                                            "\" must not occur in ON and GROUP clause at once"));
        }
      }
    }
  }
  return std::nullopt;
}

ValueType BinaryResultType(const Binary& binary) {
  return binary.lhs->type == ValueType::kScalar && binary.rhs->type == ValueType::kScalar
             ? ValueType::kScalar
             : ValueType::kInstantVector;
}

std::optional<SyntaxError> CheckNegation(const Expr& operand, int pos) {
  if (IsScalarOrVector(operand.type)) return std::nullopt;
  return Error(pos, absl::StrCat("unary expression only allowed on expressions of type scalar "
                                 "or instant vector, got ",
                                 ValueTypeName(operand.type)));
}

std::optional<SyntaxError> CheckVectorSelector(const VectorSelector& selector, int pos) {
  bool name_seen = false;
  bool selective = false;
  for (const storage::LabelMatcher& m : selector.matchers) {
    if (m.name() == kMetricNameLabel) {
      if (name_seen) {
        return Error(pos, absl::StrCat("metric name must not be set twice: \"", selector.name,
                                       "\" or ", m.ToString()));
      }
      // The first __name__ matcher is the name written before the braces, if any.
      name_seen = !selector.name.empty();
    }
    selective = selective || !m.MatchesEmpty();
  }
  if (!selective) {
    return Error(pos, "vector selector must contain at least one non-empty matcher");
  }
  return std::nullopt;
}

}  // namespace vigil::query
