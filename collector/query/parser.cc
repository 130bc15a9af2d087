// Recursive descent over the lexer's tokens; binary operators by precedence climbing.
// Every parse function returns null after recording the first error (Fail), and every
// caller returns at once on null, so the first error is the one reported.
#include "collector/query/parser.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/query/functions.h"
#include "collector/query/lexer.h"
#include "collector/query/matcher_list.h"
#include "collector/query/type_checks.h"
#include "common/labels.h"

namespace vigil::query {
namespace {

using Cardinality = VectorMatching::Cardinality;

struct OperatorInfo {
  TokenKind token;
  BinaryOp op;
  int precedence;  // higher binds tighter
};
// Prometheus' precedence; `^` is right-associative, the others left.
constexpr OperatorInfo kOperators[] = {
    {TokenKind::kOr, BinaryOp::kOr, 1},         {TokenKind::kAnd, BinaryOp::kAnd, 2},
    {TokenKind::kUnless, BinaryOp::kUnless, 2}, {TokenKind::kEqlc, BinaryOp::kEq, 3},
    {TokenKind::kNeq, BinaryOp::kNe, 3},        {TokenKind::kGtr, BinaryOp::kGt, 3},
    {TokenKind::kLss, BinaryOp::kLt, 3},        {TokenKind::kGte, BinaryOp::kGe, 3},
    {TokenKind::kLte, BinaryOp::kLe, 3},        {TokenKind::kAdd, BinaryOp::kAdd, 4},
    {TokenKind::kSub, BinaryOp::kSub, 4},       {TokenKind::kMul, BinaryOp::kMul, 5},
    {TokenKind::kDiv, BinaryOp::kDiv, 5},       {TokenKind::kMod, BinaryOp::kMod, 5},
    {TokenKind::kPow, BinaryOp::kPow, 6},
};
constexpr int kPowPrecedence = 6;

const OperatorInfo* FindOperator(TokenKind kind) {
  for (const OperatorInfo& info : kOperators) {
    if (info.token == kind) return &info;
  }
  return nullptr;
}

struct AggregationName {
  absl::string_view name;
  AggregationOp op;
};
constexpr AggregationName kAggregations[] = {
    {"sum", AggregationOp::kSum},         {"avg", AggregationOp::kAvg},
    {"min", AggregationOp::kMin},         {"max", AggregationOp::kMax},
    {"count", AggregationOp::kCount},     {"topk", AggregationOp::kTopk},
    {"bottomk", AggregationOp::kBottomk}, {"quantile", AggregationOp::kQuantile},
    {"stddev", AggregationOp::kStddev},
};
// Prometheus aggregations Vigil does not implement.
constexpr absl::string_view kUnsupportedAggregations[] = {"count_values", "group", "stdvar",
                                                          "limitk", "limit_ratio"};

// Aggregation names are keywords, so case-insensitive (function names are not).
std::optional<AggregationOp> FindAggregation(absl::string_view name) {
  for (const AggregationName& agg : kAggregations) {
    if (absl::EqualsIgnoreCase(agg.name, name)) return agg.op;
  }
  return std::nullopt;
}

bool IsUnsupportedAggregation(absl::string_view name) {
  for (absl::string_view unsupported : kUnsupportedAggregations) {
    if (absl::EqualsIgnoreCase(unsupported, name)) return true;
  }
  return false;
}

// Keywords that may also name a metric where an expression starts, as in Prometheus.
bool IsKeywordMetricName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kAnd:
    case TokenKind::kOr:
    case TokenKind::kUnless:
    case TokenKind::kBy:
    case TokenKind::kWithout:
    case TokenKind::kOffset:
      return true;
    default:
      return false;
  }
}

bool IsKeyword(TokenKind kind) { return kind >= TokenKind::kAnd; }

// The direct children of a node, for the depth limit.
std::vector<const Expr*> Children(const Expr& expr) {
  std::vector<const Expr*> out;
  if (const Call* call = std::get_if<Call>(&expr.node)) {
    for (const ExprPtr& arg : call->args) out.push_back(arg.get());
  } else if (const AggregateExpr* agg = std::get_if<AggregateExpr>(&expr.node)) {
    if (agg->param != nullptr) out.push_back(agg->param.get());
    out.push_back(agg->expr.get());
  } else if (const Binary* binary = std::get_if<Binary>(&expr.node)) {
    out = {binary->lhs.get(), binary->rhs.get()};
  } else if (const Negation* negation = std::get_if<Negation>(&expr.node)) {
    out.push_back(negation->expr.get());
  } else if (const Paren* paren = std::get_if<Paren>(&expr.node)) {
    out.push_back(paren->expr.get());
  }
  return out;
}

class Parser {
 public:
  explicit Parser(absl::string_view text) : lexer_(text) {}

  absl::StatusOr<ExprPtr> Parse() {
    const absl::string_view text = lexer_.text();
    ExprPtr expr;
    if (text.size() > kMaxQueryBytes) {
      Fail(static_cast<int>(kMaxQueryBytes),
           absl::StrCat("the query is ", text.size(), " bytes long, more than the limit of ",
                        kMaxQueryBytes));
    } else if (lexer_.Peek().kind == TokenKind::kEof) {
      Fail(lexer_.Peek().pos, "no expression found in input");
    } else {
      expr = ParseExpr(0);
      if (expr != nullptr && lexer_.Peek().kind != TokenKind::kEof) Unexpected(lexer_.Peek(), "");
    }
    if (!error_.has_value()) return expr;
    const int pos = std::min<int>(error_->pos, static_cast<int>(text.size()));
    const absl::string_view before = text.substr(0, pos);
    const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const size_t line_start = before.rfind('\n');
    const int column =
        pos + 1 - (line_start == absl::string_view::npos ? 0 : static_cast<int>(line_start) + 1);
    return absl::InvalidArgumentError(
        absl::StrCat("parse error at line ", line, ", column ", column, ": ", error_->message));
  }

 private:
  // Consumes the next token if it is of `kind`.
  bool Accept(TokenKind kind) {
    if (lexer_.Peek().kind != kind) return false;
    lexer_.Next();
    return true;
  }

  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t Fail(int pos, std::string message) {
    if (!error_.has_value()) error_ = SyntaxError{pos, std::move(message)};
    return nullptr;
  }
  std::nullptr_t Fail(const SyntaxError& error) { return Fail(error.pos, error.message); }

  // For a malformed token the lexer's message; otherwise "unexpected X" and `expected`.
  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t Unexpected(const Token& token,
                                                    absl::string_view expected) {
    if (token.kind == TokenKind::kError) return Fail(token.pos, token.value);
    std::string message = absl::StrCat("unexpected ", DescribeToken(token));
    if (!expected.empty()) absl::StrAppend(&message, "; expected ", expected);
    return Fail(token.pos, std::move(message));
  }

  // Wraps a node, enforcing kMaxExprDepth over the tree's height.
  template <typename Node>
  ABSL_ATTRIBUTE_NOINLINE ExprPtr Make(Node node, ValueType type, int pos) {
    auto expr = std::make_unique<Expr>();
    expr->node = std::move(node);
    expr->type = type;
    expr->position = pos;
    int height = 1;
    for (const Expr* child : Children(*expr)) {
      const auto it = heights_.find(child);
      height = std::max(height, 1 + (it == heights_.end() ? 1 : it->second));
    }
    if (height > kMaxExprDepth) return TooDeep(pos);
    heights_[expr.get()] = height;
    return expr;
  }

  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t TooDeep(int pos) {
    return Fail(pos, absl::StrCat("the expression nests deeper than ", kMaxExprDepth, " levels"));
  }

  ExprPtr ParseExpr(int min_precedence) {
    if (depth_ >= kMaxExprDepth) return TooDeep(lexer_.Peek().pos);
    ++depth_;
    ExprPtr expr = ParseBinary(min_precedence);
    --depth_;
    return expr;
  }

  ExprPtr ParseBinary(int min_precedence) {
    ExprPtr lhs = ParseUnary();
    while (lhs != nullptr) {
      const Token& next = lexer_.Peek();
      if (next.kind == TokenKind::kAtan2) {
        return Fail(next.pos, "the atan2 operator is not supported by Vigil");
      }
      const OperatorInfo* info = FindOperator(next.kind);
      if (info == nullptr || info->precedence < min_precedence) break;
      const int op_pos = lexer_.Next().pos;
      Binary binary;
      binary.op = info->op;
      if (!ParseModifiers(&binary)) return nullptr;
      // Right-associative ^: its right operand may hold another ^.
      binary.rhs = ParseExpr(info->op == BinaryOp::kPow ? info->precedence : info->precedence + 1);
      if (binary.rhs == nullptr) return nullptr;
      binary.lhs = std::move(lhs);
      if (std::optional<SyntaxError> error = CheckBinary(binary, op_pos)) return Fail(*error);
      const ValueType type = BinaryResultType(binary);
      const int pos = binary.lhs->position;
      lhs = Make(std::move(binary), type, pos);
    }
    return lhs;
  }

  // `bool`, `on (...)`/`ignoring (...)`, `group_left (...)`/`group_right (...)`.
  ABSL_ATTRIBUTE_NOINLINE bool ParseModifiers(Binary* binary) {
    if (Accept(TokenKind::kBool)) binary->return_bool = true;
    VectorMatching& matching = binary->matching;
    const TokenKind kind = lexer_.Peek().kind;
    if (kind == TokenKind::kOn || kind == TokenKind::kIgnoring) {
      const Token clause = lexer_.Next();
      matching.on = kind == TokenKind::kOn;
      if (!ParseLabelList(clause.text, &matching.labels)) return false;
      const TokenKind group = lexer_.Peek().kind;
      if (group == TokenKind::kGroupLeft || group == TokenKind::kGroupRight) {
        const Token group_token = lexer_.Next();
        matching.cardinality =
            group == TokenKind::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (lexer_.Peek().kind == TokenKind::kLeftParen &&
            !ParseLabelList(group_token.text, &matching.include)) {
          return false;
        }
      }
    } else if (kind == TokenKind::kGroupLeft || kind == TokenKind::kGroupRight) {
      Fail(lexer_.Peek().pos,
           absl::StrCat(lexer_.Peek().text, " must follow on (...) or ignoring (...)"));
      return false;
    }
    if (IsSetOperator(binary->op) && matching.cardinality == Cardinality::kOneToOne) {
      matching.cardinality = Cardinality::kManyToMany;
    }
    return true;
  }

  // `(label, ...)` after by, without, on, ignoring, group_left or group_right.
  ABSL_ATTRIBUTE_NOINLINE bool ParseLabelList(absl::string_view clause,
                                              std::vector<std::string>* labels) {
    const Token open = lexer_.Next();
    if (open.kind != TokenKind::kLeftParen) {
      Unexpected(open, absl::StrCat("\"(\" after ", clause));
      return false;
    }
    while (!Accept(TokenKind::kRightParen)) {
      const Token label = lexer_.Next();
      if (label.kind == TokenKind::kEof) {
        Fail(open.pos, "unclosed left parenthesis");
        return false;
      }
      if (label.kind != TokenKind::kIdentifier && label.kind != TokenKind::kMetricIdentifier &&
          !IsKeyword(label.kind)) {
        Unexpected(label, absl::StrCat("a label name in ", clause, " (...)"));
        return false;
      }
      if (!IsValidLabelName(label.text)) {
        Fail(label.pos, absl::StrCat("invalid label name \"", label.text, "\" in ", clause));
        return false;
      }
      labels->emplace_back(label.text);
      if (!Accept(TokenKind::kComma) && lexer_.Peek().kind != TokenKind::kRightParen) {
        if (lexer_.Peek().kind == TokenKind::kEof) {
          Fail(open.pos, "unclosed left parenthesis");
        } else {
          Unexpected(lexer_.Peek(), absl::StrCat("\",\" or \")\" in ", clause, " (...)"));
        }
        return false;
      }
    }
    return true;
  }

  // `-x`, `+x`; the operand binds ^ first, as in Prometheus (-2^2 is -4).
  ExprPtr ParseUnary() {
    const Token& next = lexer_.Peek();
    if (next.kind != TokenKind::kSub && next.kind != TokenKind::kAdd) return ParsePostfix();
    const bool minus = next.kind == TokenKind::kSub;
    const int pos = lexer_.Next().pos;
    ExprPtr operand = ParseExpr(kPowPrecedence);
    if (operand == nullptr) return nullptr;
    if (std::optional<SyntaxError> error = CheckNegation(*operand, pos)) return Fail(*error);
    NumberLiteral* number = std::get_if<NumberLiteral>(&operand->node);
    if (!minus || number != nullptr) {
      if (minus) number->value = -number->value;
      operand->position = pos;
      return operand;
    }
    const ValueType type = operand->type;
    return Make(Negation{std::move(operand)}, type, pos);
  }

  // A primary expression followed by `[range]` and `offset` modifiers.
  ExprPtr ParsePostfix() {
    ExprPtr expr = ParsePrimary();
    bool has_offset = false;
    while (expr != nullptr) {
      const Token& next = lexer_.Peek();
      if (next.kind == TokenKind::kLeftBracket) {
        expr = ParseRange(std::move(expr), has_offset);
      } else if (next.kind == TokenKind::kOffset) {
        expr = ParseOffset(std::move(expr), has_offset);
        has_offset = true;
      } else if (next.kind == TokenKind::kAt) {
        return Fail(next.pos, "the @ modifier is not supported by Vigil");
      } else {
        break;
      }
    }
    return expr;
  }

  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseRange(ExprPtr expr, bool has_offset) {
    const Token open = lexer_.Next();
    const Token range = lexer_.Next();
    if (range.kind == TokenKind::kColon || lexer_.Peek().kind == TokenKind::kColon) {
      return Fail(open.pos, "subqueries (expr[range:step]) are not supported by Vigil");
    }
    if (range.kind != TokenKind::kDuration) return Unexpected(range, "a duration like 5m");
    const Token close = lexer_.Next();
    if (close.kind != TokenKind::kRightBracket) {
      return Unexpected(close, "\"]\" after the range");
    }
    VectorSelector* selector = std::get_if<VectorSelector>(&expr->node);
    if (selector == nullptr) return Fail(open.pos, "ranges only allowed for vector selectors");
    if (has_offset) return Fail(open.pos, "no offset modifiers allowed before range");
    if (range.duration_ms <= 0) return Fail(range.pos, "the range must be greater than 0");
    return Make(MatrixSelector{std::move(*selector), range.duration_ms}, ValueType::kRangeVector,
                expr->position);
  }

  // `offset 5m`, `offset -1h`: on the selector itself or on a range selector's.
  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseOffset(ExprPtr expr, bool has_offset) {
    const Token offset = lexer_.Next();
    const bool negative = Accept(TokenKind::kSub);
    const Token duration = lexer_.Next();
    if (duration.kind != TokenKind::kDuration) {
      return Unexpected(duration, "a duration like 5m after offset");
    }
    VectorSelector* selector = std::get_if<VectorSelector>(&expr->node);
    if (MatrixSelector* matrix = std::get_if<MatrixSelector>(&expr->node)) {
      selector = &matrix->selector;
    }
    if (selector == nullptr) {
      return Fail(offset.pos,
                  "offset modifier must be preceded by an instant vector selector or range "
                  "vector selector");
    }
    if (has_offset) return Fail(offset.pos, "offset may not be set multiple times");
    selector->offset_ms = negative ? -duration.duration_ms : duration.duration_ms;
    return expr;
  }

  ExprPtr ParsePrimary() {
    const Token& next = lexer_.Peek();
    switch (next.kind) {
      case TokenKind::kNumber:
      case TokenKind::kString:
        return ParseLiteral();
      case TokenKind::kDuration:
        return Fail(next.pos, absl::StrCat("unexpected duration ", next.text,
                                           " (a duration goes in [...] or after offset)"));
      case TokenKind::kLeftParen:
        return ParseParen();
      case TokenKind::kLeftBrace:
        return ParseVectorSelector("", next.pos);
      case TokenKind::kIdentifier:
      case TokenKind::kMetricIdentifier:
        return ParseNamed();
      case TokenKind::kAtan2:
        return Fail(next.pos, "the atan2 operator is not supported by Vigil");
      default:
        if (IsKeywordMetricName(next.kind)) return ParseNamed();
        return Unexpected(next, "");
    }
  }

  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseLiteral() {
    Token token = lexer_.Next();
    if (token.kind == TokenKind::kNumber) {
      return Make(NumberLiteral{token.number}, ValueType::kScalar, token.pos);
    }
    return Make(StringLiteral{std::move(token.value)}, ValueType::kString, token.pos);
  }

  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseParen() {
    const int open_pos = lexer_.Next().pos;
    ExprPtr inner = ParseExpr(0);
    if (inner == nullptr) return nullptr;
    if (!Accept(TokenKind::kRightParen)) {
      if (lexer_.Peek().kind == TokenKind::kEof) return Fail(open_pos, "unclosed left parenthesis");
      return Unexpected(lexer_.Peek(), "\")\"");
    }
    const ValueType type = inner->type;
    return Make(Paren{std::move(inner)}, type, open_pos);
  }

  // An identifier (or a keyword that may name a metric) where an expression starts: an
  // aggregation, a call or a selector.
  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseNamed() {
    const Token& name = lexer_.Peek();
    const TokenKind after = lexer_.Peek(1).kind;
    if (name.kind == TokenKind::kIdentifier) {
      if (after == TokenKind::kLeftParen || after == TokenKind::kBy ||
          after == TokenKind::kWithout) {
        if (std::optional<AggregationOp> op = FindAggregation(name.text)) {
          return ParseAggregation(*op);
        }
        if (IsUnsupportedAggregation(name.text)) return FailUnsupported(name);
      }
      if (after == TokenKind::kLeftParen) {
        if (const FunctionSignature* function = FindFunction(name.text)) {
          return ParseCall(*function);
        }
        return FailUnsupported(name);
      }
    }
    const absl::string_view text = name.text;  // points into the query text
    const int pos = name.pos;
    lexer_.Next();
    return ParseVectorSelector(text, pos);
  }

  // A name before `(` that is no aggregation or function Vigil implements.
  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t FailUnsupported(const Token& name) {
    if (IsUnsupportedAggregation(name.text)) {
      return Fail(name.pos, absl::StrCat("the ", absl::AsciiStrToLower(name.text),
                                         " aggregation is not supported by Vigil"));
    }
    if (IsUnsupportedPrometheusFunction(name.text)) {
      return Fail(name.pos, absl::StrCat("function \"", name.text, "\" is not supported by Vigil"));
    }
    return Fail(name.pos, absl::StrCat("unknown function with name \"", name.text, "\""));
  }

  // `(arg, ...)`; a trailing comma is allowed.
  bool ParseArgs(std::vector<ExprPtr>* args) {
    const int open_pos = lexer_.Next().pos;
    while (!Accept(TokenKind::kRightParen)) {
      ExprPtr arg = ParseExpr(0);
      if (arg == nullptr) return false;
      args->push_back(std::move(arg));
      if (!Accept(TokenKind::kComma) && lexer_.Peek().kind != TokenKind::kRightParen) {
        if (lexer_.Peek().kind == TokenKind::kEof) {
          Fail(open_pos, "unclosed left parenthesis");
        } else {
          Unexpected(lexer_.Peek(), "\",\" or \")\" in the argument list");
        }
        return false;
      }
    }
    return true;
  }

  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseCall(const FunctionSignature& function) {
    const int pos = lexer_.Next().pos;
    Call call;
    call.name = std::string(function.name);
    if (!ParseArgs(&call.args)) return nullptr;
    if (std::optional<SyntaxError> error = CheckCall(function, call, pos)) return Fail(*error);
    return Make(std::move(call), function.returns, pos);
  }

  // `op [by|without (...)] (args) [by|without (...)]`.
  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseAggregation(AggregationOp op) {
    const Token& name_token = lexer_.Peek();
    const absl::string_view name = name_token.text;  // points into the query text
    const int pos = name_token.pos;
    lexer_.Next();
    AggregateExpr aggregate;
    aggregate.op = op;
    bool grouped = false;
    const auto grouping = [&]() {
      const TokenKind kind = lexer_.Peek().kind;
      if (kind != TokenKind::kBy && kind != TokenKind::kWithout) return true;
      const Token clause = lexer_.Next();
      if (grouped) {
        Fail(clause.pos, absl::StrCat(name,
                                      " has a by/without clause both before and "
                                      "after its arguments"));
        return false;
      }
      grouped = true;
      aggregate.without = kind == TokenKind::kWithout;
      return ParseLabelList(clause.text, &aggregate.grouping);
    };
    if (!grouping()) return nullptr;
    if (lexer_.Peek().kind != TokenKind::kLeftParen) {
      return Unexpected(lexer_.Peek(), absl::StrCat("\"(\" with the arguments of ", name));
    }
    std::vector<ExprPtr> args;
    if (!ParseArgs(&args) || !grouping()) return nullptr;
    if (std::optional<SyntaxError> error = CheckAggregation(op, args, pos)) {
      return Fail(*error);
    }
    if (args.size() == 2) aggregate.param = std::move(args[0]);
    aggregate.expr = std::move(args.back());
    return Make(std::move(aggregate), ValueType::kInstantVector, pos);
  }

  // `name`, `name{...}` or (`name` empty) `{...}`; `pos`: where it starts.
  ABSL_ATTRIBUTE_NOINLINE ExprPtr ParseVectorSelector(absl::string_view name, int pos) {
    VectorSelector selector;
    if (!name.empty()) {
      selector.name = std::string(name);
      absl::StatusOr<storage::LabelMatcher> matcher = storage::LabelMatcher::Create(
          storage::LabelMatcher::Type::kEqual, std::string(kMetricNameLabel), selector.name);
      if (!matcher.ok()) return Fail(pos, std::string(matcher.status().message()));
      selector.matchers.push_back(*std::move(matcher));
    }
    if (lexer_.Peek().kind == TokenKind::kLeftBrace) {
      if (std::optional<SyntaxError> error = ParseMatcherList(lexer_, &selector.matchers)) {
        return Fail(*error);
      }
    }
    if (std::optional<SyntaxError> error = CheckVectorSelector(selector, pos)) {
      return Fail(*error);
    }
    return Make(std::move(selector), ValueType::kInstantVector, pos);
  }

  Lexer lexer_;
  std::optional<SyntaxError> error_;
  int depth_ = 0;  // of ParseExpr calls: bounds the recursion
  absl::flat_hash_map<const Expr*, int> heights_;
};

}  // namespace

absl::StatusOr<ExprPtr> ParseExpr(absl::string_view text) { return Parser(text).Parse(); }

}  // namespace vigil::query
