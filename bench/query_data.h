// The data set `vigil-bench query` measures PromQL queries on: a real Tsdb holding
// `hosts` simulated database hosts of `series` node_exporter-like series each (the host
// mix of host_data.h, instance="bench-host-0000", ...), every one sampled at 1 s.
//
// Writing 500,000 series x 30 days of 1 s samples would take hours, so the history is
// uneven, chosen so that every queried sample exists and the index is full size:
//   - every series of every host: the last `recent_seconds` (2 minutes);
//   - node_cpu_seconds_total{cpu="0",mode="user"} of every host (the rate queries):
//     the last `rate_minutes` (70 minutes); a counter that climbs with the host's load,
//     reset to 0 (a reboot) on every 50th host half an hour before the end;
//   - node_load1 of the first min(100, hosts) hosts (the 30-day query): the last `days`
//     (30 days: 259 million samples).
// Samples are written as the collector receives them: chronologically, one commit per
// host and 10-minute chunk window, the injected clock at the batch's last sample, and
// Maintain() after every window, so chunks, rollups and head snapshots are those of
// production. The store is compacted at the end. The last sample of every series is at
// end_ms - 1 s; end_ms is fixed, so answers do not depend on the day the set was made.
//
// A complete data set is marked by `dataset.json` in the data directory (its shape and
// how long it took to make), written last; a directory without the mark is regenerated.
//
// Thread-safety: none; one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"

namespace vigil::bench {

struct QueryDataShape {
  int hosts = 1000;
  int series = 500;  // per host (the two queried series are added if the mix lacks them)
  double days = 30;  // history of the node_load1 series
  int rate_minutes = 70;
  int recent_seconds = 120;
  int64_t end_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

  int history_hosts() const { return hosts < 100 ? hosts : 100; }
  nlohmann::json ToJson() const;
  bool operator==(const QueryDataShape&) const = default;
};

// The queried series' names, for the benchmark's expressions.
inline constexpr const char* kRateSelector = R"(node_cpu_seconds_total{cpu="0",mode="user"})";
// Matches node_load1 of hosts 0..99: the hosts with history.
inline constexpr const char* kHistorySelector = R"(node_load1{instance=~"bench-host-00.."})";

// An open data set: the Tsdb on its directory and the clock it runs on (at end_ms).
struct QueryData {
  QueryDataShape shape;
  bool generated = false;     // made by this call (false: reused)
  double generate_s = 0;      // how long making it took (this call or the one that did)
  uint64_t samples = 0;       // samples written when it was made
  uint64_t series_total = 0;  // series in the index
  double open_s = 0;          // opening the Tsdb for the queries
  std::unique_ptr<ManualClock> clock;
  std::unique_ptr<storage::Tsdb> tsdb;
};

// Opens the data set in `dir` (the Tsdb in dir/tsdb), making it first if `dir` has no
// complete one or `fresh` is set (only dir/tsdb and the mark are removed). A complete
// set of another shape is an error that says so (use --fresh or another directory).
// `progress`: log a line per phase.
absl::StatusOr<QueryData> OpenQueryData(const std::string& dir, const QueryDataShape& shape,
                                        bool fresh, bool progress);

}  // namespace vigil::bench
