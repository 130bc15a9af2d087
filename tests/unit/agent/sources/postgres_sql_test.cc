// postgres_sql without a server: the `postgres.instances` options, and the functions
// that turn query rows into samples and the pg_top_sql event. The source against real
// clusters is in tests/integration/postgres_sql_test.cc.
#include "agent/sources/postgres_sql.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "agent/sources/postgres_options.h"
#include "common/config_node.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;

absl::Status Parse(const std::string& yaml, std::vector<PostgresInstanceOptions>* out) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "agent.yaml");
  REQUIRE(root.ok());
  return ParsePostgresInstances(root->Child("instances"), "/etc/vigil", out);
}

TEST_CASE("postgres instances: defaults, names, and errors naming file, line and key") {
  std::vector<PostgresInstanceOptions> out;
  REQUIRE(Parse("instances:\n  - port: 5433\n  - name: hisdb\n    host: db1\n"
                "    password_file: pg.pass\n    interval: 30s\n    statements_top: 5\n",
                &out)
              .ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0].name == "5433");
  CHECK(out[0].host == "/var/run/postgresql");
  CHECK(out[0].user == "vigil");
  CHECK(out[0].dbname == "postgres");
  CHECK(out[0].interval == absl::Seconds(15));
  CHECK(out[0].database_interval == absl::Minutes(1));
  CHECK(out[0].size_interval == absl::Minutes(5));
  CHECK(out[0].statements_interval == absl::Minutes(5));
  CHECK(out[0].query_timeout == absl::Seconds(5));
  CHECK(out[0].statements_top == 10);
  CHECK(out[1].name == "hisdb");
  CHECK(out[1].port == 5432);
  CHECK(out[1].password_file == "/etc/vigil/pg.pass");
  CHECK(out[1].interval == absl::Seconds(30));
  CHECK(out[1].statements_top == 5);

  out.clear();
  absl::Status twice = Parse("instances:\n  - port: 5432\n  - name: \"5432\"\n", &out);
  INFO(twice.message());
  CHECK(absl::StrContains(twice.message(), "agent.yaml:3: instances[1].name"));
  out.clear();
  absl::Status mode = Parse("instances:\n  - sslmode: always\n", &out);
  CHECK(absl::StrContains(mode.message(), "agent.yaml:2: instances[0].sslmode"));
  out.clear();
  absl::Status key = Parse("instances:\n  - pasword_file: x\n", &out);
  CHECK(absl::StrContains(key.message(), "pasword_file"));
  out.clear();
  absl::Status timeout = Parse("instances:\n  - interval: 2s\n", &out);
  CHECK(absl::StrContains(timeout.message(), "query_timeout"));
}

PgResult Rows(std::vector<std::string> columns,
              std::vector<std::vector<std::optional<std::string>>> rows) {
  return PgResult{std::move(columns), std::move(rows)};
}

TEST_CASE("activity rows become session counts, ages and lock waits") {
  PgResult rows =
      Rows({"state", "sessions", "oldest_xact_s", "oldest_query_s", "oldest_state_s", "lock_waits"},
           {{"active", "3", "12.5", "40", "40", "1"},
            {"idle", "7", "0", "0", "900", "0"},
            {"idle in transaction", "2", "300", "0", "250", "0"},
            {"idle in transaction (aborted)", "1", "10", "0", "10", "0"}});
  RecordingSink sink;
  AddActivitySamples(rows, "5432", sink);
  CHECK(sink.Find("pg_connections", {{"instance_name", "5432"}, {"state", "active"}}) == 3);
  CHECK(sink.Find("pg_connections", {{"instance_name", "5432"}, {"state", "disabled"}}) == 0);
  CHECK(sink.Find("pg_oldest_transaction_age_seconds", {{"instance_name", "5432"}}) == 300);
  CHECK(sink.Find("pg_longest_query_age_seconds", {{"instance_name", "5432"}}) == 40);
  CHECK(sink.Find("pg_idle_in_transaction_sessions", {{"instance_name", "5432"}}) == 3);
  CHECK(sink.Find("pg_idle_in_transaction_oldest_age_seconds", {{"instance_name", "5432"}}) == 250);
  CHECK(sink.Find("pg_lock_waiting_sessions", {{"instance_name", "5432"}}) == 1);
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("the pg_top_sql event lists the statements and what each added since the last one") {
  const std::vector<std::string> columns = {"queryid", "datname",  "rolname",
                                            "calls",   "total_ms", "mean_ms",
                                            "rows",    "query",    "statements"};
  StatementSnapshot previous;
  Event first = TopSqlEvent(Rows(columns, {{"42", "his", "app", "100", "2000", "20", "100",
                                            "SELECT *\nFROM orders", "57"}}),
                            "5432", absl::FromUnixSeconds(1000), &previous);
  CHECK(first.kind == "pg_top_sql");
  CHECK(first.labels ==
        std::vector<std::pair<std::string, std::string>>{{"instance_name", "5432"}});
  INFO(first.message);
  CHECK(absl::StartsWith(first.message, "top 1 of 57 statements by total execution time\n"));
  CHECK(absl::StrContains(first.message, "db=his user=app queryid=42 calls=100 total=2000.0ms"));
  CHECK(absl::StrContains(first.message, "SELECT * FROM orders"));
  CHECK(!absl::StrContains(first.message, "since the last snapshot"));
  Event second = TopSqlEvent(
      Rows(columns, {{"42", "his", "app", "130", "5000", "38", "130", "SELECT 1", "57"}}), "5432",
      absl::FromUnixSeconds(1300), &previous);
  INFO(second.message);
  CHECK(absl::StrContains(second.message, "(+30 calls, +3000.0 ms since the last snapshot)"));
}

TEST_CASE("queries follow the server version") {
  CHECK(absl::StrContains(PostgresQuerySql("statements", 150004, 10), "total_exec_time"));
  CHECK(absl::StrContains(PostgresQuerySql("statements", 120010, 10), "s.total_time"));
  CHECK(absl::StrContains(PostgresQuerySql("statements", 150004, 7), "LIMIT 7"));
  CHECK(absl::StrContains(PostgresQuerySql("checkpoints", 160000, 10), "pg_stat_bgwriter"));
  CHECK(absl::StrContains(PostgresQuerySql("checkpoints", 170000, 10), "pg_stat_checkpointer"));
  CHECK(PostgresQuerySql("nonsense", 150000, 10).empty());
}

}  // namespace
}  // namespace vigil::agent
