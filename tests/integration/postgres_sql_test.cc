// The postgres_sql source against real PostgreSQL clusters (pg_cluster.h): a primary
// with load (commits, a rollback, a deadlock, temp files, a long transaction, an idle
// transaction, a lock wait, failing WAL archiving, an inactive slot) and a streaming
// standby; every metric is checked against what PostgreSQL itself reports. Then the
// failures: a wrong password, an unreachable instance, a hung server.
#include "agent/sources/postgres_sql.h"

#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/sources/pg_connection.h"
#include "common/child_process.h"
#include "tests/integration/cluster.h"
#include "tests/integration/pg_cluster.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::PgCluster;
using testing::PgClusterOptions;
using testing::PgSession;
using testing::RecordingSink;

constexpr char kPassword[] = "vigil-secret";

// The newest value of each series over many Collect() calls, and every event.
class Latest {
 public:
  void Collect(Source& source) {
    RecordingSink sink;
    TickContext tick{absl::Now(), nullptr};
    REQUIRE(source.Collect(tick, sink).ok());
    for (const testing::RecordedSample& s : sink.samples()) {
      values_[Key(s.metric, s.labels)] = s.value;
      ++counts_[Key(s.metric, s.labels)];
    }
    for (const Event& e : sink.events()) events_.push_back(e);
  }
  std::optional<double> Get(const std::string& metric,
                            std::vector<std::pair<std::string, std::string>> labels) const {
    std::sort(labels.begin(), labels.end());
    auto it = values_.find(Key(metric, labels));
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  int Count(const std::string& metric,
            std::vector<std::pair<std::string, std::string>> labels) const {
    std::sort(labels.begin(), labels.end());
    auto it = counts_.find(Key(metric, labels));
    return it == counts_.end() ? 0 : it->second;
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  static std::string Key(const std::string& metric,
                         const std::vector<std::pair<std::string, std::string>>& labels) {
    std::string key = metric;
    for (const auto& [k, v] : labels) absl::StrAppend(&key, "|", k, "=", v);
    return key;
  }
  std::map<std::string, double> values_;
  std::map<std::string, int> counts_;
  std::vector<Event> events_;
};

double Num(const std::string& text) {
  double v = 0;
  INFO(text);
  REQUIRE(absl::SimpleAtod(text, &v));
  return v;
}

PostgresInstanceOptions Instance(const std::string& name, const PgCluster& cluster,
                                 const std::string& password_file) {
  PostgresInstanceOptions o;
  o.name = name;
  o.port = cluster.port();
  if (password_file.empty()) {
    o.host = cluster.socket_dir();  // local: trusted
  } else {
    o.host = "127.0.0.1";  // TCP: scram-sha-256
    o.password_file = password_file;
  }
  o.sslmode = "disable";
  o.interval = o.database_interval = o.size_interval = o.statements_interval = absl::Seconds(1);
  o.query_timeout = absl::Seconds(2);
  return o;
}

std::string WritePasswordFile(const PgCluster& cluster, const std::string& name,
                              const std::string& password) {
  const std::string path = cluster.Path(name);
  FILE* f = fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  fprintf(f, "%s\n", password.c_str());
  fclose(f);
  chmod(path.c_str(), 0600);
  return path;
}

using L = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("postgres_sql reports a loaded primary and its streaming standby as PostgreSQL does",
          "[postgres]") {
  if (!testing::CanRunPostgres()) {
    WARN("skipped: needs root, the postgres user and PostgreSQL server binaries");
    return;
  }
  PgCluster primary;
  PgSession admin(primary.Conninfo());
  admin.Exec("CREATE DATABASE appdb");
  admin.Exec("CREATE TABLE t (id int PRIMARY KEY, v int)");
  admin.Exec("INSERT INTO t SELECT g, 0 FROM generate_series(1, 1000) g");
  PgCluster standby(primary, "standby_1");
  REQUIRE(WaitFor(
      [&] {
        return admin.Exec("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") ==
               "1";
      },
      absl::Seconds(60)));
  admin.Exec("SELECT pg_create_physical_replication_slot('stale_slot', true)");

  // Load: commits, a rollback in appdb, a deadlock, temp files, a checkpoint, WAL to archive.
  for (int i = 0; i < 20; ++i)
    admin.Exec(absl::StrCat("UPDATE t SET v = v + 1 WHERE id = ", i + 1));
  {
    PgSession app(primary.Conninfo("appdb"));
    app.Exec("CREATE TABLE a (x int)");
    app.Exec("BEGIN");
    app.Exec("INSERT INTO a VALUES (1)");
    app.Exec("ROLLBACK");
  }
  {
    PgSession one(primary.Conninfo()), two(primary.Conninfo());
    one.Exec("BEGIN");
    two.Exec("BEGIN");
    one.Exec("UPDATE t SET v = 1 WHERE id = 1");
    two.Exec("UPDATE t SET v = 2 WHERE id = 2");
    one.Send("UPDATE t SET v = 1 WHERE id = 2");
    two.Send("UPDATE t SET v = 2 WHERE id = 1");
    const std::string e1 = one.Finish(), e2 = two.Finish();
    CHECK((absl::StrContains(e1, "deadlock") || absl::StrContains(e2, "deadlock")));
    one.Exec("ROLLBACK");
    two.Exec("ROLLBACK");
  }
  {
    // A session that ends: its statistics reach pg_stat_database when it disconnects.
    PgSession sorter(primary.Conninfo());
    sorter.Exec("SET work_mem = '64kB'");
    sorter.Exec(
        "SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s");
  }
  // A statement whose text holds a password, costly enough (SCRAM hashing, 300 times) to
  // rank in the top 10: the snapshot must not carry its text.
  admin.Exec("CREATE ROLE scratch LOGIN");
  admin.Exec(
      "DO $$BEGIN FOR i IN 1..300 LOOP EXECUTE 'ALTER ROLE scratch PASSWORD ''Zebra-7731-x''';"
      " END LOOP; END$$");
  admin.Exec("CHECKPOINT");
  admin.Exec("SELECT pg_switch_wal()");
  REQUIRE(WaitFor([&] { return Num(admin.Exec("SELECT failed_count FROM pg_stat_archiver")) > 0; },
                  absl::Seconds(60)));

  // Sessions held open: a long idle transaction, a lock holder (idle in transaction), a
  // session waiting on its lock, a long query.
  PgSession long_tx(primary.Conninfo()), holder(primary.Conninfo()), waiter(primary.Conninfo()),
      sleeper(primary.Conninfo());
  long_tx.Exec("BEGIN");
  long_tx.Exec("SELECT txid_current()");
  holder.Exec("BEGIN");
  holder.Exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
  waiter.Send("SELECT count(*) FROM t");
  sleeper.Send("SELECT pg_sleep(600)");
  REQUIRE(WaitFor(
      [&] {
        return admin.Exec("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") ==
               "1";
      },
      absl::Seconds(30)));

  SourceOptions options;
  const std::string password_file = WritePasswordFile(primary, "vigil.pass", kPassword);
  options.postgres_instances = {Instance("primary", primary, password_file),
                                Instance("standby", standby, ""),
                                Instance("appdb", primary, password_file)};
  options.postgres_instances[2].dbname = "appdb";
  absl::StatusOr<std::unique_ptr<Source>> source = CreatePostgresSqlSource(options);
  REQUIRE(source.ok());
  Latest latest;
  // Two pg_stat_statements snapshots of the primary, and everything else at least once.
  REQUIRE(WaitFor(
      [&] {
        latest.Collect(**source);
        return latest.Count("pg_top_sql_snapshots_total", {{"instance_name", "primary"}}) >= 2 &&
               latest.Get("pg_top_sql_snapshots_total", {{"instance_name", "primary"}}) >= 2 &&
               latest.Get("pg_database_size_bytes",
                          {{"instance_name", "primary"}, {"datname", "appdb"}}) &&
               latest.Get("pg_wal_receiver_streaming", {{"instance_name", "standby"}}) &&
               latest.Get("pg_stat_statements_available", {{"instance_name", "appdb"}});
      },
      absl::Seconds(60)));
  const L p = {{"instance_name", "primary"}};
  const L s = {{"instance_name", "standby"}};
  auto with = [](L labels, std::string k, std::string v) {
    labels.emplace_back(std::move(k), std::move(v));
    return labels;
  };

  // Server
  CHECK(latest.Get("pg_up", p) == 1);
  CHECK(latest.Get("pg_up", s) == 1);
  CHECK(latest.Get("pg_version_num", p) == Num(admin.Exec("SHOW server_version_num")));
  const std::string version = admin.Exec("SHOW server_version");
  CHECK(latest.Get("pg_info", with(p, "version", version.substr(0, version.find(' ')))) == 1);
  CHECK(std::abs(*latest.Get("pg_start_time_seconds", p) -
                 Num(admin.Exec("SELECT extract(epoch FROM pg_postmaster_start_time())"))) < 0.01);
  CHECK(latest.Get("pg_uptime_seconds", p) > 0);
  CHECK(latest.Get("pg_in_recovery", p) == 0);
  CHECK(latest.Get("pg_in_recovery", s) == 1);
  CHECK(latest.Get("pg_max_connections", p) == Num(admin.Exec("SHOW max_connections")));

  // Sessions (the monitoring's own session is not counted; the admin session is idle
  // between statements)
  CHECK(latest.Get("pg_connections", with(p, "state", "idle in transaction")) == 2);
  CHECK(latest.Get("pg_connections", with(p, "state", "active")) >= 2);
  CHECK(latest.Get("pg_idle_in_transaction_sessions", p) == 2);
  CHECK(latest.Get("pg_lock_waiting_sessions", p) == 1);
  const double oldest_xact = Num(admin.Exec(
      "SELECT max(extract(epoch FROM now() - xact_start)) FROM pg_stat_activity WHERE pid = " +
      std::to_string(long_tx.pid())));
  CHECK(*latest.Get("pg_oldest_transaction_age_seconds", p) <= oldest_xact + 0.5);
  CHECK(*latest.Get("pg_oldest_transaction_age_seconds", p) >= oldest_xact - 3);
  const double sleeping = Num(admin.Exec(
      "SELECT extract(epoch FROM now() - query_start) FROM pg_stat_activity WHERE pid = " +
      std::to_string(sleeper.pid())));
  CHECK(*latest.Get("pg_longest_query_age_seconds", p) <= sleeping + 0.5);
  CHECK(*latest.Get("pg_longest_query_age_seconds", p) >= sleeping - 3);
  const double idle_age = Num(admin.Exec(
      "SELECT max(extract(epoch FROM now() - state_change)) FROM pg_stat_activity WHERE state = "
      "'idle in transaction'"));
  CHECK(*latest.Get("pg_idle_in_transaction_oldest_age_seconds", p) <= idle_age + 0.5);
  CHECK(*latest.Get("pg_idle_in_transaction_oldest_age_seconds", p) >= idle_age - 3);

  // Replication seen from the primary
  const std::string app = admin.Exec("SELECT application_name FROM pg_stat_replication");
  const L standby_labels = with(with(p, "application_name", app), "client_addr", "127.0.0.1");
  CHECK(latest.Get("pg_replication_standby_streaming", standby_labels) == 1);
  CHECK(latest.Get("pg_replication_standbys", p) == 1);
  for (const char* kind : {"sent", "write", "flush", "replay"}) {
    INFO(kind);
    const std::optional<double> lag =
        latest.Get(absl::StrCat("pg_replication_", kind, "_lag_bytes"), standby_labels);
    REQUIRE(lag.has_value());
    CHECK(*lag >= 0);
    CHECK(*lag < 16 << 20);
  }
  CHECK(latest.Get("pg_replication_replay_lag_seconds", standby_labels) >= 0);
  CHECK(latest.Get("pg_replication_slot_active",
                   with(with(p, "slot_name", "standby_1"), "slot_type", "physical")) == 1);
  const L stale = with(with(p, "slot_name", "stale_slot"), "slot_type", "physical");
  CHECK(latest.Get("pg_replication_slot_active", stale) == 0);
  const double retained = Num(admin.Exec(
      "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE "
      "slot_name = 'stale_slot'"));
  CHECK(*latest.Get("pg_replication_slot_retained_wal_bytes", stale) > 0);
  CHECK(*latest.Get("pg_replication_slot_retained_wal_bytes", stale) <= retained);

  // The standby
  CHECK(latest.Get("pg_wal_receiver_streaming", s) == 1);
  CHECK(latest.Get("pg_standby_receive_replay_lag_bytes", s) >= 0);
  CHECK(latest.Get("pg_standby_replay_lag_seconds", s) >= 0);
  CHECK(latest.Get("pg_replication_standbys", s).value_or(0) == 0);

  // Archiving (archive_command = false: every attempt fails)
  const double failed = Num(admin.Exec("SELECT failed_count FROM pg_stat_archiver"));
  CHECK(latest.Get("pg_stat_archiver_failed_count_total", p) >= 1);
  CHECK(latest.Get("pg_stat_archiver_failed_count_total", p) <= failed);
  CHECK(latest.Get("pg_stat_archiver_archived_count_total", p) == 0);
  CHECK(latest.Get("pg_stat_archiver_failing", p) == 1);
  CHECK(latest.Get("pg_stat_archiver_last_failure_age_seconds", p) >= 0);
  CHECK(!latest.Get("pg_stat_archiver_last_archive_age_seconds", p).has_value());

  // Checkpoints
  CHECK(latest.Get("pg_stat_bgwriter_checkpoints_req_total", p) >= 1);
  CHECK(latest.Get("pg_stat_bgwriter_checkpoints_req_total", p) <=
        Num(admin.Exec("SELECT checkpoints_req FROM pg_stat_bgwriter")));
  CHECK(latest.Get("pg_stat_bgwriter_buffers_alloc_total", p) > 0);

  // Per database
  const L pg_db = with(p, "datname", "postgres");
  const L app_db = with(p, "datname", "appdb");
  CHECK(latest.Get("pg_stat_database_xact_rollback_total", app_db) >= 1);
  CHECK(latest.Get("pg_stat_database_deadlocks_total", pg_db) >= 1);
  CHECK(latest.Get("pg_stat_database_deadlocks_total", pg_db) ==
        Num(admin.Exec("SELECT deadlocks FROM pg_stat_database WHERE datname = 'postgres'")));
  CHECK(latest.Get("pg_stat_database_temp_bytes_total", pg_db) ==
        Num(admin.Exec("SELECT temp_bytes FROM pg_stat_database WHERE datname = 'postgres'")));
  CHECK(latest.Get("pg_stat_database_temp_bytes_total", pg_db) > 0);
  const double commits =
      Num(admin.Exec("SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'"));
  CHECK(latest.Get("pg_stat_database_xact_commit_total", pg_db) > 20);
  CHECK(latest.Get("pg_stat_database_xact_commit_total", pg_db) <= commits);
  CHECK(latest.Get("pg_stat_database_blks_hit_total", pg_db) > 0);
  CHECK(latest.Get("pg_stat_database_blks_read_total", pg_db) >= 0);
  const double xid_age =
      Num(admin.Exec("SELECT age(datfrozenxid) FROM pg_database WHERE datname = 'postgres'"));
  const double frozen_age = *latest.Get("pg_database_frozen_xid_age", pg_db);
  CHECK(frozen_age <= xid_age);
  CHECK(frozen_age >= xid_age - 100);
  CHECK(latest.Get("pg_database_xid_wraparound_ratio", pg_db) == Approx(frozen_age / 2147483648.0));
  CHECK(latest.Get("pg_database_freeze_max_age_ratio", pg_db) ==
        Approx(frozen_age / Num(admin.Exec("SHOW autovacuum_freeze_max_age"))));
  const double size = Num(admin.Exec("SELECT pg_database_size('appdb')"));
  CHECK(std::abs(*latest.Get("pg_database_size_bytes", app_db) - size) < 1 << 20);

  // pg_stat_statements: one event per snapshot; the second one carries deltas
  CHECK(latest.Get("pg_stat_statements_available", p) == 1);
  CHECK(latest.Get("pg_stat_statements_available", {{"instance_name", "appdb"}}) == 0);
  std::vector<Event> top;
  for (const Event& e : latest.events()) {
    if (e.kind == "pg_top_sql" && e.labels == L{{"instance_name", "primary"}}) top.push_back(e);
  }
  REQUIRE(top.size() >= 2);
  INFO(top.back().message);
  CHECK(absl::StartsWith(top.back().message, "top 10 of "));
  CHECK(absl::StrContains(top.back().message, "generate_series"));
  CHECK(absl::StrContains(top.back().message, "since the last snapshot"));
  CHECK(absl::StrContains(top.back().message, "text withheld"));
  for (const Event& e : latest.events()) CHECK_FALSE(absl::StrContains(e.message, "Zebra-7731"));

  // Nothing failed
  for (const char* query : {"server", "activity", "replication", "slots", "standby", "archiver",
                            "checkpoints", "databases", "sizes", "statements"}) {
    INFO(query);
    CHECK(latest.Get("pg_query_errors_total", with(p, "query", query)) == 0);
    CHECK(latest.Get("pg_query_errors_total", with(s, "query", query)) == 0);
  }
  CHECK(latest.Get("vigil_agent_job_up",
                   {{"source", "postgres_sql"}, {"job", "primary:activity"}}) == 1);

  // The monitoring sessions are read-only and named
  CHECK(admin.Exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'vigil-agent' "
                   "AND usename = 'vigil'") == "2");
  holder.Exec("ROLLBACK");
  waiter.Finish();
  source->reset();
}

TEST_CASE("a wrong password or an unreachable instance is pg_up 0, named, without the password",
          "[postgres]") {
  if (!testing::CanRunPostgres()) {
    WARN("skipped: needs root, the postgres user and PostgreSQL server binaries");
    return;
  }
  PgCluster cluster(PgClusterOptions{.archive_command = "", .pg_stat_statements = false});
  const std::string wrong = "not-the-password-42";
  PostgresInstanceOptions bad =
      Instance("wrongpw", cluster, WritePasswordFile(cluster, "bad", wrong));
  PostgresInstanceOptions gone = Instance("gone", cluster, "");
  gone.host = "127.0.0.1";
  gone.port = testing::FreePort();
  PostgresInstanceOptions good =
      Instance("good", cluster, WritePasswordFile(cluster, "good", kPassword));

  absl::StatusOr<std::unique_ptr<PgConnection>> conn = PgConnection::Connect(bad, nullptr);
  REQUIRE(!conn.ok());
  INFO(conn.status().message());
  CHECK(absl::StrContains(conn.status().message(), "instance wrongpw"));
  CHECK(absl::StrContains(conn.status().message(), "password authentication failed"));
  CHECK(!absl::StrContains(conn.status().message(), wrong));
  conn = PgConnection::Connect(gone, nullptr);
  REQUIRE(!conn.ok());
  CHECK(absl::StrContains(conn.status().message(), "instance gone"));
  REQUIRE(PgConnection::Connect(good, nullptr).ok());

  SourceOptions options;
  options.postgres_instances = {bad, gone, good};
  absl::StatusOr<std::unique_ptr<Source>> source = CreatePostgresSqlSource(options);
  REQUIRE(source.ok());
  Latest latest;
  REQUIRE(WaitFor(
      [&] {
        latest.Collect(**source);
        return latest.Get("pg_up", {{"instance_name", "wrongpw"}}) &&
               latest.Get("pg_up", {{"instance_name", "gone"}}) &&
               latest.Get("pg_up", {{"instance_name", "good"}});
      },
      absl::Seconds(30)));
  CHECK(latest.Get("pg_up", {{"instance_name", "wrongpw"}}) == 0);
  CHECK(latest.Get("pg_up", {{"instance_name", "gone"}}) == 0);
  CHECK(latest.Get("pg_up", {{"instance_name", "good"}}) == 1);
  CHECK(latest.Get("vigil_agent_job_up",
                   {{"source", "postgres_sql"}, {"job", "wrongpw:activity"}}) == 0);
  CHECK(latest.Get("vigil_agent_job_up", {{"source", "postgres_sql"}, {"job", "good:activity"}}) ==
        1);
}

TEST_CASE("a hung server is given up at the query timeout; other instances and Collect go on",
          "[postgres]") {
  if (!testing::CanRunPostgres()) {
    WARN("skipped: needs root, the postgres user and PostgreSQL server binaries");
    return;
  }
  PgCluster cluster(PgClusterOptions{.archive_command = "", .pg_stat_statements = false});
  PgSession admin(cluster.Conninfo());
  admin.Exec("CREATE DATABASE other");
  PostgresInstanceOptions hung = Instance("hung", cluster, "");
  PostgresInstanceOptions fine = Instance("fine", cluster, "");
  fine.dbname = "other";
  SourceOptions options;
  options.postgres_instances = {hung, fine};
  absl::StatusOr<std::unique_ptr<Source>> source = CreatePostgresSqlSource(options);
  REQUIRE(source.ok());
  Latest latest;
  REQUIRE(WaitFor(
      [&] {
        latest.Collect(**source);
        return latest.Get("pg_up", {{"instance_name", "hung"}}) == 1 &&
               latest.Get("pg_up", {{"instance_name", "fine"}}) == 1;
      },
      absl::Seconds(30)));

  // Freeze the backend serving "hung": neither statement_timeout nor a cancel request can
  // end its query, only the agent's own deadline.
  const int pid = static_cast<int>(Num(admin.Exec(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'vigil-agent' AND datname = "
      "'postgres'")));
  REQUIRE(kill(pid, SIGSTOP) == 0);
  struct Resume {
    int pid;
    ~Resume() { kill(pid, SIGCONT); }
  } resume{pid};
  auto hung_errors = [&] {
    double sum = 0;
    for (const char* q : {"server", "activity", "replication", "slots", "standby", "archiver",
                          "checkpoints", "databases", "sizes", "statements_available"}) {
      sum += latest.Get("pg_query_errors_total", {{"instance_name", "hung"}, {"query", q}})
                 .value_or(0);
    }
    return sum;
  };
  const int fine_runs_before = latest.Count("pg_up", {{"instance_name", "fine"}});
  absl::Duration slowest_collect;
  REQUIRE(WaitFor(
      [&] {
        const absl::Time start = absl::Now();
        latest.Collect(**source);
        slowest_collect = std::max(slowest_collect, absl::Now() - start);
        return hung_errors() > 0;
      },
      absl::Seconds(30)));
  // Given up, and connected again on a new backend while the old one is still frozen.
  REQUIRE(WaitFor(
      [&] {
        const absl::Time start = absl::Now();
        latest.Collect(**source);
        slowest_collect = std::max(slowest_collect, absl::Now() - start);
        return latest.Get("pg_up", {{"instance_name", "hung"}}) == 1 &&
               admin.Exec(
                   absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE application_name "
                                "= 'vigil-agent' AND datname = 'postgres' AND pid <> ",
                                pid)) == "1";
      },
      absl::Seconds(30)));
  // "fine" kept reporting every second meanwhile; Collect never waited for "hung".
  CHECK(latest.Count("pg_up", {{"instance_name", "fine"}}) >= fine_runs_before + 2);
  CHECK(latest.Get("pg_up", {{"instance_name", "fine"}}) == 1);
  CHECK(slowest_collect < absl::Milliseconds(500));
  source->reset();
}

}  // namespace
}  // namespace vigil::agent
