// Arithmetic, comparisons and set operators between scalars and vectors, with
// on/ignoring and group_left/group_right matching, and the matching errors; expected
// values worked out by hand.
#include <catch2/catch.hpp>
#include <cmath>

#include "collector/query/prom_math.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

constexpr const char* kData = R"(
load 1m
  a{job="x", instance="1"} 10 11 12
  a{job="x", instance="2"} 20 _ 22
  b{job="x", instance="1"} 2 3 4
  b{job="x", instance="2"} 4 5 6
  c{job="x"} 3 3 3
  c_dup{job="x", instance="1", extra="p"} 1 1 1
  c_dup{job="x", instance="1", extra="q"} 1 1 1
  n{job="x", instance="1"} NaN 1 Inf
)";

constexpr const char* kI1 = R"({instance="1",job="x"})";
constexpr const char* kI2 = R"({instance="2",job="x"})";
constexpr const char* kA1 = R"(a{instance="1",job="x"})";
constexpr const char* kA2 = R"(a{instance="2",job="x"})";

struct Case {
  std::string expr;
  std::vector<Want> want;
};

// All at 0 s.
void RunCases(PromqlFixture& f, const std::vector<Case>& cases) {
  for (const Case& c : cases) CheckInstant(f.engine(), c.expr, 0, c.want);
}

TEST_CASE("arithmetic between vectors matches all labels but the name", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunCases(f, {
                  {"a + b", {{kI1, 12}, {kI2, 24}}},
                  {"a - b", {{kI1, 8}, {kI2, 16}}},
                  {"a * b", {{kI1, 20}, {kI2, 80}}},
                  {"a / b", {{kI1, 5}, {kI2, 5}}},
                  {"a % b", {{kI1, 0}, {kI2, 0}}},
                  {"a ^ b", {{kI1, 100}, {kI2, 160000}}},
                  {"a / 0", {{kI1, kInf}, {kI2, kInf}}},
                  // Go's math.Mod: the sign of the dividend.
                  {"-a % 3", {{kI1, -1}, {kI2, -2}}},
                  {"a % -3", {{kI1, 1}, {kI2, 2}}},
                  {"a ^ 0.5", {{kI1, std::sqrt(10.0)}, {kI2, std::sqrt(20.0)}}},
                  {"(-a) ^ 0.5", {{kI1, kNaN}, {kI2, kNaN}}},
                  {"a ^ -2", {{kI1, 0.01}, {kI2, 0.0025}}},
                  {"n + a", {{kI1, kNaN}}},
                  {"vector(1) + vector(2)", {{"{}", 3}}},
                  {"-a", {{kI1, -10}, {kI2, -20}}},
              });
}

TEST_CASE("comparisons filter and keep the left value, or give 0/1 with bool", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunCases(f,
           {
               // Without bool the name stays (the left side's element is returned).
               {"a > b", {{kA1, 10}, {kA2, 20}}},
               {"a < b", {}},
               {"a > bool b", {{kI1, 1}, {kI2, 1}}},
               {"a == bool b", {{kI1, 0}, {kI2, 0}}},
               {"a > 15", {{kA2, 20}}},
               // The scalar on the left: still the vector's value.
               {"15 < a", {{kA2, 20}}},
               {"15 > bool a", {{kI1, 1}, {kI2, 0}}},
               {"1 < bool 2", {{"scalar", 1}}},
               {"2 == bool 3", {{"scalar", 0}}},
               // NaN equals nothing, not even NaN.
               {"n == n", {}},
               {"n == bool n", {{kI1, 0}}},
               {"n != n", {{R"(n{instance="1",job="x"})", kNaN}}},
               // on() keeps only the listed labels, even for comparisons; ignoring keeps the name.
               {"a > on(instance, job) b", {{kI1, 10}, {kI2, 20}}},
               {"a > ignoring(zzz) b", {{kA1, 10}, {kA2, 20}}},
           });
}

TEST_CASE("arithmetic with scalars drops the name", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunCases(f, {
                  {"a + 1", {{kI1, 11}, {kI2, 21}}},
                  {"1 - a", {{kI1, -9}, {kI2, -19}}},
                  {"2 ^ 3", {{"scalar", 8}}},
                  {"7 % 4", {{"scalar", 3}}},
              });
  // Dropping the name makes a and b collide.
  CHECK(QueryError(f.engine(), R"({job="x", instance="1"} + 1)", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        "vector cannot contain metrics with the same labelset");
  CHECK(QueryError(f.engine(), R"(-{job="x", instance="1"})", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        "vector cannot contain metrics with the same labelset");
}

TEST_CASE("group_left and group_right match many to one and copy include labels", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunCases(f, {
                  {"a + on(job) group_left c", {{kI1, 13}, {kI2, 23}}},
                  {"a / ignoring(instance) group_left c", {{kI1, 10.0 / 3}, {kI2, 20.0 / 3}}},
                  // The include label comes from the "one" side.
                  {R"(a * on(instance) group_left(extra) c_dup{extra="p"})",
                   {{R"({extra="p",instance="1",job="x"})", 10}}},
                  // group_right: the right side is the "many"; the operands keep their places.
                  {"c * on(job) group_right a", {{kI1, 30}, {kI2, 60}}},
                  {"c - on(job) group_right a", {{kI1, -7}, {kI2, -17}}},
                  {"sum(a) by (job) + on(job) c", {{R"({job="x"})", 33}}},
              });
}

TEST_CASE("matching errors are Prometheus' execution errors", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // Two a's match the one c: needs group_left.
  CHECK(QueryError(f.engine(), "a + on(job) c", 0, absl::StatusCode::kFailedPrecondition) ==
        "multiple matches for labels: many-to-one matching must be explicit "
        "(group_left/group_right)");
  CHECK(QueryError(f.engine(), "a + ignoring(instance) c", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        "multiple matches for labels: many-to-one matching must be explicit "
        "(group_left/group_right)");
  // The "one" side is not unique.
  CHECK(QueryError(f.engine(), "a + on(job) group_left(extra) c_dup", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        R"(found duplicate series for the match group {job="x"} on the right hand-side of )"
        R"(the operation: [{__name__="c_dup", extra="q", instance="1", job="x"}, )"
        R"({__name__="c_dup", extra="p", instance="1", job="x"}];many-to-many matching not )"
        "allowed: matching labels must be unique on one side");
  CHECK(QueryError(f.engine(), "c_dup * on(job) group_right a", 0,
                   absl::StatusCode::kFailedPrecondition)
            .find("on the left hand-side of the operation") != std::string::npos);
  // group_left whose results collide: a and b of instance 1 both match c_dup{extra="p"}
  // and, without their names, give the same labels.
  CHECK(QueryError(f.engine(),
                   R"({__name__=~"a|b", instance="1"} * on(instance) group_left c_dup{extra="p"})",
                   0, absl::StatusCode::kFailedPrecondition) ==
        "multiple matches for labels: grouping labels must ensure unique matches");
}

TEST_CASE("and, or and unless work on label sets", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunCases(f, {
                  {"a and b", {{kA1, 10}, {kA2, 20}}},
                  {R"(a and on(instance) b{instance="1"})", {{kA1, 10}}},
                  {"a and nothing", {}},
                  {"a or c", {{kA1, 10}, {kA2, 20}, {R"(c{job="x"})", 3}}},
                  // c's signature on(job) is the a's: left out.
                  {"a or on(job) c", {{kA1, 10}, {kA2, 20}}},
                  {"nothing or a", {{kA1, 10}, {kA2, 20}}},
                  {R"(a unless b{instance="2"})", {{kA1, 10}}},
                  {"a unless on(job) c", {}},
                  {"a unless nothing", {{kA1, 10}, {kA2, 20}}},
              });
}

TEST_CASE("binary operations over a range evaluate step by step", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // a{instance=2} has no sample at 60 s: the lookback finds 20 from 0 s.
  CheckRange(f.engine(), "a + b", 0, 120, 60,
             {{kI1, {{0, 12}, {60, 14}, {120, 16}}}, {kI2, {{0, 24}, {60, 25}, {120, 28}}}});
  CheckRange(f.engine(), "a > bool 15", 0, 120, 60,
             {{kI1, {{0, 0}, {60, 0}, {120, 0}}}, {kI2, {{0, 1}, {60, 1}, {120, 1}}}});
  CheckRange(f.engine(), "a + on(job) group_left c", 0, 120, 60,
             {{kI1, {{0, 13}, {60, 14}, {120, 15}}}, {kI2, {{0, 23}, {60, 23}, {120, 25}}}});
}

}  // namespace
}  // namespace vigil::query::testing
