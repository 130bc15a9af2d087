// The fixed data set of the PromQL differential test (promql_compat_test.cc): six hours
// of samples with the shapes PromQL answers are sensitive to, the same for Prometheus
// (as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`) and for
// Vigil (committed into a Tsdb as an agent would send them).
//
//   compat_requests_total{job="api",instance,method,code}  8 counters every 15 s; a
//       reset (restart from a small value) on {host-a,get,200} at 2h07m30s, a reset to
//       exactly 0 on {host-b,post,500} at 4h; fractional increments on {host-a,post,200};
//       code="500" counters stay flat for minutes
//   compat_gauge{job="node",instance,zone}  6 gauges every 15 s: negative values,
//       quarter values (round's ties), NaN every 40th sample of {host-c,y}, one +Inf
//   compat_gap{instance="host-a:9100"}  a gauge with a 12-minute hole at 1h (longer than
//       the 5-minute lookback) and a 3-minute one at 4h
//   compat_stop_total{instance="host-a:9100"}  a counter whose last sample is at 3h (it
//       goes stale through the lookback, since OpenMetrics text cannot carry Prometheus'
//       staleness markers)
//   compat_irregular_total{instance="host-b:9100"}  a counter at irregular intervals
//       (1 to 90 s, millisecond timestamps)
//   compat_info{instance,version}  value 1 every 60 s, for group_left/right joins
//   compat_late{instance="host-d:9100"}  starts at 5h
//   compat_single{job="node"}  one series, for scalar()
// Times are offsets from kCompatStartMs (an hour boundary). Deterministic: no clock, a
// fixed seed.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "common/labels.h"

namespace vigil::testing {

inline constexpr int64_t kCompatStartMs = 1'699'999'200'000;  // 2023-11-14T22:00:00Z
inline constexpr int64_t kCompatSpanMs = 6 * 3'600'000;

struct CompatSeries {
  LabelSet labels;
  std::vector<int64_t> ts;  // ascending
  std::vector<double> vs;
};

std::vector<CompatSeries> MakeCompatData();

// OpenMetrics text of every sample (one line each, seconds with milliseconds), ending
// with "# EOF". No TYPE lines: PromQL does not look at them.
std::string ToOpenMetrics(const std::vector<CompatSeries>& data);

// Commits the samples into `tsdb` chronologically, one commit per instance and
// 10-minute batch, with `clock` at the batch's end and Maintain() after each batch (the
// last batch stays in the head). Fails if any sample is not stored.
absl::Status LoadIntoTsdb(const std::vector<CompatSeries>& data, storage::Tsdb& tsdb,
                          ManualClock& clock);

}  // namespace vigil::testing
