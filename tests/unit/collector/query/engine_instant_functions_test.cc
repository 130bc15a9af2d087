// Functions of instant vectors and scalars, expected values worked out by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "collector/query/functions.h"
#include "collector/query/parser.h"
#include "collector/query/prom_math.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

// At 0 s: -1.5, 4, NaN; at 60 s: 2.5, 9, 0; at 120 s: -0.5, 16, 100.
constexpr const char* kData = R"(
load 1m
  v{job="a", instance="1"} -1.5 2.5 -0.5
  v{job="a", instance="2"} 4 9 16
  v{job="b", instance="1"} NaN 0 100
)";

constexpr const char* kA1 = R"({instance="1",job="a"})";
constexpr const char* kA2 = R"({instance="2",job="a"})";
constexpr const char* kB1 = R"({instance="1",job="b"})";

// Parses `call`, replaces its string argument `arg` by `value` (what the parser would
// refuse) and evaluates the tree: the execution error's message.
std::string RunEdited(PromqlFixture& f, const std::string& call, size_t arg,
                      const std::string& value) {
  absl::StatusOr<ExprPtr> expr = ParseExpr(call);
  REQUIRE(expr.ok());
  std::get<StringLiteral>(std::get<Call>((*expr)->node).args[arg]->node).value = value;
  return ErrorOf(f.engine().InstantExpr(**expr, 0), absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("math functions apply to each element and drop the name", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f,
                  {
                      {"abs(v)", 120, {{kA1, 0.5}, {kA2, 16}, {kB1, 100}}},
                      {"ceil(v)", 0, {{kA1, -1}, {kA2, 4}, {kB1, kNaN}}},
                      {"floor(v)", 0, {{kA1, -2}, {kA2, 4}, {kB1, kNaN}}},
                      {"sqrt(v)", 120, {{kA1, kNaN}, {kA2, 4}, {kB1, 10}}},
                      {R"(exp(v{instance="2"}))", 0, {{kA2, std::exp(4.0)}}},
                      {"ln(v)", 120, {{kA1, kNaN}, {kA2, std::log(16.0)}, {kB1, std::log(100.0)}}},
                      {"log2(v)", 120, {{kA1, kNaN}, {kA2, 4}, {kB1, std::log2(100.0)}}},
                      {"log10(v)", 120, {{kA1, kNaN}, {kA2, std::log10(16.0)}, {kB1, 2}}},
                      {"ln(v)", 60, {{kA1, std::log(2.5)}, {kA2, std::log(9.0)}, {kB1, -kInf}}},
                  });
}

TEST_CASE("round rounds half up, to a multiple of to_nearest", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         // -1.5 -> floor(-1.5 + 0.5) = -1; 2.5 -> 3.
                         {"round(v)", 0, {{kA1, -1}, {kA2, 4}, {kB1, kNaN}}},
                         {"round(v)", 60, {{kA1, 3}, {kA2, 9}, {kB1, 0}}},
                         // To fives: 2.5 -> 5, 9 -> 10, 0 -> 0.
                         {"round(v, 5)", 60, {{kA1, 5}, {kA2, 10}, {kB1, 0}}},
                         {"round(v, 0.1)", 120, {{kA1, -0.5}, {kA2, 16}, {kB1, 100}}},
                     });
}

TEST_CASE("clamp, clamp_min and clamp_max bound each element", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         {"clamp(v, 0, 10)", 120, {{kA1, 0}, {kA2, 10}, {kB1, 10}}},
                         // NaN stays NaN (Go's math.Max/Min).
                         {"clamp_min(v, 3)", 0, {{kA1, 3}, {kA2, 4}, {kB1, kNaN}}},
                         {"clamp_max(v, 3)", 0, {{kA1, -1.5}, {kA2, 3}, {kB1, kNaN}}},
                         // min above max: nothing.
                         {"clamp(v, 5, 1)", 0, {}},
                     });
}

TEST_CASE("time, timestamp, vector and scalar", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         {"time()", 90, {{"scalar", 90}}},
                         // The samples' own times (60 s), not the evaluation time.
                         {"timestamp(v)", 90, {{kA1, 60}, {kA2, 60}, {kB1, 60}}},
                         {R"(timestamp(v{instance="2"} offset 1m))", 90, {{kA2, 0}}},
                         // Of anything but a selector: the evaluation time.
                         {R"(timestamp(abs(v{instance="2"})))", 90, {{kA2, 90}}},
                         {"vector(3)", 0, {{"{}", 3}}},
                         {"vector(time())", 42, {{"{}", 42}}},
                         {R"(scalar(v{instance="2"}))", 60, {{"scalar", 9}}},
                         // Not exactly one element: NaN.
                         {"scalar(v)", 60, {{"scalar", kNaN}}},
                         {"scalar(nothing)", 60, {{"scalar", kNaN}}},
                     });
}

TEST_CASE("absent is 1 with the equality matchers' labels when nothing matches", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f,
                  {
                      {"absent(nothing)", 60, {{"{}", 1}}},
                      {R"(absent(nothing{job="x", instance=~"1|2"}))", 60, {{R"({job="x"})", 1}}},
                      // A label given twice is left out.
                      {R"(absent(nothing{job="x", job="y"}))", 60, {{"{}", 1}}},
                      {R"(absent((nothing{job="x"})))", 60, {{R"({job="x"})", 1}}},
                      {"absent(sum(nothing))", 60, {{"{}", 1}}},
                      {"absent(v)", 60, {}},
                      // After the lookback the series are gone.
                      {R"(absent(v{job="a"}))", 421, {{R"({job="a"})", 1}}},
                  });
}

TEST_CASE("sort and sort_desc order an instant vector, NaN last", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  CheckInstant(f.engine(), "sort(v)", 60,
               {{R"(v{instance="1",job="b"})", 0},
                {R"(v{instance="1",job="a"})", 2.5},
                {R"(v{instance="2",job="a"})", 9}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "sort_desc(v)", 60,
               {{R"(v{instance="2",job="a"})", 9},
                {R"(v{instance="1",job="a"})", 2.5},
                {R"(v{instance="1",job="b"})", 0}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "sort(v)", 0,
               {{R"(v{instance="1",job="a"})", -1.5},
                {R"(v{instance="2",job="a"})", 4},
                {R"(v{instance="1",job="b"})", kNaN}},
               /*ordered=*/true);
  CheckInstant(f.engine(), "sort_desc(v)", 0,
               {{R"(v{instance="2",job="a"})", 4},
                {R"(v{instance="1",job="a"})", -1.5},
                {R"(v{instance="1",job="b"})", kNaN}},
               /*ordered=*/true);
}

TEST_CASE("sort orders equal values as Go's sort.Sort does", "[engine]") {
  PromqlFixture f;
  // 13 elements: more than Go's insertion-sort cut-off (12), so pdqsort's partitioning
  // decides where equal values land. The order below is what Prometheus 2.42 (Debian's
  // build) returned for the same series.
  std::string load = "load 1m\n";
  const int values[] = {3, 1, 3, 2, 1, 3, 2, 2, 1, 3, 1, 2, 3};
  for (int i = 0; i < 13; ++i) {
    load += "  s{i=\"" + std::string(1, static_cast<char>('a' + i)) + "\"} " +
            std::to_string(values[i]) + "\n";
  }
  f.Load(load);
  absl::StatusOr<QueryResult> r = f.engine().Instant("sort(s)", 0);
  REQUIRE(r.ok());
  std::string order;
  for (const Series& s : r->series) order += std::string(s.labels.Get("i"));
  // Values ascending; within equal values the order pdqsort leaves them in.
  std::vector<double> sorted;
  for (const Series& s : r->series) sorted.push_back(s.points[0].v);
  CHECK(std::is_sorted(sorted.begin(), sorted.end()));
  CHECK(order == "ebkighdlfajcm");
}

TEST_CASE("date functions read UTC fields of a Unix time", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         // 18420 s = 05:07:00 on 1970-01-01, a Thursday.
                         {"hour(vector(18420))", 0, {{"{}", 5}}},
                         {"minute(vector(18420))", 0, {{"{}", 7}}},
                         {"day_of_week(vector(18420))", 0, {{"{}", 4}}},
                         {"day_of_month(vector(18420))", 0, {{"{}", 1}}},
                         {"month(vector(18420))", 0, {{"{}", 1}}},
                         {"year(vector(18420))", 0, {{"{}", 1970}}},
                         // 2024-02-29T23:59:59Z = 1709251199.
                         {"day_of_month(vector(1709251199))", 0, {{"{}", 29}}},
                         {"month(vector(1709251199))", 0, {{"{}", 2}}},
                         {"day_of_week(vector(1709251199))", 0, {{"{}", 4}}},
                         // Without an argument: the evaluation time (3 h 5 s).
                         {"hour()", 10805, {{"{}", 3}}},
                         // Of a vector: its values, the name dropped.
                         {R"(month(v{instance="2"}))", 0, {{kA2, 1}}},
                     });
}

TEST_CASE("label_replace rewrites labels with Go's regexp expansion", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(
      f, {
             {R"q(label_replace(v{job="a"}, "dst", "$1-x", "instance", "(.*)"))q",
              0,
              {{R"(v{dst="1-x",instance="1",job="a"})", -1.5},
               {R"(v{dst="2-x",instance="2",job="a"})", 4}}},
             // The regex is anchored: "1" does not match "12"; no match leaves the labels.
             {R"q(label_replace(v{job="a"}, "dst", "x", "instance", "2|"))q",
              0,
              {{R"(v{instance="1",job="a"})", -1.5}, {R"(v{dst="x",instance="2",job="a"})", 4}}},
             // An empty result removes the label.
             {R"q(label_replace(v{job="a"}, "job", "", "instance", ".*"))q",
              0,
              {{R"(v{instance="1"})", -1.5}, {R"(v{instance="2"})", 4}}},
             // Named groups; `$1x` names a group "1x", which does not exist; `$$` is a dollar.
             {R"q(label_replace(v{job="b"}, "x", "${name}y", "job", "(?P<name>.)"))q",
              60,
              {{R"(v{instance="1",job="b",x="by"})", 0}}},
             {R"q(label_replace(v{job="b"}, "x", "$1x", "job", "(.)"))q",
              60,
              {{R"(v{instance="1",job="b"})", 0}}},
             {R"q(label_replace(v{job="b"}, "x", "$$1", "job", "(.)"))q",
              60,
              {{R"(v{instance="1",job="b",x="$1"})", 0}}},
             // A missing source label is the empty string.
             {R"q(label_replace(v{job="b"}, "x", "empty", "nope", ""))q",
              60,
              {{R"(v{instance="1",job="b",x="empty"})", 0}}},
         });
  // Two series that end up with the same labels at one step.
  CHECK(QueryError(f.engine(), R"q(label_replace(v, "job", "", "job", ".*"))q", 0,
                   absl::StatusCode::kFailedPrecondition) ==
        "vector cannot contain metrics with the same labelset");
  // The parser refuses invalid names and regexes; a tree built otherwise (InstantExpr)
  // meets the same checks at run time.
  CHECK(RunEdited(f, R"q(label_replace(v, "dst", "a", "job", ".*"))q", 1, "1x") ==
        "invalid destination label name in label_replace(): 1x");
  CHECK(RunEdited(f, R"q(label_replace(v, "dst", "a", "job", ".*"))q", 4, "(") ==
        "invalid regular expression in label_replace(): (");
}

TEST_CASE("label_join joins source labels with a separator", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  RunInstantCases(f, {
                         {R"q(label_join(v{job="a"}, "new", "-", "job", "instance"))q",
                          0,
                          {{R"(v{instance="1",job="a",new="a-1"})", -1.5},
                           {R"(v{instance="2",job="a",new="a-2"})", 4}}},
                         {R"q(label_join(v{job="a"}, "new", "", "instance"))q",
                          0,
                          {{R"(v{instance="1",job="a",new="1"})", -1.5},
                           {R"(v{instance="2",job="a",new="2"})", 4}}},
                         // Empty: the destination is removed.
                         {R"q(label_join(v{job="a"}, "job", ",", "nope"))q",
                          0,
                          {{R"(v{instance="1"})", -1.5}, {R"(v{instance="2"})", 4}}},
                     });
  CHECK(RunEdited(f, R"q(label_join(v, "x", "-", "job"))q", 3, "1y") ==
        "invalid source label name in label_join(): 1y");
  CHECK(RunEdited(f, R"q(label_join(v, "x", "-", "job"))q", 1, "") ==
        "invalid destination label name in label_join(): ");
}

TEST_CASE("every function the parser accepts evaluates", "[engine]") {
  PromqlFixture f;
  f.Load(kData);
  // An example call of each function; the list must cover functions.h's table.
  const std::map<std::string, std::string> examples = {
      {"abs", "abs(v)"},
      {"absent", "absent(v)"},
      {"absent_over_time", "absent_over_time(v[5m])"},
      {"avg_over_time", "avg_over_time(v[5m])"},
      {"ceil", "ceil(v)"},
      {"changes", "changes(v[5m])"},
      {"clamp", "clamp(v, 0, 1)"},
      {"clamp_max", "clamp_max(v, 1)"},
      {"clamp_min", "clamp_min(v, 1)"},
      {"count_over_time", "count_over_time(v[5m])"},
      {"day_of_month", "day_of_month(v)"},
      {"day_of_week", "day_of_week()"},
      {"delta", "delta(v[5m])"},
      {"deriv", "deriv(v[5m])"},
      {"exp", "exp(v)"},
      {"floor", "floor(v)"},
      {"hour", "hour(v)"},
      {"idelta", "idelta(v[5m])"},
      {"increase", "increase(v[5m])"},
      {"irate", "irate(v[5m])"},
      {"label_join", R"(label_join(v, "x", "-", "job", "instance"))"},
      {"label_replace", R"q(label_replace(v, "x", "$1", "job", "(.*)"))q"},
      {"last_over_time", "last_over_time(v[5m])"},
      {"ln", "ln(v)"},
      {"log10", "log10(v)"},
      {"log2", "log2(v)"},
      {"max_over_time", "max_over_time(v[5m])"},
      {"min_over_time", "min_over_time(v[5m])"},
      {"minute", "minute(v)"},
      {"month", "month(v)"},
      {"predict_linear", "predict_linear(v[5m], 60)"},
      {"quantile_over_time", "quantile_over_time(0.5, v[5m])"},
      {"rate", "rate(v[5m])"},
      {"resets", "resets(v[5m])"},
      {"round", "round(v)"},
      {"scalar", "scalar(v)"},
      {"sort", "sort(v)"},
      {"sort_desc", "sort_desc(v)"},
      {"sqrt", "sqrt(v)"},
      {"stddev_over_time", "stddev_over_time(v[5m])"},
      {"stdvar_over_time", "stdvar_over_time(v[5m])"},
      {"sum_over_time", "sum_over_time(v[5m])"},
      {"time", "time()"},
      {"timestamp", "timestamp(v)"},
      {"vector", "vector(1)"},
      {"year", "year(v)"},
  };
  for (const FunctionSignature& fn : AllFunctions()) {
    INFO(fn.name);
    auto it = examples.find(std::string(fn.name));
    REQUIRE(it != examples.end());
    absl::StatusOr<QueryResult> r = f.engine().Instant(it->second, 120'000);
    CHECK(r.ok());
    absl::StatusOr<QueryResult> range = f.engine().Range(it->second, 0, 120'000, 60'000);
    CHECK(range.ok());
  }
}

}  // namespace
}  // namespace vigil::query::testing
