#include "collector/query/parser.h"

#include <pthread.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/query/ast.h"
#include "collector/query/functions.h"

namespace vigil::query {
namespace {

ExprPtr MustParse(const std::string& text) {
  INFO(text);
  absl::StatusOr<ExprPtr> expr = ParseExpr(text);
  if (!expr.ok()) FAIL(expr.status().message());
  return std::move(*expr);
}

std::string ParseError(const std::string& text) {
  INFO(text);
  absl::StatusOr<ExprPtr> expr = ParseExpr(text);
  REQUIRE_FALSE(expr.ok());
  CHECK(expr.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(expr.status().message());
}

// The tree with every operation parenthesized, to see how operators grouped.
std::string Shape(const Expr& expr) {
  if (const Binary* b = std::get_if<Binary>(&expr.node)) {
    return absl::StrCat("(", Shape(*b->lhs), " ", BinaryOpName(b->op), " ", Shape(*b->rhs), ")");
  }
  if (const Negation* n = std::get_if<Negation>(&expr.node)) {
    return absl::StrCat("(-", Shape(*n->expr), ")");
  }
  if (const Paren* p = std::get_if<Paren>(&expr.node)) return Shape(*p->expr);
  return ToString(expr);
}

TEST_CASE("ParseExpr prints back what it parsed") {
  struct Case {
    std::string text;
    std::string printed;
  };
  const std::vector<Case> cases = {
      // Numbers and strings.
      {"1", "1"},
      {"1.5", "1.5"},
      {".5", "0.5"},
      {"1e3", "1000"},
      {"1E-3", "0.001"},
      {"0x1f", "31"},
      {"017", "15"},  // octal, as Prometheus reads it
      {"08", "8"},
      {"Inf", "Inf"},
      {"-inf", "-Inf"},
      {"NaN", "NaN"},
      {"1e100", "1e+100"},
      {"-1", "-1"},
      {"+1", "1"},
      {"\"a\\nb\"", "\"a\\nb\""},
      {"'x\"y'", "\"x\\\"y\""},
      {"`a\\d`", "\"a\\\\d\""},
      // Selectors.
      {"up", "up"},
      {"job:rate5m:sum", "job:rate5m:sum"},
      {":x", ":x"},
      {"up{}", "up"},
      {"up{job=\"db\"}", "up{job=\"db\"}"},
      {"up{job='db',mode=~\"idle|iowait\",}", "up{job=\"db\",mode=~\"idle|iowait\"}"},
      {"up{job!=\"db\",mode!~`x.*`}", "up{job!=\"db\",mode!~\"x.*\"}"},
      {"{__name__=\"up\"}", "{__name__=\"up\"}"},
      {"{__name__=~\"node_.*\",__name__!=\"node_x\"}",
       "{__name__=~\"node_.*\",__name__!=\"node_x\"}"},
      {"up{by=\"x\",offset=\"y\",sum=\"z\"}", "up{by=\"x\",offset=\"y\",sum=\"z\"}"},
      {"up offset 5m", "up offset 5m"},
      {"up offset -1h30m", "up offset -1h30m"},
      {"up OFFSET 90s", "up offset 1m30s"},
      {"up[5m]", "up[5m]"},
      {"up[90s]", "up[1m30s]"},
      {"up[7d]", "up[1w]"},
      {"up[5m] offset 1h", "up[5m] offset 1h"},
      {"up{job=\"db\"}[1h] offset -5m", "up{job=\"db\"}[1h] offset -5m"},
      // Keywords name metrics where an expression starts, as in Prometheus.
      {"sum", "sum"},
      {"by + offset", "by + offset"},
      {"sum{job=\"x\"}", "sum{job=\"x\"}"},
      // Calls.
      {"rate(up[5m])", "rate(up[5m])"},
      {"time()", "time()"},
      {"hour()", "hour()"},
      {"hour(up)", "hour(up)"},
      {"round(up)", "round(up)"},
      {"round(up, 0.5)", "round(up, 0.5)"},
      {"clamp(up, 0, 1,)", "clamp(up, 0, 1)"},
      {"quantile_over_time(0.9, up[1h])", "quantile_over_time(0.9, up[1h])"},
      {"label_join(up, \"dst\", \",\", \"a\", \"b\", \"c\")",
       "label_join(up, \"dst\", \",\", \"a\", \"b\", \"c\")"},
      {"label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
       "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")"},
      {"vector(1)", "vector(1)"},
      {"scalar(sum(up))", "scalar(sum(up))"},
      // Aggregations.
      {"sum(up)", "sum(up)"},
      {"SUM(up)", "sum(up)"},
      {"sum by (job) (up)", "sum by (job) (up)"},
      {"sum(up) by (job)", "sum by (job) (up)"},
      {"sum BY (job, instance,) (up)", "sum by (job, instance) (up)"},
      {"sum without (cpu, mode) (up)", "sum without (cpu, mode) (up)"},
      {"count by () (up)", "count(up)"},
      {"sum by (on, offset, bool) (up)", "sum by (on, offset, bool) (up)"},
      {"topk(3, up)", "topk(3, up)"},
      {"bottomk by (job) (3, up)", "bottomk by (job) (3, up)"},
      {"quantile without (cpu) (0.9, up)", "quantile without (cpu) (0.9, up)"},
      {"stddev(up)", "stddev(up)"},
      {"avg(rate(up[5m])) by (job)", "avg by (job) (rate(up[5m]))"},
      {"min(up)", "min(up)"},
      {"max(up)", "max(up)"},
      // Operators and matching.
      {"a + b * c", "a + b * c"},
      {"(a + b) * c", "(a + b) * c"},
      {"a > bool b", "a > bool b"},
      {"1 > bool 2", "1 > bool 2"},
      {"a + on (job) b", "a + on (job) b"},
      {"a + on() b", "a + on () b"},
      {"a + ignoring (job, instance) b", "a + ignoring (job, instance) b"},
      {"a * on (job) group_left (instance, zone) b", "a * on (job) group_left (instance, zone) b"},
      {"a * ignoring (x) group_right b", "a * ignoring (x) group_right b"},
      {"a * ignoring () group_left b", "a * ignoring () group_left b"},
      {"a == bool on (x) b", "a == bool on (x) b"},
      {"a and b", "a and b"},
      {"a AND b OR c UNLESS d", "a and b or c unless d"},
      {"a and on (x) b", "a and on (x) b"},
      {"a or ignoring (x) b", "a or ignoring (x) b"},
      {"-up", "-up"},
      {"-(up)", "-(up)"},
      {"- - up", "--up"},
      {"a - -1", "a - -1"},
      {"2 ^ -1", "2 ^ -1"},
      {"-2 ^ 2", "-2 ^ 2"},
      {"a != b", "a != b"},
      {"a >= b <= c < d == e", "a >= b <= c < d == e"},
      {"a % b / c", "a % b / c"},
      // Comments and white space.
      {"up # the targets\n + 1", "up + 1"},
      {"\tsum by (job)\n(\n  up\n)\n", "sum by (job) (up)"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const ExprPtr expr = MustParse(c.text);
    CHECK(ToString(*expr) == c.printed);
    // What is printed parses to the same tree.
    CHECK(ToString(*MustParse(ToString(*expr))) == c.printed);
  }
}

TEST_CASE("ParseExpr groups operators by Prometheus' precedence and associativity") {
  struct Case {
    std::string text;
    std::string shape;
  };
  const std::vector<Case> cases = {
      {"1 + 2 * 3", "(1 + (2 * 3))"},
      {"1 * 2 + 3", "((1 * 2) + 3)"},
      {"1 - 2 - 3", "((1 - 2) - 3)"},
      {"1 / 2 * 3 % 4", "(((1 / 2) * 3) % 4)"},
      {"2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"},
      {"2 * 3 ^ 2", "(2 * (3 ^ 2))"},
      {"-2 ^ 2", "(-(2 ^ 2))"},
      {"-2 * 3", "(-2 * 3)"},
      {"-a * b", "((-a) * b)"},
      {"-a ^ b", "(-(a ^ b))"},
      {"2 ^ -a", "(2 ^ (-a))"},
      {"2 * -3 ^ 2", "(2 * (-(3 ^ 2)))"},
      {"a - -b", "(a - (-b))"},
      {"- - a", "(-(-a))"},
      {"+a", "a"},
      {"(1 + 2) * 3", "((1 + 2) * 3)"},
      {"a > b + 1", "(a > (b + 1))"},
      {"a + 1 > bool b * 2", "((a + 1) > (b * 2))"},
      {"a == b != c", "((a == b) != c)"},
      {"a and b or c", "((a and b) or c)"},
      {"a or b and c", "(a or (b and c))"},
      {"a unless b and c", "((a unless b) and c)"},
      {"a or b unless c", "(a or (b unless c))"},
      {"a == b and c", "((a == b) and c)"},
      {"a and b == c", "(a and (b == c))"},
      {"a > b or c < d", "((a > b) or (c < d))"},
      {"sum(a) + sum(b) * 2", "(sum(a) + (sum(b) * 2))"},
      {"a offset 5m + b", "(a offset 5m + b)"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(Shape(*MustParse(c.text)) == c.shape);
  }
}

TEST_CASE("ParseExpr gives every node its type") {
  struct Case {
    std::string text;
    ValueType type;
  };
  const std::vector<Case> cases = {
      {"1", ValueType::kScalar},
      {"-1", ValueType::kScalar},
      {"\"a\"", ValueType::kString},
      {"(\"a\")", ValueType::kString},
      {"up", ValueType::kInstantVector},
      {"-up", ValueType::kInstantVector},
      {"up[5m]", ValueType::kRangeVector},
      {"(up[5m])", ValueType::kRangeVector},
      {"1 + 1", ValueType::kScalar},
      {"1 > bool 1", ValueType::kScalar},
      {"up + 1", ValueType::kInstantVector},
      {"1 - up", ValueType::kInstantVector},
      {"up > 1", ValueType::kInstantVector},
      {"scalar(up)", ValueType::kScalar},
      {"time()", ValueType::kScalar},
      {"time() - 5", ValueType::kScalar},
      {"vector(1)", ValueType::kInstantVector},
      {"rate(up[5m])", ValueType::kInstantVector},
      {"sum(up)", ValueType::kInstantVector},
      {"topk(2, up)", ValueType::kInstantVector},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(MustParse(c.text)->type == c.type);
  }
}

TEST_CASE("ParseExpr fills the node fields the engine reads") {
  SECTION("selector matchers, with the name first, and offsets") {
    const ExprPtr expr = MustParse("up{job=\"db\",mode=~\"a|b\"}[5m] offset -1h");
    const auto* m = std::get_if<MatrixSelector>(&expr->node);
    REQUIRE(m != nullptr);
    CHECK(m->range_ms == 300'000);
    CHECK(m->selector.offset_ms == -3'600'000);
    CHECK(m->selector.name == "up");
    REQUIRE(m->selector.matchers.size() == 3);
    CHECK(m->selector.matchers[0].ToString() == "__name__=\"up\"");
    CHECK(m->selector.matchers[1].ToString() == "job=\"db\"");
    CHECK(m->selector.matchers[2].type() == storage::LabelMatcher::Type::kRegex);
    CHECK(m->selector.matchers[2].Matches("b"));
    CHECK_FALSE(m->selector.matchers[2].Matches("ab"));
  }
  SECTION("aggregation parameter, expression and grouping") {
    const ExprPtr expr = MustParse("quantile without (cpu, mode) (0.9, up)");
    const auto* a = std::get_if<AggregateExpr>(&expr->node);
    REQUIRE(a != nullptr);
    CHECK(a->op == AggregationOp::kQuantile);
    REQUIRE(a->param != nullptr);
    CHECK(std::get<NumberLiteral>(a->param->node).value == 0.9);
    CHECK(ToString(*a->expr) == "up");
    CHECK(a->without);
    CHECK(a->grouping == std::vector<std::string>{"cpu", "mode"});
    const ExprPtr sum = MustParse("sum(up)");
    CHECK(std::get<AggregateExpr>(sum->node).param == nullptr);
    CHECK_FALSE(std::get<AggregateExpr>(sum->node).without);
  }
  SECTION("vector matching") {
    using Cardinality = VectorMatching::Cardinality;
    struct Case {
      std::string text;
      Cardinality cardinality;
      bool on;
      std::vector<std::string> labels;
      std::vector<std::string> include;
      bool return_bool;
    };
    const std::vector<Case> cases = {
        {"a + b", Cardinality::kOneToOne, false, {}, {}, false},
        {"a + on (x, y) b", Cardinality::kOneToOne, true, {"x", "y"}, {}, false},
        {"a + ignoring (x) b", Cardinality::kOneToOne, false, {"x"}, {}, false},
        {"a * on (x) group_left (z) b", Cardinality::kManyToOne, true, {"x"}, {"z"}, false},
        {"a * on (x) group_right b", Cardinality::kOneToMany, true, {"x"}, {}, false},
        {"a and b", Cardinality::kManyToMany, false, {}, {}, false},
        {"a unless on (x) b", Cardinality::kManyToMany, true, {"x"}, {}, false},
        {"a or b", Cardinality::kManyToMany, false, {}, {}, false},
        {"a > bool ignoring (x) b", Cardinality::kOneToOne, false, {"x"}, {}, true},
    };
    for (const Case& c : cases) {
      INFO(c.text);
      const ExprPtr expr = MustParse(c.text);
      const auto& b = std::get<Binary>(expr->node);
      CHECK(b.matching.cardinality == c.cardinality);
      CHECK(b.matching.on == c.on);
      CHECK(b.matching.labels == c.labels);
      CHECK(b.matching.include == c.include);
      CHECK(b.return_bool == c.return_bool);
    }
  }
  SECTION("number literals") {
    CHECK(std::get<NumberLiteral>(MustParse("0x1F")->node).value == 31);
    CHECK(std::get<NumberLiteral>(MustParse("-Inf")->node).value == -INFINITY);
    CHECK(std::isnan(std::get<NumberLiteral>(MustParse("nan")->node).value));
    CHECK(std::get<NumberLiteral>(MustParse("1e-400")->node).value == 0);
  }
}

TEST_CASE("Every node gets the byte offset of its first character") {
  const ExprPtr expr = MustParse("  sum by (job) (rate(up[5m]))\n  / -(x offset 1m) > bool 2");
  const auto& cmp = std::get<Binary>(expr->node);
  CHECK(expr->position == 2);
  const auto& div = std::get<Binary>(cmp.lhs->node);
  CHECK(cmp.lhs->position == 2);
  CHECK(cmp.rhs->position == 56);
  const auto& sum = std::get<AggregateExpr>(div.lhs->node);
  CHECK(div.lhs->position == 2);
  CHECK(sum.expr->position == 16);
  CHECK(std::get<Call>(sum.expr->node).args[0]->position == 21);
  CHECK(div.rhs->position == 34);
  const auto& paren = std::get<Paren>(std::get<Negation>(div.rhs->node).expr->node);
  CHECK(std::get<Negation>(div.rhs->node).expr->position == 35);
  CHECK(paren.expr->position == 36);
  CHECK(MustParse("-1")->position == 0);
  CHECK(MustParse(" +up")->position == 1);
}

TEST_CASE("ParseExpr rejects what does not type-check, with Prometheus' messages") {
  struct Case {
    std::string text;
    int column;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"rate(up)", 6,
       "expected type range vector in call to function \"rate\", got instant vector"},
      {"abs(up[5m])", 5,
       "expected type instant vector in call to function \"abs\", got range vector"},
      {"clamp_min(up, up)", 15,
       "expected type scalar in call to function \"clamp_min\", got instant vector"},
      {"label_replace(up, 1, \"\", \"a\", \"b\")", 19,
       "expected type string in call to function \"label_replace\", got scalar"},
      {"label_join(up, \"a\", \",\", \"b\", 1)", 31,
       "expected type string in call to function \"label_join\", got scalar"},
      {"quantile_over_time(up[5m], 0.5)", 20,
       "expected type scalar in call to function \"quantile_over_time\", got range vector"},
      {"rate()", 1, "expected 1 argument(s) in call to \"rate\", got 0"},
      {"time(up)", 1, "expected 0 argument(s) in call to \"time\", got 1"},
      {"round(up, 1, 2)", 1, "expected at most 2 argument(s) in call to \"round\", got 3"},
      {"round()", 1, "expected at least 1 argument(s) in call to \"round\", got 0"},
      {"label_join(up, \"a\")", 1,
       "expected at least 3 argument(s) in call to \"label_join\", got 2"},
      {"label_replace(up, \"1a\", \"\", \"b\", \"x\")", 19,
       "invalid destination label name \"1a\" in label_replace()"},
      {"label_replace(up, \"a\", \"\", \"b\", \"(\")", 33,
       "invalid regular expression \"(\" in label_replace()"},
      {"label_join(up, \"a\", \",\", \"b\", \"c-d\")", 31,
       "invalid source label name \"c-d\" in label_join()"},
      {"sum(up[5m])", 5,
       "expected type instant vector in aggregation expression, got range vector"},
      {"sum(1)", 5, "expected type instant vector in aggregation expression, got scalar"},
      {"topk(up, up)", 6, "expected type scalar in aggregation parameter, got instant vector"},
      {"topk(up)", 1,
       "wrong number of arguments for aggregate expression \"topk\": expected 2, got 1"},
      {"sum(1, up)", 1,
       "wrong number of arguments for aggregate expression \"sum\": expected 1, got 2"},
      {"sum()", 1, "wrong number of arguments for aggregate expression \"sum\": expected 1, got 0"},
      {"up[5m] + 1", 1,
       "binary expression must contain only scalar and instant vector types, got range vector on "
       "the left of \"+\""},
      {"1 * \"a\"", 5,
       "binary expression must contain only scalar and instant vector types, got string on the "
       "right of \"*\""},
      {"1 > 2", 3, "comparisons between scalars must use BOOL modifier"},
      {"1 == (2)", 3, "comparisons between scalars must use BOOL modifier"},
      {"up + bool 1", 4, "bool modifier can only be used on comparison operators"},
      {"1 and up", 3, "set operator \"and\" not allowed in binary scalar expression"},
      {"up or 1", 4, "set operator \"or\" not allowed in binary scalar expression"},
      {"up + on(job) 1", 4, "vector matching only allowed between instant vectors"},
      {"1 + ignoring(job) group_left up", 3,
       "vector matching only allowed between instant vectors"},
      {"a and on(x) group_left b", 3, "no grouping allowed for \"and\" operation"},
      {"a * on(x) group_left(x) b", 3, "label \"x\" must not occur in ON and GROUP clause at once"},
      {"-up[5m]", 1,
       "unary expression only allowed on expressions of type scalar or instant vector, got range "
       "vector"},
      {"-\"a\"", 1, "unary expression only allowed"},
      {"{a=\"\"}", 1, "vector selector must contain at least one non-empty matcher"},
      {"{a=~\".*\",b!=\"x\"}", 1, "vector selector must contain at least one non-empty matcher"},
      {"1 + {a!~\"x\"}", 5, "vector selector must contain at least one non-empty matcher"},
      {"up{__name__=\"x\"}", 1, "metric name must not be set twice"},
      {"(up)[5m]", 5, "ranges only allowed for vector selectors"},
      {"sum(up)[5m]", 8, "ranges only allowed for vector selectors"},
      {"up[5m][5m]", 7, "ranges only allowed for vector selectors"},
      {"up offset 5m [5m]", 14, "no offset modifiers allowed before range"},
      {"up offset 5m offset 1m", 14, "offset may not be set multiple times"},
      {"up[5m] offset 5m offset 1m", 18, "offset may not be set multiple times"},
      {"sum(up) offset 5m", 9,
       "offset modifier must be preceded by an instant vector selector or range vector selector"},
      {"up[0s]", 4, "the range must be greater than 0"},
  };
  for (const Case& c : cases) {
    const std::string message = ParseError(c.text);
    INFO(message);
    CHECK_THAT(message, Catch::StartsWith(absl::StrCat("parse error at line 1, column ", c.column,
                                                       ": ", c.message)));
  }
}

TEST_CASE("ParseExpr says which Prometheus features Vigil does not support") {
  struct Case {
    std::string text;
    int column;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"count_values(\"v\", up)", 1, "the count_values aggregation is not supported by Vigil"},
      {"group(up)", 1, "the group aggregation is not supported by Vigil"},
      {"group by (job) (up)", 1, "the group aggregation is not supported by Vigil"},
      {"stdvar(up)", 1, "the stdvar aggregation is not supported by Vigil"},
      {"up[5m:1m]", 3, "subqueries (expr[range:step]) are not supported by Vigil"},
      {"rate(up[5m:])[1h:]", 8, "subqueries (expr[range:step]) are not supported by Vigil"},
      {"max_over_time(rate(up[5m])[1h:5m])", 27, "subqueries"},
      {"up @ 100", 4, "the @ modifier is not supported by Vigil"},
      {"up[5m] @ end()", 8, "the @ modifier is not supported by Vigil"},
      {"a atan2 b", 3, "the atan2 operator is not supported by Vigil"},
      {"atan2(a, b)", 1, "the atan2 operator is not supported by Vigil"},
      {"histogram_quantile(0.9, up)", 1,
       "function \"histogram_quantile\" is not supported by Vigil"},
      {"sgn(up)", 1, "function \"sgn\" is not supported by Vigil"},
      {"foo(up)", 1, "unknown function with name \"foo\""},
      {"RATE(up[5m])", 1, "unknown function with name \"RATE\""},
  };
  for (const Case& c : cases) {
    const std::string message = ParseError(c.text);
    INFO(message);
    CHECK_THAT(message, Catch::StartsWith(absl::StrCat("parse error at line 1, column ", c.column,
                                                       ": ", c.message)));
  }
}

TEST_CASE("Syntax errors name the line and column where the text goes wrong") {
  struct Case {
    std::string text;
    int line;
    int column;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", 1, 1, "no expression found in input"},
      {"   ", 1, 4, "no expression found in input"},
      {"# only a comment", 1, 17, "no expression found in input"},
      {"up +", 1, 5, "unexpected end of input"},
      {"sum(up", 1, 4, "unclosed left parenthesis"},
      {"(1 + 2", 1, 1, "unclosed left parenthesis"},
      {"rate(up[5m]", 1, 5, "unclosed left parenthesis"},
      {"sum by (job", 1, 8, "unclosed left parenthesis"},
      {"up)", 1, 3, "unexpected \")\""},
      {"up\n  + )", 2, 5, "unexpected \")\""},
      {"sum by (job)\n  (up)\n  by (x)", 3, 3, "sum has a by/without clause both before and after"},
      {"foo bar", 1, 5, "unexpected identifier \"bar\""},
      {"1 2", 1, 3, "unexpected number 2"},
      {"up{job=\"db\"", 1, 12, "missing '}'"},
      {"up{job=db}", 1, 8, "expected a quoted string after job="},
      {"up{job}", 1, 7, "expected =, !=, =~ or !~ after label job"},
      {"up{job==\"x\"}", 1, 8, "expected a quoted string after job="},
      {"up{1=\"x\"}", 1, 4, "expected a label name"},
      {"up{a=\"1\" b=\"2\"}", 1, 10, "expected ',' or '}' after a label matcher"},
      {"up{a=~\"(\"}", 1, 10, "invalid regular expression for label a"},
      {"up{a=\"b\"}{c=\"d\"}", 1, 10, "unexpected \"{\""},
      {"\"abc", 1, 5, "unterminated string"},
      {"'ab\ncd'", 1, 4, "unterminated string"},
      {"`abc", 1, 5, "unterminated string"},
      {"up[5]", 1, 4, "unexpected number 5; expected a duration like 5m"},
      {"up[5m", 1, 6, "unexpected end of input; expected \"]\""},
      {"up[x]", 1, 4, "unexpected identifier \"x\"; expected a duration like 5m"},
      {"up offset", 1, 10, "unexpected end of input; expected a duration like 5m after offset"},
      {"up offset 5", 1, 11, "unexpected number 5; expected a duration like 5m after offset"},
      {"5m", 1, 1, "unexpected duration 5m"},
      {"up + 1h", 1, 6, "unexpected duration 1h"},
      {"5mb", 1, 1, "bad number or duration syntax \"5mb\""},
      {"1foo", 1, 1, "bad number or duration syntax \"1foo\""},
      {"0x1g", 1, 1, "bad number or duration syntax \"0x1g\""},
      {"1e", 1, 1, "bad number or duration syntax \"1e\""},
      {"1e999", 1, 1, "bad number or duration syntax \"1e999\""},
      {"up[1.5m]", 1, 4, "unknown unit \".\" in duration \"1.5m\""},
      {"up[5m1h]", 1, 4, "not a valid duration \"5m1h\""},
      {"sum by job (up)", 1, 8, "unexpected identifier \"job\"; expected \"(\" after by"},
      {"sum by (job (up)", 1, 13, "unexpected \"(\"; expected \",\" or \")\" in by (...)"},
      {"sum by (a:b) (up)", 1, 9, "invalid label name \"a:b\" in by"},
      {"sum by (1) (up)", 1, 9, "unexpected number 1; expected a label name in by (...)"},
      {"sum by (job) up", 1, 14,
       "unexpected identifier \"up\"; expected \"(\" with the arguments of"},
      {"a * group_left b", 1, 5, "group_left must follow on (...) or ignoring (...)"},
      {"a + on b", 1, 8, "unexpected identifier \"b\"; expected \"(\" after on"},
      {"rate(up[5m] up)", 1, 13,
       "unexpected identifier \"up\"; expected \",\" or \")\" in the "
       "argument list"},
      {"1 +\n\n  $", 3, 3, "unexpected character \"$\""},
      {"up{a=\"x\"} é", 1, 11, "unexpected character \"é\""},
      {"up = 1", 1, 4, "unexpected \"=\""},
      {"up !x", 1, 4, "unexpected character \"!\""},
      {"up{a=\"\\x4\"}", 1, 7, "escape sequence \\x needs 2 hexadecimal digits"},
      {"\"\\uD800\"", 1, 2, "escape sequence is an invalid Unicode code point"},
      {"\"\\1\"", 1, 2, "escape sequence \\NNN needs 3 octal digits"},
  };
  for (const Case& c : cases) {
    const std::string message = ParseError(c.text);
    INFO(message);
    CHECK_THAT(message, Catch::StartsWith(absl::StrCat("parse error at line ", c.line, ", column ",
                                                       c.column, ": ", c.message)));
  }
}

TEST_CASE("String literals unescape Go's escapes and keep the others for regexes") {
  struct Case {
    std::string text;
    std::string value;
  };
  const std::vector<Case> cases = {
      {R"("a\tb")", "a\tb"},
      {R"("\a\b\f\n\r\v")", "\a\b\f\n\r\v"},
      {R"("\\")", "\\"},
      {R"("\"")", "\""},
      {R"('\'')", "'"},
      {R"("\'")", "'"},
      {R"('"')", "\""},
      {R"("\x41\101")", "AA"},
      {R"("\u00e9")", "é"},
      {R"("\U0001F600")", "\xF0\x9F\x98\x80"},
      {R"("\d+\.\w")", "\\d+\\.\\w"},
      {"`\\n\"'`", "\\n\"'"},
      {"`line\nbreak`", "line\nbreak"},
      {"\"Zürich 東京\"", "Zürich 東京"},
      {"\"\"", ""},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const ExprPtr expr = MustParse(c.text);
    REQUIRE(std::holds_alternative<StringLiteral>(expr->node));
    CHECK(std::get<StringLiteral>(expr->node).value == c.value);
    // A matcher value is unescaped the same way.
    const ExprPtr selector = MustParse(absl::StrCat("up{a=", c.text, "}"));
    CHECK(std::get<VectorSelector>(selector->node).matchers[1].value() == c.value);
  }
}

TEST_CASE("ParseDurationMs reads PromQL durations") {
  struct Case {
    std::string text;
    int64_t ms;
  };
  const std::vector<Case> cases = {
      {"0", 0},
      {"0s", 0},
      {"100ms", 100},
      {"10s", 10'000},
      {"90s", 90'000},
      {"5m", 300'000},
      {"1h30m", 5'400'000},
      {"2d", 172'800'000},
      {"1w", 604'800'000},
      {"1y", 31'536'000'000},
      {"1y2w3d4h5m6s7ms",
       31'536'000'000 + 2 * 604'800'000 + 3 * 86'400'000 + 4 * 3'600'000 + 5 * 60'000 + 6'000 + 7},
      {"0001m", 60'000},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<int64_t> ms = ParseDurationMs(c.text);
    REQUIRE(ms.ok());
    CHECK(*ms == c.ms);
  }
  struct Bad {
    std::string text;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"", "empty duration"},
      {"5", "not a valid duration \"5\""},
      {"m", "not a valid duration \"m\""},
      {"-5m", "not a valid duration \"-5m\""},
      {"5m1h", "not a valid duration \"5m1h\""},
      {"1h1h", "not a valid duration \"1h1h\""},
      {"1ms1s", "not a valid duration \"1ms1s\""},
      {"5 m", "unknown unit \" m\""},
      {"5mm", "unknown unit \"mm\""},
      {"1x", "unknown unit \"x\""},
      {"1.5h", "unknown unit \".\""},
      {"300000y", "duration \"300000y\" is out of range"},
      {"99999999999999999999ms", "is out of range"},
  };
  for (const Bad& b : bad) {
    INFO(b.text);
    absl::StatusOr<int64_t> ms = ParseDurationMs(b.text);
    REQUIRE_FALSE(ms.ok());
    CHECK(ms.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(ms.status().message()), Catch::Contains(b.message));
  }
}

TEST_CASE("FormatDurationMs prints durations as Prometheus does") {
  struct Case {
    int64_t ms;
    std::string text;
  };
  const std::vector<Case> cases = {
      {0, "0s"},
      {1, "1ms"},
      {1'000, "1s"},
      {90'000, "1m30s"},
      {3'600'001, "1h1ms"},
      {86'400'000, "1d"},
      {7 * 86'400'000LL, "1w"},
      {8 * 86'400'000LL, "8d"},
      {14 * 86'400'000LL, "2w"},
      {90 * 86'400'000LL, "90d"},
      {365 * 86'400'000LL, "1y"},
      {366 * 86'400'000LL, "366d"},
      {-300'000, "-5m"},
  };
  for (const Case& c : cases) {
    INFO(c.ms);
    CHECK(FormatDurationMs(c.ms) == c.text);
    if (c.ms >= 0) CHECK(*ParseDurationMs(c.text) == c.ms);
  }
}

TEST_CASE("The function table holds exactly the functions Vigil implements") {
  std::vector<std::string> names;
  for (const FunctionSignature& f : AllFunctions()) names.emplace_back(f.name);
  CHECK(names == std::vector<std::string>{"abs",
                                          "absent",
                                          "absent_over_time",
                                          "avg_over_time",
                                          "ceil",
                                          "changes",
                                          "clamp",
                                          "clamp_max",
                                          "clamp_min",
                                          "count_over_time",
                                          "day_of_month",
                                          "day_of_week",
                                          "delta",
                                          "deriv",
                                          "exp",
                                          "floor",
                                          "hour",
                                          "idelta",
                                          "increase",
                                          "irate",
                                          "label_join",
                                          "label_replace",
                                          "last_over_time",
                                          "ln",
                                          "log10",
                                          "log2",
                                          "max_over_time",
                                          "min_over_time",
                                          "minute",
                                          "month",
                                          "predict_linear",
                                          "quantile_over_time",
                                          "rate",
                                          "resets",
                                          "round",
                                          "scalar",
                                          "sort",
                                          "sort_desc",
                                          "sqrt",
                                          "stddev_over_time",
                                          "stdvar_over_time",
                                          "sum_over_time",
                                          "time",
                                          "timestamp",
                                          "vector",
                                          "year"});
  CHECK(FindFunction("nope") == nullptr);
  CHECK(FindFunction("Rate") == nullptr);
  CHECK(FindFunction("histogram_quantile") == nullptr);
  CHECK(IsUnsupportedPrometheusFunction("histogram_quantile"));
  CHECK_FALSE(IsUnsupportedPrometheusFunction("rate"));
  const FunctionSignature* rate = FindFunction("rate");
  REQUIRE(rate != nullptr);
  CHECK(rate->args == std::vector<ValueType>{ValueType::kRangeVector});
  CHECK(rate->returns == ValueType::kInstantVector);

  // Every function parses with the arguments its signature asks for, from none of the
  // optional ones to all of them (and three more for a variadic one); one argument more,
  // or an argument of another type, is an error.
  const auto arg_text = [](ValueType type) -> std::string {
    switch (type) {
      case ValueType::kScalar:
        return "1";
      case ValueType::kInstantVector:
        return "up";
      case ValueType::kRangeVector:
        return "up[5m]";
      case ValueType::kString:
        return "\"a\"";
    }
    return "";
  };
  const auto call_text = [&](const FunctionSignature& f, size_t n) {
    std::vector<std::string> args;
    for (size_t i = 0; i < n; ++i) args.push_back(arg_text(f.args[std::min(i, f.args.size() - 1)]));
    return absl::StrCat(f.name, "(", absl::StrJoin(args, ", "), ")");
  };
  for (const FunctionSignature& f : AllFunctions()) {
    const size_t min = f.args.size() - f.optional_args;
    const size_t max = f.args.size() + (f.variadic ? 3 : 0);
    for (size_t n = min; n <= max; ++n) {
      const ExprPtr expr = MustParse(call_text(f, n));
      CHECK(expr->type == f.returns);
      CHECK(std::get<Call>(expr->node).args.size() == n);
    }
    if (!f.variadic) {
      CHECK_THAT(
          ParseError(absl::StrCat(
              f.name, "(", absl::StrJoin(std::vector<std::string>(max + 1, "1"), ", "), ")")),
          Catch::Contains("argument(s) in call to"));
    }
    for (size_t i = 0; i < f.args.size(); ++i) {
      std::vector<std::string> args;
      for (size_t j = 0; j < f.args.size(); ++j) {
        const ValueType wrong =
            f.args[j] == ValueType::kScalar ? ValueType::kString : ValueType::kScalar;
        args.push_back(arg_text(j == i ? wrong : f.args[j]));
      }
      CHECK_THAT(ParseError(absl::StrCat(f.name, "(", absl::StrJoin(args, ", "), ")")),
                 Catch::Contains(absl::StrCat("expected type ", ValueTypeName(f.args[i]),
                                              " in call to function \"", f.name, "\"")));
    }
  }
}

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

TEST_CASE("Hostile nesting and length get an error, not a stack overflow") {
  const std::string depth_error = absl::StrCat("nests deeper than ", kMaxExprDepth, " levels");
  struct Case {
    std::string what;
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"100000 '('", std::string(100'000, '('), "more than the limit of 65536"},
      {"30000 parentheses", Repeat("(", 30'000) + "1" + Repeat(")", 30'000), depth_error},
      {"30000 unclosed parentheses", Repeat("(", 30'000), depth_error},
      {"30000 minus signs", Repeat("-", 30'000) + "1", depth_error},
      {"10000 nested calls", Repeat("abs(", 10'000) + "up" + Repeat(")", 10'000), depth_error},
      {"20000 powers", Repeat("2^", 20'000) + "2", depth_error},
      {"30000 additions", "1" + Repeat("+1", 30'000), depth_error},
      {"30000 ands", "a" + Repeat(" and a", 10'000), depth_error},
      {"a long query", "up" + Repeat(" + up", 14'000), "the query is 70002 bytes long"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    CHECK_THAT(ParseError(c.text), Catch::Contains(c.message));
  }
  // Up to the limit is fine.
  const int ok_depth = kMaxExprDepth - 1;
  const ExprPtr deep = MustParse(Repeat("(", ok_depth) + "1" + Repeat(")", ok_depth));
  CHECK(ToString(*deep) == Repeat("(", ok_depth) + "1" + Repeat(")", ok_depth));
  MustParse("1" + Repeat("+1", kMaxExprDepth - 2));
  // A long query that does not nest is fine up to kMaxQueryBytes.
  const std::string wide = "up{a=\"" + std::string(kMaxQueryBytes - 8, 'x') + "\"}";
  REQUIRE(wide.size() == kMaxQueryBytes);
  MustParse(wide);
}

}  // namespace
}  // namespace vigil::query

namespace vigil::query {
namespace {

#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer's frames are several times larger
// Runs ParseExpr and ToString on a thread with a `stack_bytes` stack.
bool ParsesOnSmallStack(const std::string& text, size_t stack_bytes) {
  struct Job {
    const std::string* text;
    bool ok = false;
  } job{&text};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  const auto run = [](void* arg) -> void* {
    Job* job = static_cast<Job*>(arg);
    absl::StatusOr<ExprPtr> expr = ParseExpr(*job->text);
    job->ok = expr.ok() && ToString(**expr).size() > 0;
    return nullptr;
  };
  const bool started = pthread_create(&thread, &attr, run, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) return false;
  pthread_join(thread, nullptr);
  return job.ok;
}

TEST_CASE("A query at the depth limit parses and prints in 1 MiB of stack") {
  const int depth = kMaxExprDepth - 2;
  const std::vector<std::string> queries = {
      Repeat("(", depth) + "1" + Repeat(")", depth),
      Repeat("abs(", depth) + "up" + Repeat(")", depth),
      Repeat("sum by (a) (-", depth / 2) + "up" + Repeat(")", depth / 2),
      Repeat("-", depth) + "up",
      Repeat("2^", depth) + "2",
      "1" + Repeat("+1", depth),
  };
  for (const std::string& query : queries) {
    INFO(query.substr(0, 20));
    CHECK(ParsesOnSmallStack(query, 1 << 20));
  }
}
#endif

}  // namespace
}  // namespace vigil::query

namespace vigil::query {
namespace {

// Token soup from a fixed seed: whatever the parser accepts must print back to text that
// parses to the same tree, and whatever it rejects must be an InvalidArgument with a
// position; nothing may crash (the sanitizer build runs this too).
TEST_CASE("Random queries either round-trip through ToString or fail cleanly") {
  const std::vector<std::string> vocabulary = {"up",
                                               "x",
                                               "job:rate:sum",
                                               "{",
                                               "}",
                                               "(",
                                               ")",
                                               "[",
                                               "]",
                                               ",",
                                               "a=\"b\"",
                                               "a=~\"b|c\"",
                                               "a!=\"\"",
                                               "5m",
                                               "1h30m",
                                               "1",
                                               "-2.5",
                                               "0x1f",
                                               "Inf",
                                               "+",
                                               "-",
                                               "*",
                                               "/",
                                               "%",
                                               "^",
                                               "==",
                                               "!=",
                                               ">",
                                               "<",
                                               ">=",
                                               "<=",
                                               "and",
                                               "or",
                                               "unless",
                                               "bool",
                                               "on",
                                               "ignoring",
                                               "group_left",
                                               "group_right",
                                               "(job)",
                                               "by",
                                               "without",
                                               "offset",
                                               "sum",
                                               "topk",
                                               "rate",
                                               "abs",
                                               "round",
                                               "time",
                                               "label_replace",
                                               "\"s\"",
                                               "'q'",
                                               "`r`",
                                               "#c\n",
                                               "\n",
                                               ":",
                                               "@",
                                               "\"\\x\"",
                                               "$",
                                               "\"unterminated"};
  std::mt19937 random(20240605);
  int parsed = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string text;
    const int tokens = 1 + static_cast<int>(random() % 12);
    for (int t = 0; t < tokens; ++t) {
      absl::StrAppend(&text, vocabulary[random() % vocabulary.size()], random() % 3 ? " " : "");
    }
    INFO(text);
    absl::StatusOr<ExprPtr> expr = ParseExpr(text);
    if (!expr.ok()) {
      CHECK(expr.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK_THAT(std::string(expr.status().message()), Catch::StartsWith("parse error at line "));
      continue;
    }
    ++parsed;
    const std::string printed = ToString(**expr);
    absl::StatusOr<ExprPtr> again = ParseExpr(printed);
    INFO(printed);
    REQUIRE(again.ok());
    CHECK(ToString(**again) == printed);
    CHECK((*again)->type == (*expr)->type);
  }
  CHECK(parsed > 500);  // the soup is not all errors
}

}  // namespace
}  // namespace vigil::query
