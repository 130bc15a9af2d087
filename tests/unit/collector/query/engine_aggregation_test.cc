// Aggregations with by/without, NaN handling and topk/bottomk order, expected values
// worked out by hand (the heap steps for the tie cases are spelled out).
#include <catch2/catch.hpp>
#include <cmath>

#include "collector/query/prom_math.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

// Sorted by labels (the order selectors return): api/0 10, db/0 40, api/1 20, db/1 NaN,
// api/1/500 5.
constexpr const char* kData = R"(
load 1m
  http{job="api", instance="0", code="200"} 10
  http{job="api", instance="1", code="200"} 20
  http{job="api", instance="1", code="500"} 5
  http{job="db", instance="0", code="200"} 40
  http{job="db", instance="1", code="200"} NaN
  tie{i="1"} 5
  tie{i="2"} 5
  tie{i="3"} 5
  tie{i="4"} 1
  infs{i="1"} Inf 1 -Inf
  infs{i="2"} 1 Inf Inf
  big{i="1"} 1e308 -1e308
  big{i="2"} 1e308 1e308
)";

TEST_CASE("sum, avg, min, max, count and stddev group by and without labels", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(
      f, {
             {"sum(http)", 0, {{"{}", kNaN}}},  // NaN poisons a sum
             {R"(sum(http{job="api"}))", 0, {{"{}", 35}}},
             {"sum by (job) (http)", 0, {{R"({job="api"})", 35}, {R"({job="db"})", kNaN}}},
             {"sum(http) by (job)", 0, {{R"({job="api"})", 35}, {R"({job="db"})", kNaN}}},
             {"sum without (instance, code) (http)",
              0,
              {{R"({job="api"})", 35}, {R"({job="db"})", kNaN}}},
             {"sum by (code) (http)", 0, {{R"({code="200"})", kNaN}, {R"({code="500"})", 5}}},
             // by(__name__) keeps the name; without() always drops it.
             {"sum by (__name__) (http)", 0, {{"http{}", kNaN}}},
             {R"(count without () (http{job="api"}))",
              0,
              {{R"({code="200",instance="0",job="api"})", 1},
               {R"({code="200",instance="1",job="api"})", 1},
               {R"({code="500",instance="1",job="api"})", 1}}},
             // A label no series has: one group.
             {"count by (nope) (http)", 0, {{"{}", 5}}},
             // Incremental mean: 10, then 10 + 20/2 - 10/2 = 15, then 15 + 5/3 - 15/3.
             {"avg by (job) (http)",
              0,
              {{R"({job="api"})", 15 + 5.0 / 3 - 15.0 / 3}, {R"({job="db"})", kNaN}}},
             // min and max skip NaN unless every value is NaN.
             {"min by (job) (http)", 0, {{R"({job="api"})", 5}, {R"({job="db"})", 40}}},
             {"max by (job) (http)", 0, {{R"({job="api"})", 20}, {R"({job="db"})", 40}}},
             {R"(max(http{job="db", instance="1"}))", 0, {{"{}", kNaN}}},
             {"count by (job) (http)", 0, {{R"({job="api"})", 3}, {R"({job="db"})", 2}}},
             // Population standard deviation: 10 and 20 -> 5.
             {R"(stddev by (job) (http{code="200"}))",
              0,
              {{R"({job="api"})", 5}, {R"({job="db"})", kNaN}}},
             // 10 20 5: mean 35/3, squared deviations sum to 350/3, / 3.
             {R"(stddev(http{job="api"}))", 0, {{"{}", std::sqrt(350.0 / 9)}}},
             {"count(nothing)", 0, {}},
         });
}

TEST_CASE("avg handles infinities as Prometheus' incremental mean does", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         {"avg(infs)", 0, {{"{}", kInf}}},    // Inf then 1: stays Inf
                         {"avg(infs)", 60, {{"{}", kInf}}},   // 1 then Inf
                         {"avg(infs)", 120, {{"{}", kNaN}}},  // -Inf then Inf
                         {"sum(infs)", 120, {{"{}", kNaN}}},
                         // The mean does not overflow where the sum does.
                         {"avg(big)", 0, {{"{}", 1e308}}},
                         {"sum(big)", 0, {{"{}", kInf}}},
                         {"avg(big)", 60, {{"{}", 0}}},
                     });
}

TEST_CASE("quantile interpolates between ranks; NaN sorts first", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(
      f,
      {
          // 5 10 20: the median is 10; 0.9 -> rank 1.8: 10 x 0.2 + 20 x 0.8.
          {R"(quantile(0.5, http{job="api"}))", 0, {{"{}", 10}}},
          {R"(quantile(0.9, http{job="api"}))", 0, {{"{}", 10 * 0.2 + 20 * 0.8}}},
          // db: NaN sorts before 40: rank 0.5 mixes in the NaN.
          {"quantile by (job) (0.5, http)", 0, {{R"({job="api"})", 10}, {R"({job="db"})", kNaN}}},
          {R"(quantile(-1, http{job="api"}))", 0, {{"{}", -kInf}}},
          {R"(quantile(1.5, http{job="api"}))", 0, {{"{}", kInf}}},
          {R"(quantile(scalar(nothing), http{job="api"}))", 0, {{"{}", kNaN}}},
      });
}

TEST_CASE("topk and bottomk keep the original labels, in heap order", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CheckInstant(f.engine(), "topk(2, http)", 0,
               {{R"(http{code="200",instance="0",job="db"})", 40},
                {R"(http{code="200",instance="1",job="api"})", 20}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "bottomk(2, http)", 0,
               {{R"(http{code="500",instance="1",job="api"})", 5},
                {R"(http{code="200",instance="0",job="api"})", 10}},
               /*ordered=*/true);
  // Per group, groups in the order their first element came: api (10), then db.
  CheckInstant(f.engine(), "topk by (job) (1, http)", 0,
               {{R"(http{code="200",instance="1",job="api"})", 20},
                {R"(http{code="200",instance="0",job="db"})", 40}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "topk(0, http)", 0, {});
  CheckInstant(f.engine(), "topk(-1, http)", 0, {});
  CheckInstant(f.engine(), R"(topk(100, http{job="api"}))", 0,
               {{R"(http{code="200",instance="1",job="api"})", 20},
                {R"(http{code="200",instance="0",job="api"})", 10},
                {R"(http{code="500",instance="1",job="api"})", 5}},
               /*ordered=*/true);
}

TEST_CASE("topk and bottomk break ties as Go's container/heap does", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // topk(2): heap [i1], push i2 -> [i1 i2]; i3 (5) does not beat the top (5), i4 (1)
  // neither; sorted descending (stable for two) -> i1, i2.
  CheckInstant(f.engine(), "topk(2, tie)", 0, {{R"(tie{i="1"})", 5}, {R"(tie{i="2"})", 5}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "topk(1, tie)", 0, {{R"(tie{i="1"})", 5}});
  // bottomk(2): max-heap [i1], push i2 -> [i1 i2]; i3 does not beat 5; i4 (1) does: pop
  // swaps i1 to the end and drops it -> [i2], push i4 -> [i2 i4]; sorted ascending ->
  // i4, i2 (not i1).
  CheckInstant(f.engine(), "bottomk(2, tie)", 0, {{R"(tie{i="4"})", 1}, {R"(tie{i="2"})", 5}},
               /*ordered=*/true);
}

TEST_CASE("topk's k must fit an int64", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CHECK(QueryError(f.engine(), "topk(scalar(nothing), http)", 0,
                   absl::StatusCode::kFailedPrecondition) == "Scalar value NaN overflows int64");
  CHECK(QueryError(f.engine(), "topk(1e100, http)", 0, absl::StatusCode::kFailedPrecondition) ==
        "Scalar value 1e+100 overflows int64");
  // 2^63 - 1 is 2^63 as a double, just past Prometheus' limit.
  CHECK(QueryError(f.engine(), "bottomk(9223372036854775807, http)", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        "Scalar value 9.223372036854776e+18 overflows int64");
}

TEST_CASE("aggregations over a range evaluate every step", "[engine]") {
  PromqlFixture f;
  f.Load(R"(
load 1m
  x{g="a", i="1"} 1 2 _ _ _ _ _ 8
  x{g="a", i="2"} 10 20 30
  x{g="b", i="1"} 100
)");
  // g=b's only sample is seen until 300 s (lookback); i=1 of a until 360 s (the 5 minutes
  // include both ends), then again from 420 s; i=2 until 420 s.
  CheckRange(f.engine(), "sum by (g) (x)", 0, 480, 120,
             {{R"({g="a"})", {{0, 11}, {120, 32}, {240, 32}, {360, 32}, {480, 8}}},
              {R"({g="b"})", {{0, 100}, {120, 100}, {240, 100}}}});
  CheckRange(f.engine(), "topk(1, x)", 0, 240, 120,
             {{R"(x{g="b",i="1"})", {{0, 100}, {120, 100}, {240, 100}}}});
}

}  // namespace
}  // namespace vigil::query::testing
