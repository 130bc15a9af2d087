#include "collector/query/functions.h"

#include <algorithm>

namespace vigil::query {
namespace {

constexpr ValueType kScalar = ValueType::kScalar;
constexpr ValueType kVector = ValueType::kInstantVector;
constexpr ValueType kMatrix = ValueType::kRangeVector;
constexpr ValueType kString = ValueType::kString;

// Prometheus' signatures (promql/parser/functions.go), sorted by name.
std::vector<FunctionSignature> MakeTable() {
  const auto vector_fn = [](absl::string_view name) {
    return FunctionSignature{name, {kVector}, 0, false, kVector};
  };
  const auto range_fn = [](absl::string_view name) {
    return FunctionSignature{name, {kMatrix}, 0, false, kVector};
  };
  // hour() & co: the time of each sample of a vector, or of `vector(time())` without one.
  const auto date_fn = [](absl::string_view name) {
    return FunctionSignature{name, {kVector}, 1, false, kVector};
  };
  std::vector<FunctionSignature> table = {
      vector_fn("abs"),
      vector_fn("absent"),
      range_fn("absent_over_time"),
      range_fn("avg_over_time"),
      vector_fn("ceil"),
      range_fn("changes"),
      {"clamp", {kVector, kScalar, kScalar}, 0, false, kVector},
      {"clamp_max", {kVector, kScalar}, 0, false, kVector},
      {"clamp_min", {kVector, kScalar}, 0, false, kVector},
      range_fn("count_over_time"),
      date_fn("day_of_month"),
      date_fn("day_of_week"),
      range_fn("delta"),
      range_fn("deriv"),
      vector_fn("exp"),
      vector_fn("floor"),
      date_fn("hour"),
      range_fn("idelta"),
      range_fn("increase"),
      range_fn("irate"),
      // label_join(v, dst, separator, src...): any number of source labels.
      {"label_join", {kVector, kString, kString, kString}, 1, true, kVector},
      // label_replace(v, dst, replacement, src, regex).
      {"label_replace", {kVector, kString, kString, kString, kString}, 0, false, kVector},
      range_fn("last_over_time"),
      vector_fn("ln"),
      vector_fn("log10"),
      vector_fn("log2"),
      range_fn("max_over_time"),
      range_fn("min_over_time"),
      date_fn("minute"),
      date_fn("month"),
      {"predict_linear", {kMatrix, kScalar}, 0, false, kVector},
      {"quantile_over_time", {kScalar, kMatrix}, 0, false, kVector},
      range_fn("rate"),
      range_fn("resets"),
      // round(v, to_nearest = 1).
      {"round", {kVector, kScalar}, 1, false, kVector},
      {"scalar", {kVector}, 0, false, kScalar},
      vector_fn("sort"),
      vector_fn("sort_desc"),
      vector_fn("sqrt"),
      range_fn("stddev_over_time"),
      range_fn("stdvar_over_time"),
      range_fn("sum_over_time"),
      {"time", {}, 0, false, kScalar},
      vector_fn("timestamp"),
      {"vector", {kScalar}, 0, false, kVector},
      date_fn("year"),
  };
  return table;
}

// Prometheus functions Vigil does not implement (atan2 is an operator, count_values and
// group aggregations: the parser names those itself).
constexpr absl::string_view kUnsupported[] = {
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cos",
    "cosh",
    "days_in_month",
    "deg",
    "double_exponential_smoothing",
    "first_over_time",
    "histogram_avg",
    "histogram_count",
    "histogram_fraction",
    "histogram_quantile",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_sum",
    "holt_winters",
    "info",
    "mad_over_time",
    "pi",
    "present_over_time",
    "rad",
    "sgn",
    "sin",
    "sinh",
    "sort_by_label",
    "sort_by_label_desc",
    "tan",
    "tanh",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_max_over_time",
    "ts_of_min_over_time",
};

}  // namespace

const std::vector<FunctionSignature>& AllFunctions() {
  static const std::vector<FunctionSignature>* const table =
      new std::vector<FunctionSignature>(MakeTable());
  return *table;
}

const FunctionSignature* FindFunction(absl::string_view name) {
  const std::vector<FunctionSignature>& table = AllFunctions();
  const auto it =
      std::lower_bound(table.begin(), table.end(), name,
                       [](const FunctionSignature& f, absl::string_view n) { return f.name < n; });
  if (it == table.end() || it->name != name) return nullptr;
  return &*it;
}

bool IsUnsupportedPrometheusFunction(absl::string_view name) {
  return std::find(std::begin(kUnsupported), std::end(kUnsupported), name) !=
         std::end(kUnsupported);
}

}  // namespace vigil::query
