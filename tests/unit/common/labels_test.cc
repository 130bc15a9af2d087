#include "common/labels.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vigil {
namespace {

using Names = std::vector<std::string>;

Names NamesOf(const LabelSet& set) {
  Names names;
  for (const Label& label : set.labels()) names.push_back(label.name);
  return names;
}

std::string S(absl::string_view v) { return std::string(v); }

TEST_CASE("LabelSet sorts its labels by name") {
  struct Case {
    std::vector<Label> input;
    std::vector<Label> want;
  };
  const std::vector<Case> cases = {
      {{}, {}},
      {{{"a", "1"}}, {{"a", "1"}}},
      {{{"b", "2"}, {"a", "1"}}, {{"a", "1"}, {"b", "2"}}},
      {{{"job", "db"}, {"__name__", "up"}, {"instance", "h1"}},
       {{"__name__", "up"}, {"instance", "h1"}, {"job", "db"}}},
      // Byte order, not case-insensitive: 'B' (0x42) < '_' (0x5f) < 'a' (0x61).
      {{{"a", "1"}, {"_", "2"}, {"B", "3"}}, {{"B", "3"}, {"_", "2"}, {"a", "1"}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    CHECK(LabelSet(cases[i].input).labels() == cases[i].want);
  }
}

TEST_CASE("LabelSet keeps the last of duplicate names") {
  struct Case {
    std::vector<Label> input;
    std::vector<Label> want;
  };
  const std::vector<Case> cases = {
      {{{"a", "1"}, {"a", "2"}}, {{"a", "2"}}},
      {{{"a", "1"}, {"b", "x"}, {"a", "2"}, {"a", "3"}}, {{"a", "3"}, {"b", "x"}}},
      // The value order must not matter: "9" before "1" must still give "1" (last).
      {{{"a", "9"}, {"a", "1"}}, {{"a", "1"}}},
      {{{"a", ""}, {"a", "x"}}, {{"a", "x"}}},
      {{{"a", "x"}, {"a", ""}}, {{"a", ""}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    LabelSet set(cases[i].input);
    CHECK(set.labels() == cases[i].want);
    CHECK(set.size() == cases[i].want.size());
  }
}

TEST_CASE("LabelSet Get returns the value or an empty view") {
  const LabelSet set({{"__name__", "up"}, {"job", "db"}, {"empty", ""}});
  CHECK(S(set.Get("__name__")) == "up");
  CHECK(S(set.Get(kMetricNameLabel)) == "up");
  CHECK(S(set.Get("job")) == "db");
  CHECK(S(set.Get("empty")).empty());
  CHECK(S(set.Get("absent")).empty());
  CHECK(S(set.Get("")).empty());
  CHECK(S(set.Get("jo")).empty());    // a prefix of a name is not the name
  CHECK(S(set.Get("jobs")).empty());  // nor is a longer name
  CHECK(S(LabelSet().Get("job")).empty());
}

TEST_CASE("LabelSet Set adds in order or replaces") {
  LabelSet set;
  CHECK(set.empty());
  set.Set("m", "1");
  set.Set("c", "2");
  set.Set("x", "3");
  set.Set("a", "4");
  CHECK(NamesOf(set) == Names{"a", "c", "m", "x"});
  set.Set("c", "replaced");
  CHECK(NamesOf(set) == Names{"a", "c", "m", "x"});
  CHECK(S(set.Get("c")) == "replaced");
  CHECK(set.size() == 4);
  // An empty value is stored as a label (it is not the same as removing it).
  set.Set("e", "");
  CHECK(set.size() == 5);
  CHECK(NamesOf(set) == Names{"a", "c", "e", "m", "x"});
  // The result equals the same labels given to the constructor.
  CHECK(set == LabelSet(std::vector<Label>{
                   {"x", "3"}, {"e", ""}, {"a", "4"}, {"m", "1"}, {"c", "replaced"}}));
}

TEST_CASE("LabelSet Remove deletes one label and ignores absent names") {
  LabelSet set({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  set.Remove("b");
  CHECK(NamesOf(set) == Names{"a", "c"});
  set.Remove("absent");
  set.Remove("");
  CHECK(NamesOf(set) == Names{"a", "c"});
  set.Remove("a");
  set.Remove("c");
  CHECK(set.empty());
  set.Remove("a");
  CHECK(set.empty());
}

TEST_CASE("Canonical has the documented byte layout") {
  CHECK(LabelSet().Canonical().empty());
  CHECK(LabelSet(std::vector<Label>{{"a", "1"}}).Canonical() == std::string("\x01"
                                                                            "a"
                                                                            "\x01"
                                                                            "1"));
  CHECK(LabelSet(std::vector<Label>{{"b", ""}, {"a", "xy"}}).Canonical() == std::string("\x01"
                                                                                        "a"
                                                                                        "\x02"
                                                                                        "xy"
                                                                                        "\x01"
                                                                                        "b"
                                                                                        "\x00",
                                                                                        8));
  // 200 bytes need a two-byte varint: 200 = 0xc8 -> 0xc8 0x01.
  const std::string long_value(200, 'v');
  CHECK(LabelSet(std::vector<Label>{{"a", long_value}}).Canonical() == absl::StrCat("\x01"
                                                                                    "a",
                                                                                    "\xc8\x01",
                                                                                    long_value));
}

TEST_CASE("Canonical and FromCanonical round trip") {
  const std::vector<std::vector<Label>> cases = {
      {},
      {{"a", "1"}},
      {{"__name__", "node_load1"}, {"instance", "db1:9100"}, {"job", "node"}},
      {{"empty", ""}, {"other", ""}},
      {{"utf8", "Zürich – 東京 🏥"}},
      {{"ff", "\xff"},
       {"ff2",
        "a\xff\xff"
        "b"},
       {"nul", std::string("a\0b", 3)}},
      {{"long", std::string(300, 'x')}, {std::string(130, 'n'), "short"}},
      {{"quote", "a\"b\\c\nd"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const LabelSet set(cases[i]);
    const std::string canonical = set.Canonical();
    absl::StatusOr<LabelSet> back = LabelSet::FromCanonical(canonical);
    REQUIRE(back.ok());
    CHECK(*back == set);
    CHECK(back->labels() == set.labels());
    CHECK(back->Canonical() == canonical);
  }
}

TEST_CASE("Canonical forms are equal exactly when label sets are equal") {
  const std::vector<LabelSet> sets = {
      LabelSet(),
      LabelSet(std::vector<Label>{{"a", ""}}),
      LabelSet(std::vector<Label>{{"a", "b"}}),
      LabelSet(std::vector<Label>{{"ab", ""}}),
      LabelSet(std::vector<Label>{{"a", "bc"}}),
      LabelSet(std::vector<Label>{{"ab", "c"}}),
      LabelSet(std::vector<Label>{{"a", "b"}, {"c", ""}}),
      LabelSet(std::vector<Label>{{"a", "bc"}, {"d", "e"}}),
  };
  for (size_t i = 0; i < sets.size(); ++i) {
    for (size_t j = 0; j < sets.size(); ++j) {
      INFO(i << " vs " << j);
      CHECK((sets[i].Canonical() == sets[j].Canonical()) == (i == j));
    }
  }
  // Same labels given in another order.
  CHECK(LabelSet(std::vector<Label>{{"b", "2"}, {"a", "1"}}).Canonical() ==
        LabelSet(std::vector<Label>{{"a", "1"}, {"b", "2"}}).Canonical());
}

TEST_CASE("FromCanonical rejects truncated and corrupt input with DataLoss") {
  const std::string good = LabelSet(std::vector<Label>{{"job", "db"}, {"zone", "icu"}}).Canonical();
  struct Case {
    const char* what;
    std::string data;
  };
  const std::vector<Case> cases = {
      {"name length beyond the end", std::string("\x05"
                                                 "ab")},
      {"name without a value", std::string("\x01"
                                           "a")},
      {"value length beyond the end", std::string("\x01"
                                                  "a"
                                                  "\x05"
                                                  "x")},
      {"truncated varint", std::string("\x80")},
      {"truncated varint in the value length", std::string("\x01"
                                                           "a"
                                                           "\x81")},
      {"varint longer than 64 bits", std::string(11, '\x80') + "\x01"},
      {"huge length", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")},
      {"good data cut by one byte", good.substr(0, good.size() - 1)},
      {"good data plus a stray byte", good + "\x03"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    absl::StatusOr<LabelSet> set = LabelSet::FromCanonical(c.data);
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == absl::StatusCode::kDataLoss);
  }
  // Every strict prefix of a valid form that ends inside a label is rejected.
  for (size_t n = 1; n < good.size(); ++n) {
    if (n == 7) continue;  // "\x03job\x02db" is itself a complete one-label form
    INFO("prefix " << n);
    CHECK_FALSE(LabelSet::FromCanonical(good.substr(0, n)).ok());
  }
  CHECK(LabelSet::FromCanonical(good.substr(0, 7)).ok());
}

TEST_CASE("FromCanonical normalises unsorted and duplicate input like the constructor") {
  // Not produced by Canonical(), but a stored form must decode to a valid LabelSet.
  absl::StatusOr<LabelSet> set =
      LabelSet::FromCanonical(std::string("\x01"
                                          "b"
                                          "\x01"
                                          "2"
                                          "\x01"
                                          "a"
                                          "\x01"
                                          "1"
                                          "\x01"
                                          "b"
                                          "\x01"
                                          "3"));
  REQUIRE(set.ok());
  CHECK(set->labels() == std::vector<Label>{{"a", "1"}, {"b", "3"}});
}

TEST_CASE("ToString renders the Prometheus text form") {
  struct Case {
    std::vector<Label> labels;
    std::string want;
  };
  const std::vector<Case> cases = {
      {{}, "{}"},
      {{{"__name__", "up"}}, "up{}"},
      {{{"a", "1"}}, "{a=\"1\"}"},
      {{{"job", "db"}, {"__name__", "up"}, {"instance", "h1"}}, "up{instance=\"h1\",job=\"db\"}"},
      {{{"__name__", "m"}, {"e", ""}}, "m{e=\"\"}"},
      {{{"__name__", "m"}, {"q", "say \"hi\""}}, "m{q=\"say \\\"hi\\\"\"}"},
      {{{"__name__", "m"}, {"p", "C:\\data\\"}}, "m{p=\"C:\\\\data\\\\\"}"},
      {{{"__name__", "m"}, {"n", "line1\nline2"}}, "m{n=\"line1\\nline2\"}"},
      {{{"__name__", "m"}, {"mix", "\\\"\n"}}, "m{mix=\"\\\\\\\"\\n\"}"},
      // Other bytes are not escaped.
      {{{"__name__", "m"}, {"t", "a\tb é"}}, "m{t=\"a\tb é\"}"},
  };
  for (const Case& c : cases) {
    INFO(c.want);
    CHECK(LabelSet(c.labels).ToString() == c.want);
  }
}

TEST_CASE("EscapeLabelValue escapes backslash, quote and newline only") {
  CHECK(EscapeLabelValue("") == "");
  CHECK(EscapeLabelValue("plain") == "plain");
  CHECK(EscapeLabelValue("\\") == "\\\\");
  CHECK(EscapeLabelValue("\"") == "\\\"");
  CHECK(EscapeLabelValue("\n") == "\\n");
  CHECK(EscapeLabelValue("\r\t'") == "\r\t'");
  CHECK(EscapeLabelValue("\\n") == "\\\\n");  // a literal backslash-n stays distinguishable
}

TEST_CASE("IsValidMetricName follows [a-zA-Z_:][a-zA-Z0-9_:]*") {
  struct Case {
    std::string name;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"", false},    {"a", true},        {"Z", true},          {"_", true},
      {":", true},    {"__name__", true}, {"node_load1", true}, {"job:rate5m:sum", true},
      {":a", true},   {"a0", true},       {"0a", false},        {"9", false},
      {"a-b", false}, {"a.b", false},     {"a b", false},       {" a", false},
      {"a ", false},  {"é", false},       {"a{", false},        {std::string("a\0", 2), false},
  };
  for (const Case& c : cases) {
    INFO("\"" << c.name << "\"");
    CHECK(IsValidMetricName(c.name) == c.valid);
  }
}

TEST_CASE("IsValidLabelName follows [a-zA-Z_][a-zA-Z0-9_]*") {
  struct Case {
    std::string name;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"", false},    {"a", true},     {"_", true},    {"__name__", true},
      {"a1", true},   {"A_b_9", true}, {"1a", false},  {":", false},
      {"a:b", false}, {":a", false},   {"a-b", false}, {"a.b", false},
      {"ü", false},   {"a b", false},  {"a=", false},  {std::string("a\0", 2), false},
  };
  for (const Case& c : cases) {
    INFO("\"" << c.name << "\"");
    CHECK(IsValidLabelName(c.name) == c.valid);
  }
}

}  // namespace
}  // namespace vigil
