// The functions PromQL expressions may call: their signatures, for the parser's type
// checks. The engine evaluates them (functions_eval.cc and friends); this table is the
// single list of what exists.
//
// Thread-safe (an immutable table).
#pragma once

#include <vector>

#include "absl/strings/string_view.h"
#include "collector/query/ast.h"

namespace vigil::query {

struct FunctionSignature {
  absl::string_view name;
  std::vector<ValueType> args;  // in order
  // How many trailing `args` may be omitted (round's to_nearest, vector's nothing...).
  int optional_args = 0;
  // The last of `args` may repeat any number of times (label_join's source labels).
  bool variadic = false;
  ValueType returns = ValueType::kInstantVector;
};

// nullptr if `name` is not a function Vigil implements.
const FunctionSignature* FindFunction(absl::string_view name);
// Every function, sorted by name (for error messages and the README).
const std::vector<FunctionSignature>& AllFunctions();
// True for a function Prometheus has and Vigil does not (histogram_quantile, sgn...), so
// that the parser can say "not supported by Vigil" rather than "unknown function".
bool IsUnsupportedPrometheusFunction(absl::string_view name);

}  // namespace vigil::query
