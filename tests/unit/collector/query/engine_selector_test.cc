// Selectors: lookback, staleness, offsets, range selectors, matchers, range-query steps.
// Expected values worked out by hand from the fixture.
#include <catch2/catch.hpp>

#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

constexpr const char* kData = R"(
load 1m
  metric{a="1"} 0+10x10
  metric{a="2"} 1 2 _ stale 5
  other{a="1", b="x"} 7x3
)";

TEST_CASE("instant selectors take the newest sample within the lookback", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // 300 s: a=1 has a sample at 300 (50); a=2's newest is 240 (5).
  CheckInstant(f.engine(), "metric", 300, {{R"(metric{a="1"})", 50}, {R"(metric{a="2"})", 5}});
  // 200 s: a=2's newest sample (180) is a staleness marker: absent.
  CheckInstant(f.engine(), "metric", 200, {{R"(metric{a="1"})", 30}});
  // Lookback is 5 minutes, both ends included: 600 s is still seen at 900 s, not at 901 s.
  CheckInstant(f.engine(), "metric", 900, {{R"(metric{a="1"})", 100}});
  CheckInstant(f.engine(), "metric", 901, {});
  CheckInstant(f.engine(), R"(metric{a="2"})", 540, {{R"(metric{a="2"})", 5}});
  CheckInstant(f.engine(), R"(metric{a="2"})", 540.001, {});
  // Before the first sample.
  CheckInstant(f.engine(), "metric", -1, {});
}

TEST_CASE("matchers select by equality, inequality and anchored regexes", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CheckInstant(f.engine(), R"(metric{a!="1"})", 300, {{R"(metric{a="2"})", 5}});
  CheckInstant(f.engine(), R"(metric{a=~"1|2"})", 60,
               {{R"(metric{a="1"})", 10}, {R"(metric{a="2"})", 2}});
  CheckInstant(f.engine(), R"(metric{a=~"1."})", 60, {});  // anchored
  CheckInstant(f.engine(), R"(metric{a!~"1"})", 60, {{R"(metric{a="2"})", 2}});
  CheckInstant(f.engine(), R"({a="1"})", 60,
               {{R"(metric{a="1"})", 10}, {R"(other{a="1",b="x"})", 7}});
  CheckInstant(f.engine(), R"({__name__=~"oth.*"})", 60, {{R"(other{a="1",b="x"})", 7}});
  CheckInstant(f.engine(), R"(other{b=""})", 60, {});
  CheckInstant(f.engine(), R"(metric{b=""})", 60,
               {{R"(metric{a="1"})", 10}, {R"(metric{a="2"})", 2}});
  CheckInstant(f.engine(), "nothing_here", 60, {});
}

TEST_CASE("offset shifts the evaluation time back, or forward when negative", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CheckInstant(f.engine(), "metric offset 1m", 300,
               {{R"(metric{a="1"})", 40}, {R"(metric{a="2"})", 5}});
  CheckInstant(f.engine(), "metric offset -1m", 240,
               {{R"(metric{a="1"})", 50}, {R"(metric{a="2"})", 5}});
  CheckInstant(f.engine(), R"(metric{a="1"} offset 10m)", 660, {{R"(metric{a="1"})", 10}});
}

TEST_CASE("a selector used twice is read once and serves both uses", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // 50 - 30 at 300 s.
  CheckInstant(f.engine(), R"(metric{a="1"} - metric{a="1"} offset 2m)", 300, {{R"({a="1"})", 20}});
  // One read of [-120 s, 300 s]: the six samples from 0 to 300 s.
  absl::StatusOr<QueryResult> r =
      f.engine().Instant(R"(metric{a="1"} - metric{a="1"} offset 2m)", 300'000);
  REQUIRE(r.ok());
  CHECK(r->stats.samples_decoded == 6);
  CHECK(r->stats.series_touched == 1);
  CheckRange(f.engine(), R"(rate(metric{a="1"}[2m]) - rate(metric{a="1"}[2m] offset 1m))", 240, 360,
             60, {{R"({a="1"})", {{240, 0}, {300, 0}, {360, 0}}}});
}

TEST_CASE("an instant query of a range selector returns the raw samples", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  absl::StatusOr<QueryResult> r = f.engine().Instant(R"(metric{a="1"}[2m])", 300'000);
  REQUIRE(r.ok());
  REQUIRE(r->type == ValueType::kRangeVector);
  REQUIRE(r->series.size() == 1);
  // [180 s, 300 s], both ends included.
  CHECK(r->series[0].points == std::vector<Point>{{180'000, 30}, {240'000, 40}, {300'000, 50}});
  CHECK(r->series[0].labels.ToString() == R"(metric{a="1"})");

  // The staleness marker at 180 s is not a sample of the range.
  r = f.engine().Instant(R"(metric{a="2"}[5m])", 300'000);
  REQUIRE(r.ok());
  REQUIRE(r->series.size() == 1);
  CHECK(r->series[0].points == std::vector<Point>{{0, 1}, {60'000, 2}, {240'000, 5}});

  r = f.engine().Instant(R"(metric{a="1"}[1m] offset 5m)", 600'000);
  REQUIRE(r.ok());
  REQUIRE(r->series.size() == 1);
  CHECK(r->series[0].points == std::vector<Point>{{240'000, 40}, {300'000, 50}});
}

TEST_CASE("a range query evaluates at every step from start to end", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // a=2: 1 at 0, 2 at 60 and 120 (looked back), stale from 180, 5 from 240 while within
  // the lookback (until 540 s).
  CheckRange(
      f.engine(), R"(metric{a="2"})", 0, 600, 60,
      {{R"(metric{a="2"})",
        {{0, 1}, {60, 2}, {120, 2}, {240, 5}, {300, 5}, {360, 5}, {420, 5}, {480, 5}, {540, 5}}}});
  // Steps need not be aligned to the samples: 30 s steps from 15 s.
  CheckRange(f.engine(), R"(metric{a="1"})", 15, 135, 30,
             {{R"(metric{a="1"})", {{15, 0}, {45, 0}, {75, 10}, {105, 10}, {135, 20}}}});
  // The end need not be a step: the last step is at or before it.
  CheckRange(f.engine(), R"(metric{a="1"})", 0, 100, 60,
             {{R"(metric{a="1"})", {{0, 0}, {60, 10}}}});
  // Series sorted by labels.
  CheckRange(f.engine(), "metric", 0, 0, 60,
             {{R"(metric{a="1"})", {{0, 0}}}, {R"(metric{a="2"})", {{0, 1}}}});
}

TEST_CASE("scalars and strings evaluate as Prometheus returns them", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  absl::StatusOr<QueryResult> r = f.engine().Instant("1 + 2", 60'000);
  REQUIRE(r.ok());
  CHECK(r->type == ValueType::kScalar);
  CHECK(r->scalar == Point{60'000, 3});
  r = f.engine().Instant(R"("hello")", 60'000);
  REQUIRE(r.ok());
  CHECK(r->type == ValueType::kString);
  CHECK(r->string == "hello");
  // A scalar over a range: one series without labels.
  CheckRange(f.engine(), "time()", 0, 120, 60, {{"{}", {{0, 0}, {60, 60}, {120, 120}}}});
  // A range query of a range vector or a string is refused.
  absl::StatusOr<QueryResult> bad = f.engine().Range("metric[1m]", 0, 60'000, 60'000);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.status().message() ==
        "invalid expression type \"range vector\" for range query, must be Scalar or instant "
        "Vector");
}

TEST_CASE("staleness markers survive storage, in the head and in chunks", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  for (int pass = 0; pass < 2; ++pass) {
    INFO((pass == 0 ? "head" : "chunks"));
    std::vector<int64_t> ts;
    std::vector<double> vs;
    absl::StatusOr<storage::SeriesId> id =
        f.tsdb().index().GetOrCreate(ParseLabels(R"(metric{a="2"})"));
    REQUIRE(id.ok());
    REQUIRE(f.tsdb().ReadRange(*id, 0, 600'000, 100, &ts, &vs).ok());
    REQUIRE(ts == std::vector<int64_t>{0, 60'000, 180'000, 240'000});
    CHECK(std::bit_cast<uint64_t>(vs[2]) == 0x7ff0000000000002ULL);
    CheckInstant(f.engine(), "metric", 200, {{R"(metric{a="1"})", 30}});
    f.Flush();
  }
}

}  // namespace
}  // namespace vigil::query::testing
