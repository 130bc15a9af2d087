// Parses PromQL text into a checked syntax tree (ast.h).
//
// Grammar (Prometheus' for the subset Vigil implements): number and string literals
// (", ', `), durations (1h30m, 5m, 10s, 100ms, 2d, 1w, 1y), instant selectors with
// =, !=, =~, !~ matchers, range selectors `[5m]`, `offset` (also negative), function
// calls (functions.h), aggregations with `by`/`without` before or after the arguments,
// unary minus/plus, binary operators with Prometheus' precedence and associativity
// (`^` right-associative and above unary minus; `*`,`/`,`%`; `+`,`-`; comparisons;
// `and`,`unless`; `or`), `bool`, `on`/`ignoring`, `group_left`/`group_right`,
// parentheses, `#` comments. Not supported: subqueries `[1h:5m]`, `@`, `atan2`,
// `count_values`, `group`, native histograms: they fail with a clear message.
//
// Type checks as Prometheus: a function's arguments against its signature, a range
// vector only where one is expected, set operators only between instant vectors,
// comparisons between scalars need `bool`, group_left/right only with vectors on both
// sides, a label not both in on(...) and group_x(...), a selector needs a matcher that
// does not match the empty string.
//
// Errors are kInvalidArgument with the message "parse error at line L, column C: ..."
// (1-based; C counts bytes).
//
// Thread-safe (no shared state).
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/query/ast.h"

namespace vigil::query {

// Limits that keep a hostile query from exhausting the stack (parsing, printing and
// evaluating recurse over the tree): the query's length, and how deep its tree may nest
// (parentheses, calls, operands of operators: `a + b + c` nests 2 deep).
inline constexpr size_t kMaxQueryBytes = 64 * 1024;
inline constexpr int kMaxExprDepth = 500;

absl::StatusOr<ExprPtr> ParseExpr(absl::string_view text);

// A PromQL duration ("5m", "1h30m", "100ms"; no sign) in milliseconds; also used by
// the HTTP API for `step` and `timeout` given as durations.
absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text);
// Prints a duration in PromQL's form: 90000 -> "1m30s", 0 -> "0s".
std::string FormatDurationMs(int64_t ms);

}  // namespace vigil::query
