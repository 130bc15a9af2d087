// Reads figures out of a collector's own metrics in the Prometheus text exposition
// format (what the Query.Metrics RPC and /metrics return), for the benchmarks that
// compare two scrapes.
//
// Pure functions; thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::bench {

// The sum of every sample of the metric named exactly `name` (all label sets; for a
// histogram pass `<name>_sum` or `<name>_count`). NotFound if it has no sample;
// InvalidArgument naming the line if one of its samples is malformed.
absl::StatusOr<double> MetricSum(absl::string_view exposition, absl::string_view name);

}  // namespace vigil::bench
