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
  CHECK(config->link.address == "db-collector:7070");
  CHECK(config->link.tls.ca == "/etc/vigil/ca.crt");
  CHECK(config->interval == absl::Seconds(1));
  CHECK(config->sources.size() == 9);
  CHECK(config->source_intervals.at("postgres") == absl::Seconds(5));
  CHECK(config->source_options.proc_root == "/proc");
}

TEST_CASE("agent config options are applied and validated", "[config]") {
  std::string yaml = std::string(kMinimal) +
                     "interval: 2s\nsources: [cpu, postgres]\nintervals:\n  postgres: 10s\n"
                     "paths:\n  proc: /host/proc\npostgres:\n  expected:\n    - port: 5432\n"
                     "oracle:\n  expected_sids: [ORCL]\nbuffer:\n  max_bytes: 1048576\n";
  auto config = ParseAgentConfig(yaml, "agent.yaml", "/etc/vigil");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->interval == absl::Seconds(2));
  CHECK(config->sources == std::vector<std::string>{"cpu", "postgres"});
  CHECK(config->source_intervals.at("postgres") == absl::Seconds(10));
  CHECK(config->source_options.proc_root == "/host/proc");
  REQUIRE(config->source_options.expected_postgres.size() == 1);
  CHECK(config->source_options.expected_postgres[0].port == "5432");
  CHECK(config->source_options.expected_oracle_sids == std::vector<std::string>{"ORCL"});
  CHECK(config->buffer_max_bytes == 1048576);
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
