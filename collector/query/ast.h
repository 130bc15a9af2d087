// The syntax tree of a PromQL expression (the subset Vigil implements; see parser.h for
// the grammar and README "Query language" for what is and is not supported).
//
// A tree is built by the parser, checked for types there (every node knows the type it
// evaluates to), and then only read: the engine evaluates it, `ToString` prints it back.
// Nodes own their children (unique_ptr). Positions are 0-based byte offsets into the
// query text; errors print them 1-based.
//
// Not thread-safe to mutate; a finished tree may be read from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "collector/storage/label_matcher.h"

namespace vigil::query {

// What an expression evaluates to, as in Prometheus.
enum class ValueType { kScalar, kInstantVector, kRangeVector, kString };
const char* ValueTypeName(ValueType type);  // "scalar", "instant vector", ...

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;  // also Inf, NaN, hex, and durations are not numbers here
};

struct StringLiteral {
  std::string value;  // unescaped
};

// `name{matchers} offset 5m`. `matchers` holds every matcher, including the
// `__name__="name"` one when a name is written before the braces (so the engine only
// looks at `matchers`); `name` is kept for printing. At least one matcher does not match
// the empty string (checked by the parser, as Prometheus does).
struct VectorSelector {
  std::string name;
  std::vector<storage::LabelMatcher> matchers;
  int64_t offset_ms = 0;  // `offset 5m` reads 5 minutes earlier; negative allowed
};

// `selector[5m]`, `selector[5m] offset 1h`. The offset lives in `selector`.
struct MatrixSelector {
  VectorSelector selector;
  int64_t range_ms = 0;  // > 0
};

// A function call. `name` is one of functions.h's table; args are already checked
// against its signature.
struct Call {
  std::string name;
  std::vector<ExprPtr> args;
};

enum class AggregationOp { kSum, kAvg, kMin, kMax, kCount, kTopk, kBottomk, kQuantile, kStddev };
const char* AggregationOpName(AggregationOp op);  // "sum", ...

// `sum by (job) (expr)`, `topk(3, expr)`, `quantile without (cpu) (0.9, expr)`.
struct AggregateExpr {
  AggregationOp op = AggregationOp::kSum;
  ExprPtr param;                      // topk/bottomk/quantile: a scalar expression; otherwise null
  ExprPtr expr;                       // an instant vector
  std::vector<std::string> grouping;  // label names of by (...) / without (...)
  bool without = false;               // true: `without`; false: `by` (or no clause)
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,  // arithmetic
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,  // comparison
  kAnd,
  kOr,
  kUnless,  // set operators (vector/vector only)
};
const char* BinaryOpName(BinaryOp op);  // "+", "==", "and", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

// How the two sides of a vector/vector operation pair up.
struct VectorMatching {
  enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  // kManyToOne: group_left; kOneToMany: group_right; kManyToMany: set operators.
  Cardinality cardinality = Cardinality::kOneToOne;
  bool on = false;                   // true: on(labels); false: ignoring(labels) (or neither)
  std::vector<std::string> labels;   // of on/ignoring
  std::vector<std::string> include;  // group_left(include...) / group_right(include...)
};

struct Binary {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // `> bool`: 0/1 instead of filtering
  VectorMatching matching;   // meaningful when both sides are instant vectors
};

// `-expr` (a leading `+` is dropped by the parser).
struct Negation {
  ExprPtr expr;
};

// `(expr)`: kept so that ToString prints what was written.
struct Paren {
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Call, AggregateExpr,
               Binary, Negation, Paren>
      node;
  ValueType type = ValueType::kScalar;  // set by the parser
  int position = 0;                     // byte offset of the node's first character
};

// PromQL text of the tree (normalized spacing; durations printed as 5m, 1h30m; used in
// tests, error messages and the audit log).
std::string ToString(const Expr& expr);

}  // namespace vigil::query
