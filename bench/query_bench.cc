#include "bench/query_bench.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/stats.h"
#include "collector/query/engine.h"
#include "collector/query/parser.h"
#include "collector/storage/window.h"
#include "common/status.h"

namespace vigil::bench {
namespace {

using storage::kDayMs;
using storage::kHourMs;

struct BenchQuery {
  std::string name;
  std::string expr;
  bool range = false;
  int64_t start_ms = 0;  // range only
  int64_t end_ms = 0;    // range: the end; instant: the time
  int64_t step_ms = 0;
  size_t series = 0;  // expected
};

std::vector<BenchQuery> Queries(const QueryDataShape& shape) {
  const int64_t end = shape.end_ms;
  const std::string rate = absl::StrCat("rate(", kRateSelector, "[1m])");
  const int64_t history_ms =
      storage::AlignDown(static_cast<int64_t>(std::llround(shape.days * kDayMs)), int64_t{1000});
  // The week view's first window [start - 1h, start] lies inside the history.
  const int64_t week_ms = std::max<int64_t>(
      0, std::min<int64_t>(7 * kDayMs, storage::AlignDown(history_ms - kHourMs, kHourMs)));
  const size_t hosts = static_cast<size_t>(shape.hosts);
  const size_t history = static_cast<size_t>(shape.history_hosts());
  return {
      {"rate", rate, true, end - kHourMs, end, 15'000, hosts},
      {"sum_rate", absl::StrCat("sum by (instance) (", rate, ")"), true, end - kHourMs, end, 15'000,
       hosts},
      {"max_30d",
       absl::StrCat("max_over_time(", kHistorySelector, "[", query::FormatDurationMs(history_ms),
                    "])"),
       false, 0, end, 0, history},
      {"avg_1h_7d", absl::StrCat("avg_over_time(", kHistorySelector, "[1h])"), true, end - week_ms,
       end, kHourMs, history},
  };
}

absl::StatusOr<query::QueryResult> Evaluate(const query::Engine& engine, const BenchQuery& q) {
  return q.range ? engine.Range(q.expr, q.start_ms, q.end_ms, q.step_ms)
                 : engine.Instant(q.expr, q.end_ms);
}

// The answer has the expected series, each with a finite value at every step.
absl::Status Check(const BenchQuery& q, const query::QueryResult& result) {
  auto wrong = [&](const std::string& what) {
    return absl::InternalError(absl::StrCat("query ", q.name, " (", q.expr, "): ", what));
  };
  if (result.series.size() != q.series) {
    return wrong(absl::StrCat(result.series.size(), " series returned, expected ", q.series));
  }
  const size_t points = q.range ? static_cast<size_t>((q.end_ms - q.start_ms) / q.step_ms + 1) : 1;
  for (const query::Series& s : result.series) {
    if (s.points.size() != points) {
      return wrong(absl::StrCat(s.labels.ToString(), " has ", s.points.size(), " points, expected ",
                                points));
    }
    for (const query::Point& p : s.points) {
      if (!std::isfinite(p.v)) {
        return wrong(absl::StrCat(s.labels.ToString(), " is ", p.v, " at ", p.t_ms));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<nlohmann::json> RunQueryBench(const QueryBenchOptions& options) {
  if (options.runs < 1 || options.warmups < 0) {
    return absl::InvalidArgumentError("runs must be at least 1 and warm-ups not negative");
  }
  const std::vector<BenchQuery> all = Queries(options.shape);
  std::vector<BenchQuery> chosen;
  for (const BenchQuery& q : all) {
    if (options.only.empty() ||
        std::find(options.only.begin(), options.only.end(), q.name) != options.only.end()) {
      chosen.push_back(q);
    }
  }
  if (chosen.size() != (options.only.empty() ? all.size() : options.only.size())) {
    std::vector<std::string> names;
    for (const BenchQuery& q : all) names.push_back(q.name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown query name; the queries are ", absl::StrJoin(names, ", ")));
  }
  VIGIL_ASSIGN_OR_RETURN(QueryData data, OpenQueryData(options.data_dir, options.shape,
                                                       options.fresh, options.progress));
  const query::Engine engine(data.tsdb.get(), query::EngineOptions{});

  nlohmann::json queries = nlohmann::json::object();
  for (const BenchQuery& q : chosen) {
    std::vector<double> ms;
    query::QueryResult last;
    for (int run = 0; run < options.warmups + options.runs; ++run) {
      const absl::Time begin = absl::Now();
      absl::StatusOr<query::QueryResult> result = Evaluate(engine, q);
      const double elapsed = absl::ToDoubleMilliseconds(absl::Now() - begin);
      if (!result.ok()) {
        return absl::Status(result.status().code(), absl::StrCat("query ", q.name, " (", q.expr,
                                                                 "): ", result.status().message()));
      }
      if (run >= options.warmups) ms.push_back(elapsed);
      last = *std::move(result);
    }
    VIGIL_RETURN_IF_ERROR(Check(q, last));
    size_t points = 0;
    for (const query::Series& s : last.series) points += s.points.size();
    queries[q.name] = {
        {"expr", q.expr},
        {"kind", q.range ? "range" : "instant"},
        {"series", last.series.size()},
        {"points", points},
        {"samples_decoded", last.stats.samples_decoded},
        {"p50_ms", Percentile(ms, 0.5)},
        {"p99_ms", Percentile(ms, 0.99)},
        {"max_ms", *std::max_element(ms.begin(), ms.end())},
        {"runs", options.runs},
    };
  }
  return nlohmann::json{
      {"mode", "query"},
      {"hosts", options.shape.hosts},
      {"series", data.series_total},
      {"samples_stored", data.samples},
      {"days", options.shape.days},
      {"generated", data.generated},
      {"generate_s", data.generate_s},
      {"open_s", data.open_s},
      {"queries", queries},
  };
}

std::string FormatQueryBench(const nlohmann::json& figures) {
  auto num = [&](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
  };
  std::string out = absl::StrFormat(
      "vigil-bench query: %d hosts, %.0f series, %.0f samples stored; data set %s (made in "
      "%.1f s), opened in %.2f s\n",
      static_cast<int>(num(figures, "hosts")), num(figures, "series"),
      num(figures, "samples_stored"),
      figures.value("generated", false) ? "made by this run" : "reused", num(figures, "generate_s"),
      num(figures, "open_s"));
  absl::StrAppendFormat(&out, "%-10s %-7s %6s %8s %15s %8s %8s %8s %5s\n", "query", "kind",
                        "series", "points", "samples decoded", "p50 ms", "p99 ms", "max ms",
                        "runs");
  if (!figures.contains("queries")) return out;
  for (const auto& [name, q] : figures["queries"].items()) {
    absl::StrAppendFormat(&out, "%-10s %-7s %6.0f %8.0f %15.0f %8.2f %8.2f %8.2f %5.0f\n", name,
                          q.value("kind", ""), num(q, "series"), num(q, "points"),
                          num(q, "samples_decoded"), num(q, "p50_ms"), num(q, "p99_ms"),
                          num(q, "max_ms"), num(q, "runs"));
  }
  for (const auto& [name, q] : figures["queries"].items()) {
    absl::StrAppendFormat(&out, "  %-10s %s\n", name, q.value("expr", ""));
  }
  return out;
}

}  // namespace vigil::bench
