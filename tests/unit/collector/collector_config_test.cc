#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "collector/config.h"
#include "tests/support/temp_dir.h"

namespace vigil::collector {
namespace {

// A minimal valid configuration: everything else has a default.
constexpr absl::string_view kMinimal =
    "data_dir: /var/lib/vigil\n"
    "tls:\n"
    "  ca: /etc/vigil/ca.crt\n"
    "  cert: /etc/vigil/collector.crt\n"
    "  key: /etc/vigil/collector.key\n";

absl::StatusOr<CollectorConfig> Parse(absl::string_view yaml,
                                      const std::string& base_dir = "/etc/vigil") {
  return ParseCollectorConfig(yaml, "collector.yaml", base_dir);
}

std::string ErrorOf(absl::string_view yaml) {
  absl::StatusOr<CollectorConfig> config = Parse(yaml);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST_CASE("A full collector config is parsed into the struct") {
  absl::StatusOr<CollectorConfig> config = Parse(
      "listen: 0.0.0.0:7443\n"
      "data_dir: /srv/vigil/data\n"
      "tls:\n"
      "  ca: /etc/pki/ca.crt\n"
      "  cert: /etc/pki/collector.crt\n"
      "  key: /etc/pki/collector.key\n"
      "storage:\n"
      "  sync_writes: false\n"
      "limits:\n"
      "  max_series_per_agent: 5000\n"
      "query:\n"
      "  max_series: 300\n"
      "  max_samples: 123456\n"
      "log_level: debug\n");
  REQUIRE(config.ok());
  CHECK(config->listen == "0.0.0.0:7443");
  CHECK(config->data_dir == "/srv/vigil/data");
  CHECK(config->tls.ca == "/etc/pki/ca.crt");
  CHECK(config->tls.cert == "/etc/pki/collector.crt");
  CHECK(config->tls.key == "/etc/pki/collector.key");
  CHECK(config->storage.sync_writes == false);
  CHECK(config->ingest_limits.max_series_per_stream == 5000);
  CHECK(config->query.limits.max_series == 300);
  CHECK(config->query.limits.max_samples == 123456);
  CHECK(config->log_level == LogLevel::kDebug);
}

TEST_CASE("The example config in deploy/ parses") {
  absl::StatusOr<CollectorConfig> config =
      LoadCollectorConfig(testing::TestDataDir() + "/../../deploy/collector.example.yaml");
  REQUIRE(config.ok());
  CHECK(config->listen == "0.0.0.0:7070");
  CHECK(config->data_dir == "/var/lib/vigil-collector");
  CHECK(config->tls.key == "/etc/vigil/tls/collector.key");
  CHECK(config->tls_reload_interval == absl::Seconds(5));
  CHECK(config->storage.sync_writes);
  CHECK(config->ingest_limits.max_series_per_stream == 200000);
  CHECK(config->http.listen == "127.0.0.1:7071");
  CHECK(config->http.access.operator_roles.at("oncall-lead") == api::Role::kAdmin);
  CHECK(config->http.access.tokens.empty());
  CHECK(config->audit_file == "/var/lib/vigil-collector/audit.log");
  CHECK(config->query.limits.max_series == 10000);
  CHECK(config->query.limits.timeout == absl::Minutes(2));
  CHECK(config->log_level == LogLevel::kInfo);
}

TEST_CASE("Omitted keys take their defaults") {
  absl::StatusOr<CollectorConfig> config = Parse(kMinimal);
  REQUIRE(config.ok());
  const CollectorConfig defaults;
  CHECK(config->listen == "127.0.0.1:7070");
  CHECK(config->storage.sync_writes == true);
  CHECK(config->ingest_limits.max_series_per_stream == 200000);
  CHECK(config->query.limits.max_series == 10000);
  CHECK(config->query.limits.max_samples == 50'000'000);
  CHECK(config->query.limits.max_points == 11000);
  CHECK(config->query.limits.timeout == absl::Minutes(2));
  CHECK(config->query.lookback_delta_ms == 5 * 60'000);
  CHECK(config->query.rollup_min_range_ms == 60 * 60'000);
  CHECK(config->http.listen == "127.0.0.1:7071");
  CHECK(config->http.access.default_operator_role == api::Role::kViewer);
  CHECK(config->http.access.operator_roles.empty());
  CHECK(config->http.access.tokens.empty());
  CHECK(config->audit_file == "/var/lib/vigil/audit.log");
  CHECK(config->log_level == LogLevel::kInfo);
  CHECK(config->tls_reload_interval == absl::Seconds(5));
  CHECK(defaults.listen == config->listen);

  // Empty sections are the same as absent ones.
  config = Parse(absl::StrCat(kMinimal, "storage:\nlimits: {}\nhttp:\naudit: {}\nquery:\n"));
  REQUIRE(config.ok());
  CHECK(config->storage.sync_writes == true);
  CHECK(config->query.limits.max_series == 10000);
  CHECK(config->http.listen == "127.0.0.1:7071");

  // One limit given, the others keep their defaults.
  config = Parse(absl::StrCat(kMinimal, "query:\n  max_series: 7\n"));
  REQUIRE(config.ok());
  CHECK(config->query.limits.max_series == 7);
  CHECK(config->query.limits.max_samples == 50'000'000);
  CHECK(config->ingest_limits.max_series_per_stream == 200000);
}

TEST_CASE("Relative paths are resolved against base_dir") {
  struct Case {
    std::string base_dir;
    std::string path;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"/etc/vigil", "data", "/etc/vigil/data"},
      {"/etc/vigil", "./tls/ca.crt", "/etc/vigil/tls/ca.crt"},
      {"/etc/vigil", "../lib/vigil", "/etc/lib/vigil"},
      {"/etc/vigil/", "data", "/etc/vigil/data"},
      {"/etc/vigil", "/abs/path", "/abs/path"},
      {"", "data", "data"},  // no base: left as given
      {"relative/base", "data", "relative/base/data"},
  };
  for (const Case& c : cases) {
    INFO(c.base_dir << " + " << c.path);
    absl::StatusOr<CollectorConfig> config =
        Parse(absl::StrCat("data_dir: ", c.path, "\ntls:\n  ca: ", c.path, "\n  cert: ", c.path,
                           "\n  key: ", c.path, "\n"),
              c.base_dir);
    REQUIRE(config.ok());
    CHECK(config->data_dir == c.want);
    CHECK(config->tls.ca == c.want);
    CHECK(config->tls.cert == c.want);
    CHECK(config->tls.key == c.want);
  }
}

TEST_CASE("LoadCollectorConfig resolves paths against the file's directory") {
  testing::TempDir dir;
  dir.WriteFile("etc/collector.yaml",
                "data_dir: data\ntls:\n  ca: tls/ca.crt\n  cert: tls/c.crt\n  key: /k.key\n");
  absl::StatusOr<CollectorConfig> config = LoadCollectorConfig(dir.Path("etc/collector.yaml"));
  REQUIRE(config.ok());
  CHECK(config->data_dir == dir.Path("etc/data"));
  CHECK(config->tls.ca == dir.Path("etc/tls/ca.crt"));
  CHECK(config->tls.cert == dir.Path("etc/tls/c.crt"));
  CHECK(config->tls.key == "/k.key");

  absl::StatusOr<CollectorConfig> missing = LoadCollectorConfig(dir.Path("absent.yaml"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains(dir.Path("absent.yaml")));

  // Errors name the file by its path.
  dir.WriteFile("bad.yaml", "data_dir: d\n");
  absl::StatusOr<CollectorConfig> bad = LoadCollectorConfig(dir.Path("bad.yaml"));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::StartsWith(dir.Path("bad.yaml") + ":"));
}

TEST_CASE("Required keys are named when missing") {
  CHECK(ErrorOf("data_dir: /d\n") ==
        "collector.yaml:1: tls: is required (ca, cert, key): mTLS is the only mode");
  CHECK(ErrorOf("data_dir: /d\ntls:\n") ==  // an empty section is missing too
        "collector.yaml:2: tls: is required (ca, cert, key): mTLS is the only mode");
  CHECK(ErrorOf("tls:\n  ca: a\n  cert: b\n  key: c\n") ==
        "collector.yaml:1: data_dir: is required");
  CHECK(ErrorOf("data_dir: \"\"\ntls:\n  ca: a\n  cert: b\n  key: c\n") ==
        "collector.yaml:1: data_dir: must not be empty");
  CHECK(ErrorOf("data_dir: /d\ntls:\n  ca: a\n  cert: b\n") ==
        "collector.yaml:3: tls.key: is required");
  CHECK(ErrorOf("data_dir: /d\ntls:\n  cert: b\n  key: c\n") ==
        "collector.yaml:3: tls.ca: is required");
  CHECK(ErrorOf("data_dir: /d\ntls:\n  ca: a\n  key: c\n") ==
        "collector.yaml:3: tls.cert: is required");
  CHECK(ErrorOf("data_dir: /d\ntls: [a, b]\n") ==
        "collector.yaml:2: tls: must be a mapping of keys to values");
}

TEST_CASE("tls.reload_interval is a duration of at least 1s") {
  absl::StatusOr<CollectorConfig> config =
      Parse(absl::StrCat(kMinimal, "  reload_interval: 1m30s\n"));
  REQUIRE(config.ok());
  CHECK(config->tls_reload_interval == absl::Seconds(90));
  CHECK(ErrorOf(absl::StrCat(kMinimal, "  reload_interval: 500ms\n")) ==
        "collector.yaml:6: tls.reload_interval: must be at least 1s");
  CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, "  reload_interval: soon\n")),
             Catch::StartsWith("collector.yaml:6: tls.reload_interval: "));
}

TEST_CASE("Unknown keys are errors at every level, with their line") {
  struct Case {
    std::string yaml;
    std::string want_prefix;
  };
  const std::vector<Case> cases = {
      {absl::StrCat("listne: 1.2.3.4:5\n", kMinimal), "collector.yaml:1: listne: unknown key"},
      {absl::StrCat(kMinimal, "  kye: x\n"), "collector.yaml:6: tls.kye: unknown key"},
      {absl::StrCat(kMinimal, "storage:\n  sync: true\n"),
       "collector.yaml:7: storage.sync: unknown key"},
      {absl::StrCat(kMinimal, "limits:\n  max_series_per_agent: 5\n  max_series: 10\n"),
       "collector.yaml:8: limits.max_series: unknown key"},
      {absl::StrCat(kMinimal, "http:\n  listne: 1.2.3.4:5\n"),
       "collector.yaml:7: http.listne: unknown key"},
      {absl::StrCat(kMinimal, "query:\n  max_serie: 5\n"),
       "collector.yaml:7: query.max_serie: unknown key"},
      {absl::StrCat(kMinimal, "audit:\n  path: /x\n"), "collector.yaml:7: audit.path: unknown key"},
      {absl::StrCat(kMinimal, "\n\nretention: 30d\n"), "collector.yaml:8: retention: unknown key"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    CHECK_THAT(ErrorOf(c.yaml), Catch::StartsWith(c.want_prefix));
  }
  CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, "  kye: x\n")),
             Catch::EndsWith("(known here: ca, cert, key, reload_interval)"));
}

TEST_CASE("Limits must be positive whole numbers") {
  struct Case {
    std::string section;
    std::string key;
    std::string value;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"limits", "max_series_per_agent", "0",
       "limits.max_series_per_agent: must be a positive number"},
      {"query", "max_series", "-1", "query.max_series: must be a positive number"},
      {"query", "max_samples", "0", "query.max_samples: must be a positive number"},
      {"query", "max_points", "0", "query.max_points: must be a positive number"},
      {"query", "max_series", "10k", "query.max_series: must be a whole number, not \"10k\""},
      {"query", "max_samples", "1.5", "query.max_samples: must be a whole number, not \"1.5\""},
  };
  for (const Case& c : cases) {
    INFO(c.key << ": " << c.value);
    CHECK(ErrorOf(absl::StrCat(kMinimal, c.section, ":\n  ", c.key, ": ", c.value, "\n")) ==
          "collector.yaml:7: " + c.want);
  }
  absl::StatusOr<CollectorConfig> config =
      Parse(absl::StrCat(kMinimal, "query:\n  max_series: 1\n"));
  REQUIRE(config.ok());
  CHECK(config->query.limits.max_series == 1);
}

TEST_CASE("The old query limits under limits: name their new place") {
  CHECK(ErrorOf(absl::StrCat(kMinimal, "limits:\n  query_max_series: 5\n")) ==
        "collector.yaml:7: limits.query_max_series: has moved to query.max_series (the query: "
        "section)");
  CHECK(ErrorOf(absl::StrCat(kMinimal, "limits:\n  query_max_samples: 5\n")) ==
        "collector.yaml:7: limits.query_max_samples: has moved to query.max_samples (the query: "
        "section)");
}

TEST_CASE("The query section sets the engine's limits, lookback and rollups") {
  absl::StatusOr<CollectorConfig> config = Parse(absl::StrCat(kMinimal,
                                                              "query:\n"
                                                              "  max_series: 500\n"
                                                              "  max_samples: 1000000\n"
                                                              "  max_points: 2000\n"
                                                              "  timeout: 30s\n"
                                                              "  lookback_delta: 2m\n"
                                                              "  rollup_min_range: 6h\n"));
  REQUIRE(config.ok());
  CHECK(config->query.limits.max_series == 500);
  CHECK(config->query.limits.max_samples == 1'000'000);
  CHECK(config->query.limits.max_points == 2000);
  CHECK(config->query.limits.timeout == absl::Seconds(30));
  CHECK(config->query.lookback_delta_ms == 120'000);
  CHECK(config->query.rollup_min_range_ms == 6 * 3'600'000);
  config = Parse(absl::StrCat(kMinimal, "query:\n  rollup_min_range: 0\n"));
  REQUIRE(config.ok());
  CHECK(config->query.rollup_min_range_ms == 0);

  CHECK(ErrorOf(absl::StrCat(kMinimal, "query:\n  timeout: 100ms\n")) ==
        "collector.yaml:7: query.timeout: must be at least 1s");
  CHECK(ErrorOf(absl::StrCat(kMinimal, "query:\n  lookback_delta: 0\n")) ==
        "collector.yaml:7: query.lookback_delta: must be at least 1s");
  CHECK(ErrorOf(absl::StrCat(kMinimal, "query:\n  rollup_min_range: 30s\n")) ==
        "collector.yaml:7: query.rollup_min_range: must be 0 (never read rollups) or at least 1m");
  CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, "query:\n  timeout: soon\n")),
             Catch::StartsWith("collector.yaml:7: query.timeout: "));
}

// A token's SHA-256 as `vigilctl token create` prints it.
constexpr char kHashA[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr char kHashB[] = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

TEST_CASE("The http section: listen, operator roles, default role and tokens") {
  absl::StatusOr<CollectorConfig> config = Parse(absl::StrCat(kMinimal,
                                                              "http:\n"
                                                              "  listen: 0.0.0.0:9443\n"
                                                              "  operator_roles:\n"
                                                              "    alice: admin\n"
                                                              "    bob: operator\n"
                                                              "  default_operator_role: none\n"
                                                              "  tokens:\n"
                                                              "    - name: grafana\n"
                                                              "      role: viewer\n"
                                                              "      sha256: ",
                                                              kHashA,
                                                              "\n"
                                                              "    - {name: ci, role: admin, "
                                                              "sha256: ",
                                                              absl::AsciiStrToUpper(kHashB),
                                                              "}\n"
                                                              "audit:\n"
                                                              "  file: logs/audit.jsonl\n"));
  REQUIRE(config.ok());
  CHECK(config->http.listen == "0.0.0.0:9443");
  CHECK(config->http.access.operator_roles ==
        std::map<std::string, api::Role>{{"alice", api::Role::kAdmin},
                                         {"bob", api::Role::kOperator}});
  CHECK(config->http.access.default_operator_role == api::Role::kNone);
  REQUIRE(config->http.access.tokens.size() == 2);
  CHECK(config->http.access.tokens[0] == api::TokenGrant{"grafana", api::Role::kViewer, kHashA});
  // Hex digits are kept in lower case, as Sha256Hex writes them.
  CHECK(config->http.access.tokens[1] == api::TokenGrant{"ci", api::Role::kAdmin, kHashB});
  CHECK(config->audit_file == "/etc/vigil/logs/audit.jsonl");

  config = Parse(absl::StrCat(kMinimal, "http:\n  listen: \"\"\n"));
  REQUIRE(config.ok());
  CHECK(config->http.listen.empty());
}

TEST_CASE("http errors name the key and what is wrong") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::string tokens = "  tokens:\n";
  const std::string token = "    - name: grafana\n      role: viewer\n";
  const std::vector<Case> cases = {
      {"http:\n  listen: 9443\n",
       "collector.yaml:7: http.listen: must be host:port with a port from 0 to 65535, e.g. "
       "0.0.0.0:7071"},
      {"http:\n  operator_roles:\n    alice: root\n",
       "collector.yaml:8: http.operator_roles.alice: \"root\" is not a role (viewer, operator, "
       "admin)"},
      {"http:\n  operator_roles:\n    alice: none\n",
       "collector.yaml:8: http.operator_roles.alice: must be viewer, operator or admin (remove the "
       "line to use default_operator_role)"},
      {"http:\n  operator_roles: [alice]\n",
       "collector.yaml:7: http.operator_roles: must be a mapping of keys to values"},
      {"http:\n  default_operator_role: guest\n",
       "collector.yaml:7: http.default_operator_role: \"guest\" is not a role (viewer, operator, "
       "admin, none)"},
      {absl::StrCat("http:\n", tokens, token),
       "collector.yaml:8: http.tokens[0].sha256: is required"},
      {absl::StrCat("http:\n", tokens, token, "      sha256: abc\n"),
       "collector.yaml:10: http.tokens[0].sha256: must be the 64 hex digits of the token's "
       "SHA-256 (vigilctl token create prints it)"},
      {absl::StrCat("http:\n  tokens:\n    - name: grafana\n      sha256: ", kHashA, "\n"),
       "collector.yaml:8: http.tokens[0].role: is required (viewer, operator, admin)"},
      {absl::StrCat("http:\n  tokens:\n    - name: a b\n      role: viewer\n      sha256: ", kHashA,
                    "\n"),
       "collector.yaml:8: http.tokens[0].name: must be printable, without spaces or quotes"},
      {absl::StrCat("http:\n", tokens, token, "      sha256: ", kHashA, "\n", token,
                    "      sha256: ", kHashB, "\n"),
       "collector.yaml:11: http.tokens[1].name: \"grafana\" is used twice"},
      {absl::StrCat("http:\n", tokens, token, "      sha256: ", kHashA,
                    "\n    - name: other\n      role: viewer\n      sha256: ", kHashA, "\n"),
       "collector.yaml:13: http.tokens[1].sha256: is the same as token \"grafana\""},
      {absl::StrCat("http:\n", tokens, token, "      sha256: ", kHashA, "\n      secret: x\n"),
       "collector.yaml:11: http.tokens[0].secret: unknown key"},
      {"http:\n  tokens: {name: x}\n", "collector.yaml:7: http.tokens: must be a list"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, c.yaml)), Catch::StartsWith(c.want));
  }
}

TEST_CASE("sync_writes takes a boolean") {
  absl::StatusOr<CollectorConfig> config =
      Parse(absl::StrCat(kMinimal, "storage:\n  sync_writes: no\n"));
  REQUIRE(config.ok());
  CHECK_FALSE(config->storage.sync_writes);
  CHECK(ErrorOf(absl::StrCat(kMinimal, "storage:\n  sync_writes: sometimes\n")) ==
        "collector.yaml:7: storage.sync_writes: must be true or false, not \"sometimes\"");
}

TEST_CASE("log_level must be one of the known levels") {
  struct Case {
    std::string text;
    LogLevel want;
  };
  for (const Case& c : {Case{"debug", LogLevel::kDebug}, Case{"info", LogLevel::kInfo},
                        Case{"warning", LogLevel::kWarning}, Case{"error", LogLevel::kError}}) {
    INFO(c.text);
    absl::StatusOr<CollectorConfig> config = Parse(absl::StrCat(kMinimal, "log_level: ", c.text));
    REQUIRE(config.ok());
    CHECK(config->log_level == c.want);
  }
  for (const char* bad : {"verbose", "INFO", "warn", "\"\""}) {
    INFO(bad);
    CHECK(ErrorOf(absl::StrCat(kMinimal, "\nlog_level: ", bad, "\n")) ==
          "collector.yaml:7: log_level: must be debug, info, warning or error");
  }
}

TEST_CASE("listen must be host:port") {
  for (const char* good : {"0.0.0.0:7070", "127.0.0.1:0", "[::]:7070", "localhost:7070"}) {
    INFO(good);
    absl::StatusOr<CollectorConfig> config =
        Parse(absl::StrCat("listen: \"", good, "\"\n", kMinimal));
    REQUIRE(config.ok());
    CHECK(config->listen == good);
  }
  for (const char* bad : {"127.0.0.1", "localhost", "7070"}) {
    INFO(bad);
    CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, "listen: ", bad, "\n")),
               Catch::StartsWith("collector.yaml:6: listen: must be host:port"));
  }
  CHECK_THAT(ErrorOf(absl::StrCat(kMinimal, "listen: [a, b]\n")),
             Catch::StartsWith("collector.yaml:6: listen: must be a single value"));
}

// Regression: only the ':' was checked, so "127.0.0.1:" or port 70000 failed late, at
// startup, with a misleading "address in use".
TEST_CASE("listen without a port number is rejected") {
  for (const char* bad : {"\"127.0.0.1:\"", "\":\"", "\"db1:\"", "0.0.0.0:70000", "0.0.0.0:-1"}) {
    INFO(bad);
    absl::StatusOr<CollectorConfig> config = Parse(absl::StrCat(kMinimal, "listen: ", bad, "\n"));
    CHECK_FALSE(config.ok());
  }
}

TEST_CASE("A YAML syntax error is reported with line and column") {
  CHECK_THAT(ErrorOf("data_dir: /d\ntls: [a\n"),
             Catch::StartsWith("collector.yaml:3:1: YAML syntax:"));
}

TEST_CASE("storage windows, snapshots and retention per resolution are configurable") {
  absl::StatusOr<CollectorConfig> config = ParseCollectorConfig(
      absl::StrCat(kMinimal,
                   "storage:\n  chunk_span: 15m\n  max_future: 1m\n  head_snapshot_interval: 30s\n"
                   "  cache_size_mb: 64\n  retention:\n    raw: 14d\n    1m: 90d\n    1h: 1095d\n"),
      "collector.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  const storage::TsdbOptions& s = config->storage;
  CHECK(s.chunk_span_ms == 15 * 60'000);
  CHECK(s.max_future_ms == 60'000);
  CHECK(s.head_snapshot_interval_ms == 30'000);
  CHECK(s.block_cache_bytes == 64u << 20);
  CHECK(s.retention.raw_ms == 14LL * 86'400'000);
  CHECK(s.retention.minute_ms == 90LL * 86'400'000);
  CHECK(s.retention.hour_ms == 3LL * 365 * 86'400'000);

  absl::StatusOr<CollectorConfig> defaults =
      ParseCollectorConfig(kMinimal, "collector.yaml", "/etc/vigil");
  REQUIRE(defaults.ok());
  CHECK(defaults->storage.retention.raw_ms == 30LL * 86'400'000);
  CHECK(defaults->storage.retention.minute_ms == 400LL * 86'400'000);
  CHECK(defaults->storage.retention.hour_ms == 5LL * 365 * 86'400'000);
  CHECK(defaults->storage.chunk_span_ms == 10 * 60'000);

  struct Case {
    std::string yaml;
    std::string want;
  } cases[] = {
      {"storage:\n  chunk_span: 7m\n", "storage.chunk_span: must be a whole number of minutes"},
      {"storage:\n  chunk_span: 30s\n", "storage.chunk_span: must be at least 1m"},
      {"storage:\n  retention:\n    raw: 365d\n    1m: 30d\n", "storage.retention.1m: retention"},
      {"storage:\n  retention:\n    5m: 30d\n", "storage.retention.5m: unknown key"},
      {"storage:\n  cache_size_mb: 1\n", "storage.cache_size_mb: must be at least 8"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    absl::StatusOr<CollectorConfig> bad =
        ParseCollectorConfig(absl::StrCat(kMinimal, c.yaml), "collector.yaml", "/etc/vigil");
    REQUIRE(!bad.ok());
    CHECK_THAT(std::string(bad.status().message()), Catch::Contains(c.want));
  }
}

}  // namespace
}  // namespace vigil::collector
