// Query limits (series, samples, points, time), argument checks, the cost a query
// reports, the engine's self metrics, and queries running while data arrives.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

// Five series of ten samples each, a minute apart.
constexpr const char* kData = R"(
load 1m
  m{i="1"} 0+1x9
  m{i="2"} 0+1x9
  m{i="3"} 0+1x9
  m{i="4"} 0+1x9
  m{i="5"} 0+1x9
)";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("more series than max_series fail the query and say so", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  EngineOptions options;
  options.limits.max_series = 5;
  std::unique_ptr<Engine> engine = f.MakeEngine(options);
  CheckInstant(*engine, "count(m)", 60, {{"{}", 5}});
  // Two selectors of three series each: six together.
  const std::string message = QueryError(*engine, R"(m{i=~"1|2|3"} + m{i=~"3|4|5"})", 60,
                                         absl::StatusCode::kResourceExhausted);
  CHECK(message == "query would select more than 5 series (query.max_series); narrow the selector");
  options.limits.max_series = 4;
  engine = f.MakeEngine(options);
  CHECK(Contains(QueryError(*engine, "m", 60, absl::StatusCode::kResourceExhausted),
                 "more than 4 series (query.max_series)"));
}

TEST_CASE("more samples than max_samples fail the query and say so", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  EngineOptions options;
  options.limits.max_samples = 50;
  std::unique_ptr<Engine> engine = f.MakeEngine(options);
  // [0, 540]: all 50 samples.
  CheckInstant(*engine, "sum(count_over_time(m[9m]))", 540, {{"{}", 50}});
  options.limits.max_samples = 49;
  engine = f.MakeEngine(options);
  CHECK(QueryError(*engine, "sum(count_over_time(m[9m]))", 540,
                   absl::StatusCode::kResourceExhausted) ==
        "query would decode more than 49 samples (query.max_samples); narrow the selector or "
        "the range");
}

TEST_CASE("results held in memory count against max_samples too", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  EngineOptions options;
  options.limits.max_samples = 60;
  std::unique_ptr<Engine> engine = f.MakeEngine(options);
  // 50 samples decoded; the selector's result holds 5 series x 11 steps = 55 points.
  REQUIRE(engine->Range("m", 0, 600'000, 60'000).ok());
  // The sum's 11 points on top: 66.
  CHECK(
      ErrorOf(engine->Range("sum(m)", 0, 600'000, 60'000), absl::StatusCode::kResourceExhausted) ==
      "query would hold more than 60 points in memory (query.max_samples); narrow the "
      "selector or increase the step");
}

TEST_CASE("more steps than max_points fail a range query", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CHECK(ErrorOf(f.engine().Range("m", 0, 11'000, 1), absl::StatusCode::kResourceExhausted) ==
        "query would return 11001 points per series, more than 11000 (query.max_points); "
        "increase the step");
  CHECK(f.engine().Range("m", 0, 10'999, 1).ok());
}

TEST_CASE("a query past its deadline fails with the deadline that applied", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // The caller's deadline has passed before the query starts.
  CHECK(ErrorOf(f.engine().Instant("m", 60'000, absl::ZeroDuration()),
                absl::StatusCode::kDeadlineExceeded) ==
        "query timed out after 0 (the request's timeout)");
  ErrorOf(f.engine().Range("rate(m[5m])", 0, 600'000, 60'000, absl::Milliseconds(-5)),
          absl::StatusCode::kDeadlineExceeded);
  // The configured limit.
  EngineOptions options;
  options.limits.timeout = absl::ZeroDuration();
  std::unique_ptr<Engine> engine = f.MakeEngine(options);
  CHECK(ErrorOf(engine->Instant("m", 60'000), absl::StatusCode::kDeadlineExceeded) ==
        "query timed out after 0 (query.timeout); narrow the selector or the range");
}

TEST_CASE("bad arguments are kInvalidArgument", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  ErrorOf(f.engine().Range("m", 0, 60'000, 0), absl::StatusCode::kInvalidArgument);
  CHECK(ErrorOf(f.engine().Range("m", 60'000, 0, 1000), absl::StatusCode::kInvalidArgument) ==
        "end timestamp must not be before start time");
  CHECK(Contains(QueryError(f.engine(), "sum(m", 0, absl::StatusCode::kInvalidArgument),
                 "parse error at line 1, column"));
  CHECK(QueryError(f.engine(), "m", 9e15, absl::StatusCode::kInvalidArgument) ==
        "query time out of range");
}

TEST_CASE("a query reports what it cost", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // At 300 s the lookback [0, 300] holds 6 samples of each of the 5 series.
  absl::StatusOr<QueryResult> r = f.engine().Instant("m", 300'000);
  REQUIRE(r.ok());
  CHECK(r->stats.series_touched == 5);
  CHECK(r->stats.samples_decoded == 30);
  CHECK(r->stats.wall_ns > 0);
  // The same selector twice is read once.
  r = f.engine().Instant("m + m", 300'000);
  REQUIRE(r.ok());
  CHECK(r->stats.series_touched == 5);
  CHECK(r->stats.samples_decoded == 30);
}

double MetricValue(const std::string& rendered, const std::string& line_prefix) {
  const std::string line = "\n" + line_prefix + " ";
  const size_t at = rendered.find(line);
  if (at == std::string::npos) return -1;
  return std::stod(rendered.substr(at + line.size()));
}

TEST_CASE("the engine counts queries by kind and outcome in its self metrics", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  Engine& e = f.engine();
  REQUIRE(e.Instant("m", 300'000).ok());
  REQUIRE(e.Instant("sum(m)", 300'000).ok());
  REQUIRE(e.Range("m", 0, 120'000, 60'000).ok());
  REQUIRE_FALSE(e.Instant("sum(", 0).ok());
  REQUIRE_FALSE(e.Instant("m + on() m", 300'000).ok());  // many-to-many
  REQUIRE_FALSE(e.Instant("m", 0, absl::ZeroDuration()).ok());
  REQUIRE_FALSE(e.Range("m", 0, 100'000'000, 1).ok());
  const std::string text = f.metrics().Render();
  INFO(text);
  CHECK(MetricValue(text, R"(vigil_query_evaluations_total{kind="instant",status="ok"})") == 2);
  CHECK(MetricValue(text, R"(vigil_query_evaluations_total{kind="range",status="ok"})") == 1);
  CHECK(MetricValue(text, R"(vigil_query_evaluations_total{kind="instant",status="bad_data"})") ==
        1);
  CHECK(MetricValue(text, R"(vigil_query_evaluations_total{kind="instant",status="execution"})") ==
        1);
  CHECK(MetricValue(text, R"(vigil_query_evaluations_total{kind="instant",status="timeout"})") ==
        1);
  CHECK(MetricValue(text,
                    R"(vigil_query_evaluations_total{kind="range",status="too_expensive"})") == 1);
  CHECK(MetricValue(text, R"(vigil_query_duration_seconds_count{kind="instant"})") == 5);
  CHECK(MetricValue(text, R"(vigil_query_duration_seconds_count{kind="range"})") == 2);
  // 30 + 30 + the range query's [-300 s, 120 s]: 3 of each series; the failed matching
  // query read 30 too; the others failed before reading.
  CHECK(MetricValue(text, "vigil_query_samples_decoded_total") == 30 + 30 + 15 + 30);
  CHECK(MetricValue(text, "vigil_query_series_touched_total") == 4 * 5);
}

TEST_CASE("queries run while samples are committed", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        absl::StatusOr<QueryResult> q =
            f.engine().Range("sum(rate(live[1m])) + count(m)", 0, 3'600'000, 60'000);
        if (!q.ok()) ++failures;
        ++queries;
      }
    });
  }
  // A counter written a second at a time for 20 minutes (each commit its own batch).
  for (int i = 0; i < 1200; ++i) {
    f.Add(ParseLabels("live{}"), {600'000 + i * 1000}, {static_cast<double>(i)});
  }
  // Queries must have overlapped the commits; wait for a few more after them.
  const int before = queries.load();
  while (queries.load() < before + 2) std::this_thread::yield();
  done = true;
  for (std::thread& t : readers) t.join();
  CHECK(failures.load() == 0);
  CheckInstant(f.engine(), "rate(live[1m])", 1'799, {{"{}", 1}});
}

}  // namespace
}  // namespace vigil::query::testing
