#include "collector/query/selector.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "collector/storage/label_matcher.h"

namespace vigil::query {
namespace {

using storage::LabelMatcher;
using Type = LabelMatcher::Type;

struct Want {
  Type type;
  std::string name;
  std::string value;
};

void CheckMatchers(const std::vector<LabelMatcher>& got, const std::vector<Want>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("matcher " << i);
    CHECK(got[i].type() == want[i].type);
    CHECK(got[i].name() == want[i].name);
    CHECK(got[i].value() == want[i].value);
  }
}

LabelMatcher Make(Type type, std::string name, std::string value) {
  absl::StatusOr<LabelMatcher> m = LabelMatcher::Create(type, std::move(name), std::move(value));
  REQUIRE(m.ok());
  return *m;
}

TEST_CASE("ParseSelector accepts the selector forms operators type") {
  struct Case {
    std::string text;
    std::vector<Want> want;
  };
  const std::vector<Case> cases = {
      {"node_load1", {{Type::kEqual, "__name__", "node_load1"}}},
      {"job:rate5m:sum", {{Type::kEqual, "__name__", "job:rate5m:sum"}}},
      {":weird", {{Type::kEqual, "__name__", ":weird"}}},
      {"_x1", {{Type::kEqual, "__name__", "_x1"}}},
      {"up{}", {{Type::kEqual, "__name__", "up"}}},
      {"node_cpu_seconds_total{mode=\"idle\",cpu=~\"0|1\",host!=\"db2\",device!~\"loop.*\"}",
       {{Type::kEqual, "__name__", "node_cpu_seconds_total"},
        {Type::kEqual, "mode", "idle"},
        {Type::kRegex, "cpu", "0|1"},
        {Type::kNotEqual, "host", "db2"},
        {Type::kNotRegex, "device", "loop.*"}}},
      {"{__name__=~\"node_disk_.*\"}", {{Type::kRegex, "__name__", "node_disk_.*"}}},
      {"{job=\"db\"}", {{Type::kEqual, "job", "db"}}},
      {"up{job='db'}", {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "job", "db"}}},
      {"up{job=`db`}", {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "job", "db"}}},
      {"up{job=\"db\",}", {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "job", "db"}}},
      {"  up  {  job  =  \"db\"  ,  zone !~ 'x'  ,  }  ",
       {{Type::kEqual, "__name__", "up"},
        {Type::kEqual, "job", "db"},
        {Type::kNotRegex, "zone", "x"}}},
      {"up\n{\tjob=\"db\"\n}", {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "job", "db"}}},
      {"up{a=\"\"}", {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "a", ""}}},
      {"up{a=\"1\",a=\"2\"}",
       {{Type::kEqual, "__name__", "up"}, {Type::kEqual, "a", "1"}, {Type::kEqual, "a", "2"}}},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<std::vector<LabelMatcher>> got = ParseSelector(c.text);
    REQUIRE(got.ok());
    CheckMatchers(*got, c.want);
  }
}

TEST_CASE("ParseSelector unescapes quoted strings") {
  struct Case {
    std::string text;
    std::string value;
  };
  const std::vector<Case> cases = {
      {R"(up{a="x\"y"})", "x\"y"},
      {R"(up{a="back\\slash"})", "back\\slash"},
      {R"(up{a="line\nbreak"})", "line\nbreak"},
      {R"(up{a="tab\there"})", "tab\there"},
      {R"(up{a="it\'s"})", "it's"},
      {R"(up{a='it\'s'})", "it's"},
      {R"(up{a='say "hi"'})", "say \"hi\""},
      {R"(up{a="say 'hi'"})", "say 'hi'"},
      {"up{a=`say \"hi\" 'there'`}", "say \"hi\" 'there'"},
      // Backticks are raw: no escapes at all.
      {R"(up{a=`\d+\n`})", "\\d+\\n"},
      // Unknown escapes are kept for the regex engine.
      {R"(up{a=~"\d+\.\w"})", "\\d+\\.\\w"},
      {R"(up{a="}{,"})", "}{,"},
      {"up{a=\"Zürich 東京\"}", "Zürich 東京"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<std::vector<LabelMatcher>> got = ParseSelector(c.text);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 2);
    CHECK((*got)[1].name() == "a");
    CHECK((*got)[1].value() == c.value);
  }
}

TEST_CASE("ParseSelector errors name the 1-based position") {
  struct Case {
    std::string text;
    int position;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", 1, "empty selector"},
      {"   ", 4, "empty selector"},
      {"{}", 3, "empty selector"},
      {"foo{", 5, "missing '}'"},
      {"foo{a}", 6, "expected =, !=, =~ or !~ after label a"},
      {"foo{a=b}", 7, "expected a quoted string"},
      {"foo{a=\"b\"", 10, "missing '}'"},
      {"foo{a=\"b", 9, "unterminated string"},
      {"foo{a=\"b\\", 10, "unterminated string"},
      {"foo bar", 5, "unexpected text after the selector"},
      {"foo{a=~\"(\"}", 11, "invalid regular expression for label a"},
      {"foo{a!~\"[z-a]\"}", 15, "invalid regular expression for label a"},
      {"foo{,}", 5, "expected a label name"},
      {"foo{1a=\"x\"}", 5, "expected a label name"},
      {"foo{a:b=\"x\"}", 6, "expected =, !=, =~ or !~ after label a"},
      {"foo{a=\"1\" b=\"2\"}", 11, "expected ',' or '}' after a label matcher"},
      {"foo{a==\"1\"}", 7, "expected a quoted string"},
      {"foo{a=\"1\"}}", 11, "unexpected text after the selector"},
      {"1foo", 1, "unexpected text after the selector"},
      {"foo-bar", 4, "unexpected text after the selector"},
      {"foo{a=\"1\"}{b=\"2\"}", 11, "unexpected text after the selector"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<std::vector<LabelMatcher>> got = ParseSelector(c.text);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
    const std::string message(got.status().message());
    CHECK_THAT(message, Catch::StartsWith("selector \"" + c.text + "\" at position " +
                                          std::to_string(c.position) + ": "));
    CHECK_THAT(message, Catch::Contains(c.message));
  }
}

TEST_CASE("Regex matchers are fully anchored") {
  struct Case {
    std::string re;
    std::string value;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"b", "b", true},
      {"b", "abc", false},
      {"b", "ab", false},
      {"b", "bc", false},
      {"b|c", "c", true},
      {"b|c", "bc", false},
      {"a.*", "abc", true},
      {".*c", "abc", true},
      {".*", "", true},
      {"", "", true},
      {"", "x", false},
      {"db[0-9]+", "db12", true},
      {"db[0-9]+", "db12x", false},
      {"a.b", "a\nb", true},  // '.' matches newline, as in Prometheus
      {"(?i)DB", "db", true},
  };
  for (const Case& c : cases) {
    INFO(c.re << " ~ \"" << c.value << "\"");
    CHECK(Make(Type::kRegex, "a", c.re).Matches(c.value) == c.matches);
    CHECK(Make(Type::kNotRegex, "a", c.re).Matches(c.value) == !c.matches);
  }
}

TEST_CASE("Matchers treat a missing label as the empty string") {
  struct Case {
    Type type;
    std::string value;
    bool matches_empty;
    bool matches_x;
  };
  const std::vector<Case> cases = {
      {Type::kEqual, "", true, false},      {Type::kEqual, "x", false, true},
      {Type::kNotEqual, "", false, true},   {Type::kNotEqual, "x", true, false},
      {Type::kRegex, "", true, false},      {Type::kRegex, ".*", true, true},
      {Type::kRegex, ".+", false, true},    {Type::kNotRegex, "", false, true},
      {Type::kNotRegex, ".+", true, false}, {Type::kNotRegex, ".*", false, false},
  };
  for (const Case& c : cases) {
    const LabelMatcher m = Make(c.type, "a", c.value);
    INFO(m.ToString());
    CHECK(m.MatchesEmpty() == c.matches_empty);
    CHECK(m.Matches("") == c.matches_empty);
    CHECK(m.Matches("x") == c.matches_x);
  }
}

TEST_CASE("LabelMatcher::Create rejects bad regular expressions naming the label") {
  for (const char* bad : {"(", "[", "a{2,1}", "*", "(?P<n>"}) {
    INFO(bad);
    absl::StatusOr<LabelMatcher> m = LabelMatcher::Create(Type::kRegex, "device", bad);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(m.status().message()),
               Catch::StartsWith("invalid regular expression for label device: "));
    CHECK_FALSE(LabelMatcher::Create(Type::kNotRegex, "device", bad).ok());
  }
  // Equality matchers take any text, even if it would not be a valid regex.
  CHECK(LabelMatcher::Create(Type::kEqual, "a", "(").ok());
  CHECK(LabelMatcher::Create(Type::kNotEqual, "a", "(").ok());
}

// Regression: the value was only compiled inside "^(?:...)$", so `a)|(b` closed the group
// and `x)|.*|(?:y` matched everything.
TEST_CASE("LabelMatcher::Create rejects regexes that only compile inside the wrapper",
          "[regression]") {
  for (const char* bad : {"a)|(b", "x)|.*|(?:y", ")("}) {
    INFO(bad);
    CHECK_FALSE(LabelMatcher::Create(Type::kRegex, "a", bad).ok());
  }
}

TEST_CASE("LabelMatcher::ToString prints the selector syntax") {
  struct Case {
    Type type;
    std::string name;
    std::string value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {Type::kEqual, "job", "db", "job=\"db\""},
      {Type::kNotEqual, "job", "db", "job!=\"db\""},
      {Type::kRegex, "cpu", "0|1", "cpu=~\"0|1\""},
      {Type::kNotRegex, "device", "loop.*", "device!~\"loop.*\""},
      {Type::kEqual, "a", "", "a=\"\""},
      {Type::kEqual, "a", "say \"hi\"\n", "a=\"say \\\"hi\\\"\\n\""},
      {Type::kRegex, "a", "\\d+", "a=~\"\\\\d+\""},
  };
  for (const Case& c : cases) {
    INFO(c.want);
    const LabelMatcher m = Make(c.type, c.name, c.value);
    CHECK(m.ToString() == c.want);
    // What ToString prints parses back to the same matcher.
    absl::StatusOr<std::vector<LabelMatcher>> back = ParseSelector("{" + m.ToString() + "}");
    REQUIRE(back.ok());
    CheckMatchers(*back, {{c.type, c.name, c.value}});
  }
}

TEST_CASE("Parsed matchers match what their text says") {
  absl::StatusOr<std::vector<LabelMatcher>> got =
      ParseSelector(R"(node_disk_io{device=~"sd[a-z]",device!~"sdz",mode!="",path=~"/var/.*"})");
  REQUIRE(got.ok());
  REQUIRE(got->size() == 5);
  CHECK((*got)[0].Matches("node_disk_io"));
  CHECK_FALSE((*got)[0].Matches("node_disk_io_total"));
  CHECK((*got)[1].Matches("sda"));
  CHECK_FALSE((*got)[1].Matches("sda1"));
  CHECK_FALSE((*got)[2].Matches("sdz"));
  CHECK((*got)[2].Matches("sdy"));
  CHECK_FALSE((*got)[3].Matches(""));
  CHECK((*got)[3].Matches("rw"));
  CHECK((*got)[4].Matches("/var/lib/postgresql"));
  CHECK_FALSE((*got)[4].Matches("/srv/var/x"));
}

}  // namespace
}  // namespace vigil::query
