#include "collector/query/ast.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/query/parser.h"
#include "common/labels.h"

namespace vigil::query {
namespace {

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string Quote(absl::string_view value) {
  return absl::StrCat("\"", EscapeLabelValue(value), "\"");
}

// `name{a="b",c=~"d"}`: the __name__ matcher that repeats the name is left out.
std::string SelectorText(const VectorSelector& selector) {
  std::vector<std::string> matchers;
  bool name_skipped = false;
  for (const storage::LabelMatcher& m : selector.matchers) {
    if (!name_skipped && !selector.name.empty() && m.name() == kMetricNameLabel &&
        m.type() == storage::LabelMatcher::Type::kEqual && m.value() == selector.name) {
      name_skipped = true;
      continue;
    }
    matchers.push_back(m.ToString());
  }
  if (matchers.empty()) return selector.name;
  return absl::StrCat(selector.name, "{", absl::StrJoin(matchers, ","), "}");
}

std::string OffsetText(int64_t offset_ms) {
  if (offset_ms == 0) return "";
  return absl::StrCat(" offset ", FormatDurationMs(offset_ms));
}

std::string MatchingText(const VectorMatching& matching) {
  using Cardinality = VectorMatching::Cardinality;
  const bool grouped = matching.cardinality == Cardinality::kManyToOne ||
                       matching.cardinality == Cardinality::kOneToMany;
  if (!matching.on && matching.labels.empty() && !grouped) return "";
  std::string out = absl::StrCat(matching.on ? " on (" : " ignoring (",
                                 absl::StrJoin(matching.labels, ", "), ")");
  if (grouped) {
    absl::StrAppend(
        &out, matching.cardinality == Cardinality::kManyToOne ? " group_left" : " group_right");
    if (!matching.include.empty()) {
      absl::StrAppend(&out, " (", absl::StrJoin(matching.include, ", "), ")");
    }
  }
  return out;
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return FormatNumber(n.value); }
  std::string operator()(const StringLiteral& s) const { return Quote(s.value); }
  std::string operator()(const VectorSelector& v) const {
    return absl::StrCat(SelectorText(v), OffsetText(v.offset_ms));
  }
  std::string operator()(const MatrixSelector& m) const {
    return absl::StrCat(SelectorText(m.selector), "[", FormatDurationMs(m.range_ms), "]",
                        OffsetText(m.selector.offset_ms));
  }
  std::string operator()(const Call& c) const {
    std::vector<std::string> args;
    for (const ExprPtr& arg : c.args) args.push_back(ToString(*arg));
    return absl::StrCat(c.name, "(", absl::StrJoin(args, ", "), ")");
  }
  std::string operator()(const AggregateExpr& a) const {
    std::string out = AggregationOpName(a.op);
    if (a.without || !a.grouping.empty()) {
      absl::StrAppend(&out, a.without ? " without (" : " by (", absl::StrJoin(a.grouping, ", "),
                      ") ");
    }
    absl::StrAppend(&out, "(");
    if (a.param != nullptr) absl::StrAppend(&out, ToString(*a.param), ", ");
    absl::StrAppend(&out, ToString(*a.expr), ")");
    return out;
  }
  std::string operator()(const Binary& b) const {
    return absl::StrCat(ToString(*b.lhs), " ", BinaryOpName(b.op), b.return_bool ? " bool" : "",
                        MatchingText(b.matching), " ", ToString(*b.rhs));
  }
  std::string operator()(const Negation& n) const { return absl::StrCat("-", ToString(*n.expr)); }
  std::string operator()(const Paren& p) const { return absl::StrCat("(", ToString(*p.expr), ")"); }
};

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kInstantVector:
      return "instant vector";
    case ValueType::kRangeVector:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "?";
}

const char* AggregationOpName(AggregationOp op) {
  switch (op) {
    case AggregationOp::kSum:
      return "sum";
    case AggregationOp::kAvg:
      return "avg";
    case AggregationOp::kMin:
      return "min";
    case AggregationOp::kMax:
      return "max";
    case AggregationOp::kCount:
      return "count";
    case AggregationOp::kTopk:
      return "topk";
    case AggregationOp::kBottomk:
      return "bottomk";
    case AggregationOp::kQuantile:
      return "quantile";
    case AggregationOp::kStddev:
      return "stddev";
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
    case BinaryOp::kNe:
    case BinaryOp::kGt:
    case BinaryOp::kLt:
    case BinaryOp::kGe:
    case BinaryOp::kLe:
      return true;
    default:
      return false;
  }
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string ToString(const Expr& expr) { return std::visit(Printer{}, expr.node); }

}  // namespace vigil::query
