#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "agent/config.h"
#include "agent/host_facts.h"

namespace vigil::agent {
namespace {

constexpr const char* kMinimal =
    "collector:\n  address: db-collector:7070\ntls:\n  ca: ca.crt\n  cert: db1.crt\n"
    "  key: db1.key\n";

TEST_CASE("a minimal agent config gets the defaults", "[config]") {
  auto config = ParseAgentConfig(kMinimal, "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->link.addresses == std::vector<std::string>{"db-collector:7070"});
  CHECK(config->outbox.spool.dir == kDefaultSpoolDir);
  CHECK(config->outbox.spool.max_bytes == (1ull << 30));
  CHECK(config->outbox.spool.max_age == absl::Hours(168));
  CHECK(config->link.tls.ca == "/etc/vigil/ca.crt");
  CHECK(config->interval == absl::Seconds(1));
  CHECK(config->sources.size() == 20);
  CHECK(config->source_intervals.at("listen_sockets") == absl::Seconds(30));
  CHECK(config->source_intervals.at("kernel_params") == absl::Minutes(1));
  CHECK(config->source_options.security.listen_allowlist.empty());
  CHECK(config->source_options.state_dir == "/var/lib/vigil-agent");
  CHECK(config->source_options.file_watch.auto_discover);
  CHECK(config->source_options.backups.locations.empty());
  CHECK(config->source_options.logins_enabled);
  CHECK(config->source_options.logins_path == "auto");
  CHECK(config->source_intervals.at("postgres") == absl::Seconds(5));
  CHECK(config->source_options.proc_root == "/proc");
}

TEST_CASE("the security section sets the listen allowlist and names a bad entry's line",
          "[config]") {
  auto config =
      ParseAgentConfig(std::string(kMinimal) +
                           "security:\n  listen_allowlist:\n    - tcp:22\n    - udp:123 chronyd\n",
                       "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  REQUIRE(config->source_options.security.listen_allowlist.size() == 2);
  CHECK(config->source_options.security.listen_allowlist[1].process == "chronyd");

  config = ParseAgentConfig(std::string(kMinimal) + "security:\n  listen_allowlist:\n    - ssh\n",
                            "agent.yaml", "/etc/vigil");
  REQUIRE_FALSE(config.ok());
  CHECK(absl::StartsWith(config.status().message(),
                         "agent.yaml:9: security.listen_allowlist[0]: \"ssh\" must be"));
}

TEST_CASE("postgres.instances reaches the postgres_sql source; errors name file, line and key",
          "[config]") {
  std::string yaml = std::string(kMinimal) +
                     "postgres:\n  instances:\n    - name: hisdb\n      port: 5433\n"
                     "      password_file: pg.pass\n";
  auto config = ParseAgentConfig(yaml, "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  REQUIRE(config->source_options.postgres_instances.size() == 1);
  CHECK(config->source_options.postgres_instances[0].name == "hisdb");
  CHECK(config->source_options.postgres_instances[0].port == 5433);
  CHECK(config->source_options.postgres_instances[0].password_file == "/etc/vigil/pg.pass");
  auto bad = ParseAgentConfig(std::string(kMinimal) + "postgres:\n  instances:\n    - port: 0\n",
                              "agent.yaml", "/etc/vigil");
  REQUIRE(!bad.ok());
  CHECK(absl::StrContains(bad.status().message(), "agent.yaml:9: postgres.instances[0].port"));
}

TEST_CASE("agent config options are applied and validated", "[config]") {
  std::string yaml = std::string(kMinimal) +
                     "interval: 2s\nsources: [cpu, postgres]\nintervals:\n  postgres: 10s\n"
                     "paths:\n  proc: /host/proc\npostgres:\n  expected:\n    - port: 5432\n"
                     "oracle:\n  expected_sids: [ORCL]\n"
                     "backups:\n  locations:\n    - {name: rman, path: /b, glob: '*.bkp'}\n"
                     "file_watch:\n  paths: [/etc/oratab]\n"
                     "spool:\n  dir: spool\n  max_bytes: 64MiB\n  max_age: 48h\n"
                     "  memory_max_bytes: 512KiB\n"
                     "logins:\n  enabled: false\n  path: /var/log/secure\n";
  auto config = ParseAgentConfig(yaml, "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->interval == absl::Seconds(2));
  CHECK(config->sources == std::vector<std::string>{"cpu", "postgres"});
  CHECK(config->source_intervals.at("postgres") == absl::Seconds(10));
  CHECK(config->source_options.proc_root == "/host/proc");
  REQUIRE(config->source_options.expected_postgres.size() == 1);
  CHECK(config->source_options.expected_postgres[0].port == "5432");
  CHECK(config->source_options.oracle.expected_sids == std::vector<std::string>{"ORCL"});
  CHECK(config->outbox.spool.dir == "/etc/vigil/spool");
  CHECK(config->source_options.state_dir == "/etc/vigil");
  REQUIRE(config->source_options.backups.locations.size() == 1);
  CHECK(config->source_options.backups.locations[0].glob == "*.bkp");
  REQUIRE(config->source_options.file_watch.paths.size() == 1);
  CHECK(config->source_options.file_watch.paths[0].path == "/etc/oratab");
  CHECK(config->outbox.spool.max_bytes == 64 << 20);
  CHECK(config->outbox.spool.max_age == absl::Hours(48));
  CHECK(config->outbox.memory_max_bytes == 512 << 10);
  CHECK(config->source_options.state_dir == "/etc/vigil");  // the spool's parent
  CHECK_FALSE(config->source_options.logins_enabled);
  CHECK(config->source_options.logins_path == "/var/log/secure");
  config = ParseAgentConfig(yaml + "state_dir: /srv/vigil-state\n", "agent.yaml", "/etc/vigil");
  REQUIRE(config.ok());
  CHECK(config->source_options.state_dir == "/srv/vigil-state");
}

TEST_CASE("an agent may list several collectors, in failover order", "[config]") {
  auto config = ParseAgentConfig(
      "collector:\n  addresses: [a:7070, b:7070]\n  failback_after: 5m\n"
      "tls: {ca: ca.crt, cert: c.crt, key: c.key}\n",
      "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->link.addresses == std::vector<std::string>{"a:7070", "b:7070"});
  CHECK(config->link.failback_after == absl::Minutes(5));
}

TEST_CASE("agent config errors name the file, line and key", "[config]") {
  struct Case {
    std::string extra;
    std::string expected;
  };
  const Case cases[] = {
      {"sources: [cpu, gpu]\n", "agent.yaml:7: sources: unknown source \"gpu\""},
      {"intervals:\n  cpu: 1500ms\n", "agent.yaml:8: intervals.cpu: must be a whole multiple"},
      {"intervals:\n  disk: 5s\n", "agent.yaml:8: intervals.disk: unknown key"},
      {"interval: 10ms\n", "agent.yaml:7: interval: must be between"},
      {"diskstats:\n  exclude_devices: \"(\"\n",
       "agent.yaml:8: diskstats.exclude_devices: invalid regular expression"},
      {"colector: {}\n", "agent.yaml:7: colector: unknown key"},
      {"postgres:\n  expected:\n    - data_dir: /x\n", "postgres.expected[0].port: is required"},
      {"spool:\n  max_bytes: 10 parsecs\n", "agent.yaml:8: spool.max_bytes: must be a size"},
      {"spool:\n  max_bytes: 1000\n", "agent.yaml:8: spool.max_bytes: must be at least 256KiB"},
      {"spool:\n  max_age: 1m\n", "agent.yaml:8: spool.max_age: must be at least 10m"},
      {"buffer:\n  max_bytes: 1\n", "agent.yaml:7: buffer: unknown key"},
      {"logins:\n  file: /x\n", "agent.yaml:8: logins.file: unknown key"},
      {"logins:\n  path: \"\"\n", "agent.yaml:8: logins.path: must be a path"},
  };
  for (const Case& c : cases) {
    auto config = ParseAgentConfig(std::string(kMinimal) + c.extra, "agent.yaml", "/etc/vigil");
    INFO(c.extra);
    REQUIRE_FALSE(config.ok());
    INFO(config.status().message());
    CHECK(absl::StrContains(config.status().message(), c.expected));
  }
  auto missing = ParseAgentConfig("tls: {}\n", "agent.yaml", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(absl::StrContains(missing.status().message(), "collector: is required"));
}

TEST_CASE("os-release is parsed with and without quotes", "[facts]") {
  v1::HostFacts facts;
  ParseOsRelease(
      "PRETTY_NAME=\"Red Hat Enterprise Linux Server 7.9 (Maipo)\"\nID=\"rhel\"\n"
      "VERSION_ID=7.9\nNAME='x'\n# comment\n",
      &facts);
  CHECK(facts.os_pretty_name() == "Red Hat Enterprise Linux Server 7.9 (Maipo)");
  CHECK(facts.os_id() == "rhel");
  CHECK(facts.os_version_id() == "7.9");
}

}  // namespace
}  // namespace vigil::agent
