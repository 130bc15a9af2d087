#include "common/config_node.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

// Config text with a line number in every comment, so the expected lines are visible.
constexpr absl::string_view kDoc =
    "listen: 0.0.0.0:7070\n"      // 1
    "data_dir: /var/lib/vigil\n"  // 2
    "tls:\n"                      // 3
    "  ca: ca.crt\n"              // 4
    "  cert: collector.crt\n"     // 5
    "  kye: collector.key\n"      // 6 (typo)
    "storage:\n"                  // 7
    "  sync_writes: yes\n"        // 8
    "limits:\n"                   // 9
    "  max_series: 12\n"          // 10
    "  bad_int: 1.5\n"            // 11
    "  interval: 5x\n"            // 12
    "hosts: [a, b, c]\n"          // 13
    "block:\n"                    // 14
    "  - one\n"                   // 15
    "  - two\n"                   // 16
    "nested_list: [a, [b]]\n"     // 17
    "scalar_list: lonely\n"       // 18
    "empty_list: []\n"            // 19
    "null_value:\n"               // 20
    "list_for_scalar: [x, y]\n"   // 21
    "map_for_scalar: {k: v}\n";   // 22

ConfigNode Load(absl::string_view yaml = kDoc) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "test.yaml");
  REQUIRE(root.ok());
  return *root;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_CASE("CheckKeys names file, line and dotted path of an unknown key") {
  const ConfigNode root = Load();
  SECTION("at the root") {
    absl::Status s = root.CheckKeys({"listen", "data_dir", "tls", "storage", "limits", "hosts",
                                     "block", "nested_list", "scalar_list", "empty_list",
                                     "null_value", "list_for_scalar"});
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(Message(s), Catch::StartsWith("test.yaml:22: map_for_scalar: unknown key"));
    CHECK_THAT(Message(s), Catch::Contains("known here: listen, data_dir, tls"));
  }
  SECTION("in a nested section") {
    absl::Status s = root.Child("tls").CheckKeys({"ca", "cert", "key"});
    REQUIRE(s.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(s) == "test.yaml:6: tls.kye: unknown key (known here: ca, cert, key)");
  }
  SECTION("all keys known") { CHECK(root.Child("storage").CheckKeys({"sync_writes"}).ok()); }
  SECTION("a scalar where a mapping is expected") {
    absl::Status s = root.Child("scalar_list").CheckKeys({"a"});
    CHECK(Message(s) == "test.yaml:18: scalar_list: must be a mapping of keys to values");
  }
  SECTION("a list where a mapping is expected") {
    absl::Status s = root.Child("hosts").CheckKeys({"a"});
    CHECK(Message(s) == "test.yaml:13: hosts: must be a mapping of keys to values");
  }
}

TEST_CASE("Unknown keys are found at depth with the right line") {
  const ConfigNode root = Load(
      "a:\n"
      "  b:\n"
      "    c: 1\n"
      "\n"
      "    typo: 2\n");
  absl::Status s = root.Child("a").Child("b").CheckKeys({"c"});
  CHECK(Message(s) == "test.yaml:5: a.b.typo: unknown key (known here: c)");
}

TEST_CASE("GetString reads scalars and rejects lists and mappings") {
  const ConfigNode root = Load();
  std::string out = "default";
  REQUIRE(root.GetString("listen", &out).ok());
  CHECK(out == "0.0.0.0:7070");
  REQUIRE(root.Child("tls").GetString("ca", &out).ok());
  CHECK(out == "ca.crt");

  out = "default";
  CHECK(root.GetString("absent", &out).ok());
  CHECK(out == "default");
  CHECK(root.GetString("null_value", &out).ok());  // "key:" with nothing is absent
  CHECK(out == "default");

  absl::Status s = root.GetString("list_for_scalar", &out);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(s) ==
        "test.yaml:21: list_for_scalar: must be a single value, not a list or mapping");
  s = root.GetString("map_for_scalar", &out);
  CHECK(Message(s) ==
        "test.yaml:22: map_for_scalar: must be a single value, not a list or mapping");
  CHECK(out == "default");
}

TEST_CASE("RequireString reports a missing or empty key") {
  const ConfigNode root = Load();
  std::string out;
  REQUIRE(root.RequireString("data_dir", &out).ok());
  CHECK(out == "/var/lib/vigil");

  // tls.key is missing (the file has "kye"): the line is that of the tls section.
  absl::Status s = root.Child("tls").RequireString("key", &out);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(s) == "test.yaml:4: tls.key: is required");

  s = root.RequireString("null_value", &out);
  CHECK(Message(s) == "test.yaml:20: null_value: is required");

  const ConfigNode empty = Load("name: \"\"\n");
  s = empty.RequireString("name", &out);
  CHECK(Message(s) == "test.yaml:1: name: must not be empty");
}

TEST_CASE("GetBool accepts true/false/yes/no/on/off only") {
  struct Case {
    std::string text;
    bool ok;
    bool want;
  };
  const std::vector<Case> cases = {
      {"true", true, true}, {"false", true, false}, {"yes", true, true},     {"no", true, false},
      {"on", true, true},   {"off", true, false},   {"maybe", false, false}, {"1", false, false},
      {"0", false, false},  {"\"\"", false, false}, {"y", false, false},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const ConfigNode root = Load("x: 1\nflag: " + c.text + "\n");
    // Preset to the opposite so a silent no-op is caught.
    bool out = !c.want;
    absl::Status s = root.GetBool("flag", &out);
    CHECK(s.ok() == c.ok);
    if (c.ok) {
      CHECK(out == c.want);
    } else {
      CHECK(out == !c.want);
      CHECK(Message(s) == "test.yaml:2: flag: must be true or false, not \"" +
                              (c.text == "\"\"" ? std::string() : c.text) + "\"");
    }
  }
  bool out = true;
  CHECK(Load().GetBool("absent", &out).ok());
  CHECK(out);
  const ConfigNode root = Load();
  REQUIRE(root.Child("storage").GetBool("sync_writes", &out).ok());
  CHECK(out);
  CHECK(Message(root.GetBool("hosts", &out)) ==
        "test.yaml:13: hosts: must be a single value, not a list or mapping");
}

TEST_CASE("GetInt accepts whole numbers only") {
  struct Case {
    std::string text;
    bool ok;
    int64_t want;
  };
  const std::vector<Case> cases = {
      {"0", true, 0},
      {"12", true, 12},
      {"-3", true, -3},
      {"9223372036854775807", true, INT64_MAX},
      {"'42'", true, 42},
      {"1.5", false, 0},
      {"12abc", false, 0},
      {"abc", false, 0},
      {"1e3", false, 0},
      {"0x10", false, 0},
      {"9223372036854775808", false, 0},
      {"[1]", false, 0},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const ConfigNode root = Load("n: " + c.text + "\n");
    int64_t out = 777;
    absl::Status s = root.GetInt("n", &out);
    CHECK(s.ok() == c.ok);
    // On error *out is unspecified (absl::SimpleAtoi may have written to it).
    if (c.ok) CHECK(out == c.want);
    if (!c.ok) CHECK_THAT(Message(s), Catch::StartsWith("test.yaml:1: n: must be"));
  }
  int64_t out = 0;
  CHECK(Message(Load().Child("limits").GetInt("bad_int", &out)) ==
        "test.yaml:11: limits.bad_int: must be a whole number, not \"1.5\"");
}

TEST_CASE("GetDuration parses durations and names the key on error") {
  const ConfigNode root = Load("interval: 90s\ntimeout: 1h30m\n");
  absl::Duration d = absl::Seconds(1);
  REQUIRE(root.GetDuration("interval", &d).ok());
  CHECK(d == absl::Seconds(90));
  REQUIRE(root.GetDuration("timeout", &d).ok());
  CHECK(d == absl::Minutes(90));
  d = absl::Seconds(7);
  REQUIRE(root.GetDuration("absent", &d).ok());
  CHECK(d == absl::Seconds(7));

  absl::Status s = Load().Child("limits").GetDuration("interval", &d);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(Message(s), Catch::StartsWith("test.yaml:12: limits.interval: "));
  CHECK_THAT(Message(s), Catch::Contains("5x"));
  CHECK(d == absl::Seconds(7));
  for (const char* bad : {"5", "-1m", "soon", "5 m"}) {
    INFO(bad);
    absl::Status st = Load(std::string("every: ") + bad + "\n").GetDuration("every", &d);
    CHECK_THAT(Message(st), Catch::StartsWith("test.yaml:1: every: "));
  }
}

TEST_CASE("GetStringList reads flow and block lists") {
  const ConfigNode root = Load();
  std::vector<std::string> out = {"default"};
  REQUIRE(root.GetStringList("hosts", &out).ok());
  CHECK(out == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(root.GetStringList("block", &out).ok());
  CHECK(out == std::vector<std::string>{"one", "two"});
  REQUIRE(root.GetStringList("empty_list", &out).ok());
  CHECK(out.empty());

  out = {"default"};
  REQUIRE(root.GetStringList("absent", &out).ok());
  CHECK(out == std::vector<std::string>{"default"});
  REQUIRE(root.GetStringList("null_value", &out).ok());
  CHECK(out == std::vector<std::string>{"default"});

  absl::Status s = root.GetStringList("scalar_list", &out);
  CHECK(Message(s) == "test.yaml:18: scalar_list: must be a list");
  s = root.GetStringList("nested_list", &out);
  CHECK(Message(s) == "test.yaml:17: nested_list[1]: must be a single value");
}

TEST_CASE("Elements of a list, of nothing and of a non-list") {
  const ConfigNode root = Load();
  absl::StatusOr<std::vector<ConfigNode>> elements = root.Child("block").Elements();
  REQUIRE(elements.ok());
  REQUIRE(elements->size() == 2);
  CHECK((*elements)[0].path() == "block[0]");
  CHECK((*elements)[1].path() == "block[1]");
  CHECK(*(*elements)[1].Scalar() == "two");
  CHECK(Message((*elements)[1].Error("", "bad")) == "test.yaml:16: block[1]: bad");

  elements = root.Child("absent").Elements();
  REQUIRE(elements.ok());
  CHECK(elements->empty());

  elements = root.Child("tls").Elements();
  REQUIRE_FALSE(elements.ok());
  CHECK(Message(elements.status()) == "test.yaml:4: tls: must be a list");
  elements = root.Child("scalar_list").Elements();
  CHECK(Message(elements.status()) == "test.yaml:18: scalar_list: must be a list");

  CHECK(Message(root.Child("tls").Scalar().status()) == "test.yaml:4: tls: must be a single value");
}

TEST_CASE("A missing child section is usable and reports its parent's line") {
  const ConfigNode root = Load();
  const ConfigNode absent = root.Child("absent");
  CHECK_FALSE(absent.IsDefined());
  CHECK(absent.path() == "absent");
  CHECK(absent.file() == "test.yaml");
  CHECK(absent.CheckKeys({"a"}).ok());
  CHECK_FALSE(absent.Has("a"));
  std::string s = "default";
  CHECK(absent.GetString("a", &s).ok());
  CHECK(s == "default");
  bool b = true;
  CHECK(absent.GetBool("a", &b).ok());
  int64_t i = 5;
  CHECK(absent.GetInt("a", &i).ok());
  CHECK(i == 5);
  std::vector<std::string> list = {"x"};
  CHECK(absent.GetStringList("a", &list).ok());
  CHECK(list == std::vector<std::string>{"x"});
  CHECK(absent.Child("deeper").Child("deepest").path() == "absent.deeper.deepest");

  // Required keys inside a missing section: the message points at the parent section.
  CHECK(Message(absent.RequireString("a", &s)) == "test.yaml:1: absent.a: is required");
  const ConfigNode nested = root.Child("tls").Child("absent");
  CHECK(nested.path() == "tls.absent");
  CHECK(Message(nested.RequireString("a", &s)) == "test.yaml:4: tls.absent.a: is required");
  CHECK(Message(root.Child("limits").Child("sub").Child("deeper").RequireString("k", &s)) ==
        "test.yaml:10: limits.sub.deeper.k: is required");
  // A key whose value is empty ("null_value:") counts as a missing section too.
  CHECK_FALSE(root.Child("null_value").IsDefined());
  CHECK(Message(root.Child("null_value").RequireString("k", &s)) ==
        "test.yaml:20: null_value.k: is required");
}

TEST_CASE("Has is true only for keys with a value") {
  const ConfigNode root = Load();
  CHECK(root.Has("listen"));
  CHECK(root.Has("tls"));
  CHECK(root.Has("empty_list"));
  CHECK_FALSE(root.Has("null_value"));
  CHECK_FALSE(root.Has("absent"));
  CHECK_FALSE(root.Has("ca"));  // only direct children
  CHECK(root.Child("tls").Has("ca"));
  CHECK_FALSE(root.Child("hosts").Has("a"));   // a list has no keys
  CHECK_FALSE(root.Child("listen").Has("a"));  // nor has a scalar
}

TEST_CASE("LoadString reports YAML syntax errors with line and column") {
  struct Case {
    std::string yaml;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {"a: 1\nb: [1, 2\n", "test.yaml:3:1: YAML syntax: "},
      {"a: 1\nb: 2\nc: {x: 1\n", "test.yaml:4:1: YAML syntax: "},
      {"a: 1\nb:\n  c: 1\n d: 2\n", "test.yaml:4:2: YAML syntax: "},
      {"a: 1\n\tb: 2\n", "test.yaml:2:1: YAML syntax: "},
      {"a: b: c\n", "test.yaml:1:5: YAML syntax: "},
      {"a: 1\nb: ]\n", "test.yaml:2:4: YAML syntax: "},
      {"a: 1\nb: 'x' y\n", "test.yaml:2:8: YAML syntax: "},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(c.yaml, "test.yaml");
    REQUIRE_FALSE(root.ok());
    CHECK(root.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(Message(root.status()), Catch::StartsWith(c.prefix));
  }
}

TEST_CASE("LoadString requires a mapping at the top") {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString("- a\n- b\n", "test.yaml");
  REQUIRE_FALSE(root.ok());
  CHECK(Message(root.status()) == "test.yaml:1: the document must be a mapping");
  root = ConfigNode::LoadString("\n\njust a string\n", "test.yaml");
  CHECK(Message(root.status()) == "test.yaml:3: the document must be a mapping");

  // An empty document (or only comments) is an empty configuration.
  for (const char* empty : {"", "# nothing\n", "\n\n"}) {
    INFO("\"" << empty << "\"");
    absl::StatusOr<ConfigNode> doc = ConfigNode::LoadString(empty, "test.yaml");
    REQUIRE(doc.ok());
    CHECK(doc->CheckKeys({"a"}).ok());
    CHECK_FALSE(doc->Has("a"));
    std::string s;
    CHECK(Message(doc->RequireString("a", &s)) == "test.yaml:1: a: is required");
  }
}

TEST_CASE("LoadFile reads a file and names it in messages") {
  testing::TempDir dir;
  dir.WriteFile("agent.yaml", "interval: 10s\n\nbogus: 1\n");
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadFile(dir.Path("agent.yaml"));
  REQUIRE(root.ok());
  CHECK(root->file() == dir.Path("agent.yaml"));
  CHECK(Message(root->CheckKeys({"interval"})) ==
        dir.Path("agent.yaml") + ":3: bogus: unknown key (known here: interval)");
}

TEST_CASE("LoadFile of a missing file is NotFound and names the path") {
  testing::TempDir dir;
  const std::string path = dir.Path("no/such/collector.yaml");
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadFile(path);
  REQUIRE_FALSE(root.ok());
  CHECK(root.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(Message(root.status()), Catch::Contains(path));
  CHECK_THAT(Message(root.status()), Catch::StartsWith("cannot read config file: "));
}

TEST_CASE("Error names file, line of the key and the dotted path") {
  const ConfigNode root = Load();
  absl::Status s = root.Child("tls").Error("cert", "cannot read it");
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Message(s) == "test.yaml:5: tls.cert: cannot read it");
  CHECK(Message(root.Error("listen", "bad")) == "test.yaml:1: listen: bad");
  CHECK(Message(root.Child("limits").Error("", "whole section")) ==
        "test.yaml:10: limits: whole section");
}

}  // namespace
}  // namespace vigil
