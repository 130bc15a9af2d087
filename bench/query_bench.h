// The core of `vigil-bench query`: PromQL queries through query::Engine, in this
// process, on the data set of query_data.h, each run `runs` times after `warmups`:
//   rate       range  rate(node_cpu_seconds_total{cpu="0",mode="user"}[1m]),
//                     1,000 series, the last hour at step 15 s;
//   sum_rate   range  sum by (instance) (the same);
//   max_30d    instant max_over_time(node_load1{instance=~"bench-host-00.."}[30d]),
//                     100 series (reads the 1-hour and 1-minute rollups);
//   avg_1h_7d  range  avg_over_time(node_load1{...}[1h]), the last 7 days at step 1 h
//                     (a dashboard's week view).
// Every answer is checked: the expected number of series, each with a finite value at
// every step. A wrong answer fails the benchmark instead of being timed.
//
// Thread-safety: none; one run at a time.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/query_data.h"

namespace vigil::bench {

struct QueryBenchOptions {
  std::string data_dir;
  QueryDataShape shape;
  bool fresh = false;  // regenerate the data set even if data_dir holds it
  int runs = 20;
  int warmups = 2;
  bool progress = false;          // log the data set's generation
  std::vector<std::string> only;  // run only these queries (by name); empty: all
};

// Returns the figures:
//   {"mode": "query", "hosts", "series" (in the index), "samples_stored", "days",
//    "generated" (made by this run), "generate_s", "open_s",
//    "queries": {NAME: {"expr", "kind" ("range"|"instant"), "series", "points",
//                       "samples_decoded", "p50_ms", "p99_ms", "max_ms", "runs"}, ...}}
absl::StatusOr<nlohmann::json> RunQueryBench(const QueryBenchOptions& options);

// The figures as a readable table.
std::string FormatQueryBench(const nlohmann::json& figures);

}  // namespace vigil::bench
