// Functions of range vectors, on small data with the expected values worked out by
// hand (the arithmetic is spelled out next to each case).
#include <catch2/catch.hpp>
#include <cmath>

#include "collector/query/prom_math.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

constexpr const char* kData = R"(
load 1m
  counter{job="a"} 0+10x10
  reset{job="a"} 0 10 20 5 15 25
  gauge{job="a"} 10 8 12 12 5 _ 7
  flat{job="a"} 3x10
  nan_gauge{job="a"} 1 NaN 3 NaN
)";

TEST_CASE("rate, increase and delta extrapolate as Prometheus' extrapolatedRate", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(
      f, {
             // [300, 600]: 50..100 at both edges: 50 over exactly 300 s.
             {"increase(counter[5m])", 600, {{R"({job="a"})", 50}}},
             {"rate(counter[5m])", 600, {{R"({job="a"})", 50.0 / 300}}},
             // [30, 330]: 10..50 at 60..300 s; 30 s to each edge < 1.1 x 60 s: extrapolated to
             // both: 40 x 300/240 = 50.
             {"increase(counter[5m])", 330, {{R"({job="a"})", 50}}},
             {"rate(counter[5m])", 330, {{R"({job="a"})", 50.0 / 300}}},
             // [-60, 240]: 0..40; the counter would be below zero before 0 s, so the start is
             // not extrapolated: 40 over 240 s, rate 40/300.
             {"increase(counter[5m])", 240, {{R"({job="a"})", 40}}},
             {"rate(counter[5m])", 240, {{R"({job="a"})", 40.0 / 300}}},
             // A reset (20 -> 5 at 180 s) adds the value before it: 25 - 0 + 20 = 45.
             {"increase(reset[5m])", 300, {{R"({job="a"})", 45}}},
             {"rate(reset[5m])", 300, {{R"({job="a"})", 0.15}}},
             // delta does not know resets: 25 - 0.
             {"delta(reset[5m])", 300, {{R"({job="a"})", 25}}},
             // delta of a gauge may go below zero and is extrapolated too: [120, 420] has
             // 12 (120), 12, 5, 7 (360): -5 x (240 + 60)/240 = -6.25.
             {"delta(gauge[5m])", 420, {{R"({job="a"})", -6.25}}},
             // [0, 600]: the last sample is 240 s before the end, more than 1.1 x the average
             // 72 s: extrapolated by half an interval (36 s) only: -3 x 396/360.
             {"delta(gauge[10m])", 600, {{R"({job="a"})", -3 * (396.0 / 360)}}},
             // One sample in the window: no rate.
             {"rate(counter[1m])", 30, {}},
             {"rate(nothing[5m])", 300, {}},
         });
}

TEST_CASE("rate's arithmetic is Prometheus' to the last bit", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // Prometheus multiplies by (interval / sampled) / range: 45 x (1/300), not 45 / 300.
  absl::StatusOr<QueryResult> r = f.engine().Instant("rate(reset[5m])", 300'000);
  REQUIRE(r.ok());
  REQUIRE(r->series.size() == 1);
  CHECK(r->series[0].points[0].v == 45 * (1.0 / 300));
  CHECK(r->series[0].points[0].v != 45.0 / 300);
}

TEST_CASE("irate, idelta, resets and changes use neighbouring samples", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         // 20 -> 5: a reset, so the rate is 5 over 60 s.
                         {"irate(reset[5m])", 180, {{R"({job="a"})", 5.0 / 60}}},
                         {"irate(reset[5m])", 240, {{R"({job="a"})", 10.0 / 60}}},
                         {"idelta(gauge[5m])", 240, {{R"({job="a"})", -7}}},
                         {"idelta(reset[5m])", 180, {{R"({job="a"})", -15}}},
                         {"irate(counter[1m])", 0, {}},
                         {"resets(reset[5m])", 300, {{R"({job="a"})", 1}}},
                         {"resets(counter[5m])", 300, {{R"({job="a"})", 0}}},
                         // 10 8 12 12 5: three changes.
                         {"changes(gauge[5m])", 300, {{R"({job="a"})", 3}}},
                         // NaN to NaN is no change; 1 NaN 3 NaN: three.
                         {"changes(nan_gauge[5m])", 180, {{R"({job="a"})", 3}}},
                         {"changes(flat[10m])", 600, {{R"({job="a"})", 0}}},
                     });
}

TEST_CASE("deriv and predict_linear fit a least-squares line", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f,
                  {
                      // 10 per minute.
                      {"deriv(counter[5m])", 600, {{R"({job="a"})", 10.0 / 60}}},
                      {"deriv(flat[5m])", 600, {{R"({job="a"})", 0}}},
                      // At 600 s the line is at 100; 60 s later 110.
                      {"predict_linear(counter[5m], 60)", 600, {{R"({job="a"})", 110}}},
                      // Relative to the evaluation time, not the last sample: at 630 s the fit over
                      // [330, 630] (400..600 s: 60..100) gives 105 now and 115 in a minute.
                      {"predict_linear(counter[5m], 60)", 630, {{R"({job="a"})", 115}}},
                      {"predict_linear(flat[5m], 3600)", 600, {{R"({job="a"})", 3}}},
                      {"deriv(counter[1m])", 30, {}},
                  });
}

TEST_CASE("the *_over_time functions aggregate each window", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // [0, 300]: 10 8 12 12 5.
  RunInstantCases(
      f, {
             {"avg_over_time(gauge[5m])", 300, {{R"({job="a"})", 9.4}}},
             {"min_over_time(gauge[5m])", 300, {{R"({job="a"})", 5}}},
             {"max_over_time(gauge[5m])", 300, {{R"({job="a"})", 12}}},
             {"sum_over_time(gauge[5m])", 300, {{R"({job="a"})", 47}}},
             {"count_over_time(gauge[5m])", 300, {{R"({job="a"})", 5}}},
             // last_over_time keeps the metric name (it acts like an offset).
             {"last_over_time(gauge[5m])", 300, {{R"(gauge{job="a"})", 5}}},
             // Population deviation: squares 0.36 1.96 6.76 6.76 19.36 sum to 35.2; / 5 = 7.04.
             {"stdvar_over_time(gauge[5m])", 300, {{R"({job="a"})", 7.04}}},
             {"stddev_over_time(gauge[5m])", 300, {{R"({job="a"})", std::sqrt(7.04)}}},
             // Sorted 5 8 10 12 12: rank q x 4, interpolated.
             {"quantile_over_time(0.5, gauge[5m])", 300, {{R"({job="a"})", 10}}},
             {"quantile_over_time(0.25, gauge[5m])", 300, {{R"({job="a"})", 8}}},
             {"quantile_over_time(0.1, gauge[5m])", 300, {{R"({job="a"})", 5 * 0.6 + 8 * 0.4}}},
             {"quantile_over_time(1, gauge[5m])", 300, {{R"({job="a"})", 12}}},
             {"quantile_over_time(-1, gauge[5m])", 300, {{R"({job="a"})", -kInf}}},
             {"quantile_over_time(2, gauge[5m])", 300, {{R"({job="a"})", kInf}}},
             // NaN: min/max skip it unless all are NaN; sum and avg become NaN.
             {"max_over_time(nan_gauge[5m])", 180, {{R"({job="a"})", 3}}},
             {"min_over_time(nan_gauge[5m])", 180, {{R"({job="a"})", 1}}},
             {"max_over_time(nan_gauge[1m])", 180, {{R"({job="a"})", 3}}},
             {"max_over_time(nan_gauge[30s])", 180, {{R"({job="a"})", kNaN}}},
             {"sum_over_time(nan_gauge[5m])", 180, {{R"({job="a"})", kNaN}}},
             {"avg_over_time(nan_gauge[5m])", 180, {{R"({job="a"})", kNaN}}},
             {"count_over_time(nan_gauge[5m])", 180, {{R"({job="a"})", 4}}},
             // The gap at 300 s: [270, 330] holds nothing.
             {"count_over_time(gauge[1m])", 330, {}},
             // Range ends are both included: [60, 120] holds 60 and 120.
             {"count_over_time(gauge[1m])", 120, {{R"({job="a"})", 2}}},
             {"sum_over_time(counter[2m] offset 1m)", 300, {{R"({job="a"})", 20 + 30 + 40}}},
         });
}

TEST_CASE("absent_over_time is 1 where no series has a sample in the window", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(
      f, {
             {"absent_over_time(nothing[5m])", 300, {{"{}", 1}}},
             {R"(absent_over_time(nothing{job="x", env=~"p.*"}[5m]))", 300, {{R"({job="x"})", 1}}},
             {R"(absent_over_time(gauge{job="a"}[1m]))", 330, {{R"({job="a"})", 1}}},
             {"absent_over_time(gauge[5m])", 330, {}},
         });
  // Samples at 240 and 360 s, none after.
  CheckRange(f.engine(), R"(absent_over_time(gauge{job="a"}[30s]))", 240, 420, 60,
             {{R"({job="a"})", {{300, 1}, {420, 1}}}});
}

TEST_CASE("staleness markers end a series in range windows too", "[engine]") {
  PromqlFixture f;
  f.Load(R"(
load 1m
  x 1 2 stale 4
)");
  // The marker is not a sample: [0, 180] holds 1, 2 (and 4 from 180 s on).
  CheckInstant(f.engine(), "count_over_time(x[3m])", 150, {{"{}", 2}});
  CheckInstant(f.engine(), "count_over_time(x[3m])", 180, {{"{}", 3}});
  CheckInstant(f.engine(), "last_over_time(x[2m])", 150, {{"x{}", 2}});
  CheckInstant(f.engine(), "last_over_time(x[1m])", 150, {});
  CheckInstant(f.engine(), "last_over_time(x[30s])", 150, {});
}

TEST_CASE("functions that drop the name may collide: Prometheus' duplicate error", "[engine]") {
  PromqlFixture f;
  f.Load(R"(
load 1m
  a{job="x"} 1 2 3
  b{job="x"} 1 2 3
)");
  const std::string message =
      QueryError(f.engine(), R"(rate({job="x"}[5m]))", 120, absl::StatusCode::kFailedPrecondition);
  CHECK(message == "vector cannot contain metrics with the same labelset");
  // last_over_time keeps the names: no collision.
  CheckInstant(f.engine(), R"(last_over_time({job="x"}[5m]))", 120,
               {{R"(a{job="x"})", 3}, {R"(b{job="x"})", 3}});
}

}  // namespace
}  // namespace vigil::query::testing
