// Functions of instant vectors and scalars: math (abs, ceil, floor, round, clamp*,
// sqrt, exp, ln, log2, log10), time(), timestamp(), vector(),
// scalar(), absent(), sort(), sort_desc(), the date functions, and the label functions
// (label_functions.cc).
#pragma once

#include <functional>

#include "absl/status/statusor.h"
#include "collector/query/evaluator.h"

namespace vigil::query {

absl::StatusOr<EvalValue> EvalInstantFunction(Evaluator& ev, const Call& call);

// label_replace(v, dst, replacement, src, regex) and label_join(v, dst, sep, src...).
absl::StatusOr<EvalValue> EvalLabelReplace(Evaluator& ev, const Call& call);
absl::StatusOr<EvalValue> EvalLabelJoin(Evaluator& ev, const Call& call);

// Applies `fn(value, step, &keep)` to every value of `in`, with each series' labels
// given by `relabel` (computed once per series). Output series with equal labels merge;
// two values for the same labels at one step are Prometheus' duplicate-labelset error.
using ValueMap = std::function<double(double v, size_t step, bool* keep)>;
using Relabel = std::function<absl::StatusOr<LabelSet>(const LabelSet&)>;
absl::StatusOr<EvalValue> MapSeries(const Steps& steps, const EvalValue& in, const Relabel& relabel,
                                    const ValueMap& fn);

// The labels without __name__ (what most functions and arithmetic return).
LabelSet DropMetricName(const LabelSet& labels);

}  // namespace vigil::query
