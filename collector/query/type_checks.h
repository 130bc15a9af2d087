// The parser's checks on a node whose children are already parsed and typed: that a
// function's arguments fit its signature, an aggregation's its operator, a binary
// operation's operands its operator and matching, and that a selector selects something.
// Messages follow Prometheus' ("expected type range vector in call to function \"rate\",
// got instant vector").
//
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <vector>

#include "collector/query/ast.h"
#include "collector/query/functions.h"
#include "collector/query/lexer.h"

namespace vigil::query {

// `pos`: where the call starts (argument errors point at the argument).
std::optional<SyntaxError> CheckCall(const FunctionSignature& function, const Call& call, int pos);

// `args` as written between the parentheses: (param, expr) for topk, bottomk and
// quantile; (expr) for the others.
std::optional<SyntaxError> CheckAggregation(AggregationOp op, const std::vector<ExprPtr>& args,
                                            int pos);

// `op_pos`: where the operator is written.
std::optional<SyntaxError> CheckBinary(const Binary& binary, int op_pos);
// The type of a checked binary expression: scalar if both sides are.
ValueType BinaryResultType(const Binary& binary);

std::optional<SyntaxError> CheckNegation(const Expr& operand, int pos);

std::optional<SyntaxError> CheckVectorSelector(const VectorSelector& selector, int pos);

}  // namespace vigil::query
