// vigil-bench query: PromQL queries through the engine on 1,000 hosts x 500 series
// (query_bench.h; the data set is described in query_data.h). The data set is made once
// in --data-dir and reused by later runs.
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "bench/modes.h"
#include "bench/query_bench.h"
#include "bench/stats.h"
#include "common/log.h"

namespace vigil::bench {

int RunQuery(const QueryFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  QueryBenchOptions options;
  options.data_dir = flags.data_dir;
  if (options.data_dir.empty()) {
    const char* tmp = getenv("TMPDIR");
    options.data_dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/vigil-bench-query");
  }
  options.fresh = flags.fresh;
  options.shape.hosts = flags.hosts;
  options.shape.series = flags.series;
  options.shape.days = flags.days;
  options.runs = flags.runs;
  options.only = flags.only;
  options.progress = true;
  absl::StatusOr<nlohmann::json> figures = RunQueryBench(options);
  if (!figures.ok()) {
    LogError("query: ", figures.status().ToString());
    return 1;
  }
  (*figures)["data_dir"] = options.data_dir;
  *out = *figures;
  if (common.json) {
    std::printf("%s\n", figures->dump().c_str());
  } else {
    std::printf("%s", FormatQueryBench(*figures).c_str());
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace vigil::bench
