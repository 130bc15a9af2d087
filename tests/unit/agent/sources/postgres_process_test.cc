#include "agent/sources/postgres_process.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/sources/process_table.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using namespace std::string_literals;
using Labels = std::map<std::string, std::string>;

using testing::Matching;
using testing::RecordedSample;
using testing::RecordingSink;
using testing::ValueOf;

std::optional<PostgresRole> Classify(const std::string& title) {
  return ClassifyPostgresTitle(title);
}

TEST_CASE("ClassifyPostgresTitle knows background processes of PostgreSQL 10 to 16", "[process]") {
  using R = PostgresRole;
  // PostgreSQL 10 (and 9.6): " process" suffixes, "bgworker: " prefixes.
  CHECK(Classify("postgres: checkpointer process") == R::kCheckpointer);
  CHECK(Classify("postgres: writer process") == R::kBackgroundWriter);
  CHECK(Classify("postgres: wal writer process") == R::kWalWriter);
  CHECK(Classify("postgres: autovacuum launcher process") == R::kAutovacuumLauncher);
  CHECK(Classify("postgres: stats collector process") == R::kStatsCollector);
  CHECK(Classify("postgres: archiver process   last was 000000010000000000000003") == R::kArchiver);
  CHECK(Classify("postgres: wal sender process repl 10.0.0.2(45678) streaming 0/3000060") ==
        R::kWalSender);
  CHECK(Classify("postgres: wal receiver process   streaming 0/3000060") == R::kWalReceiver);
  CHECK(Classify("postgres: startup process   recovering 000000010000000000000003") == R::kStartup);
  CHECK(Classify("postgres: bgworker: logical replication launcher") ==
        R::kLogicalReplicationLauncher);
  CHECK(Classify("postgres: bgworker: logical replication worker for subscription 16394") ==
        R::kLogicalReplicationWorker);
  CHECK(Classify("postgres: bgworker: parallel worker for PID 4242") == R::kParallelWorker);
  CHECK(Classify("postgres: autovacuum worker process   hisdb") == R::kAutovacuumWorker);
  CHECK(Classify("postgres: logger process") == R::kOther);
  // PostgreSQL 11 to 16.
  CHECK(Classify("postgres: checkpointer") == R::kCheckpointer);
  CHECK(Classify("postgres: background writer") == R::kBackgroundWriter);
  CHECK(Classify("postgres: walwriter") == R::kWalWriter);
  CHECK(Classify("postgres: autovacuum launcher") == R::kAutovacuumLauncher);
  CHECK(Classify("postgres: stats collector") == R::kStatsCollector);  // 11 to 14
  CHECK(Classify("postgres: archiver last was 00000001000000000000000A") == R::kArchiver);
  CHECK(Classify("postgres: archiver failed on 00000001000000000000000A") == R::kArchiver);
  CHECK(Classify("postgres: walsender repl 10.0.0.2(45678) streaming 0/3000060") == R::kWalSender);
  CHECK(Classify("postgres: walsender repl [local] idle") == R::kWalSender);
  CHECK(Classify("postgres: walreceiver streaming 0/3000060") == R::kWalReceiver);
  CHECK(Classify("postgres: walreceiver   streaming 0/3000060") == R::kWalReceiver);
  CHECK(Classify("postgres: startup recovering 000000010000000000000003") == R::kStartup);
  CHECK(Classify("postgres: startup waiting for 000000010000000000000004") == R::kStartup);
  CHECK(Classify("postgres: logical replication launcher") == R::kLogicalReplicationLauncher);
  CHECK(Classify("postgres: logical replication worker for subscription 16394") ==
        R::kLogicalReplicationWorker);
  CHECK(Classify("postgres: logical replication worker for subscription 16394 sync 16385") ==
        R::kLogicalReplicationWorker);
  CHECK(Classify("postgres: logical replication apply worker for subscription 16394") ==
        R::kLogicalReplicationWorker);  // 16
  CHECK(Classify("postgres: logical replication parallel apply worker for subscription 1") ==
        R::kLogicalReplicationWorker);  // 16
  CHECK(Classify("postgres: parallel worker for PID 4242") == R::kParallelWorker);
  CHECK(Classify("postgres: autovacuum worker hisdb") == R::kAutovacuumWorker);
  CHECK(Classify("postgres: logger") == R::kOther);
  CHECK(Classify("postgres: walsummarizer") == R::kOther);  // 17
  // Extension background workers are not client backends.
  CHECK(Classify("postgres: pg_cron launcher") == R::kOther);
  CHECK(Classify("postgres: TimescaleDB Background Worker Launcher") == R::kOther);
}

TEST_CASE("ClassifyPostgresTitle recognises client backends", "[process]") {
  using R = PostgresRole;
  CHECK(Classify("postgres: app hisdb 127.0.0.1(5555) idle") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb 10.1.2.3(40112) SELECT") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb 10.1.2.3(40112) idle in transaction") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb [local] idle") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb ::1(5555) COMMIT") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb his-app01.hospital.local(5555) idle") == R::kClientBackend);
  CHECK(Classify("postgres: app hisdb 10.1.2.3(40112) authentication") == R::kClientBackend);
  // A user called like a background process is still a client.
  CHECK(Classify("postgres: startup hisdb 10.1.2.3(40112) idle") == R::kClientBackend);
}

TEST_CASE("ClassifyPostgresTitle strips cluster_name", "[process]") {
  using R = PostgresRole;
  CHECK(Classify("postgres: 16/main: checkpointer") == R::kCheckpointer);
  CHECK(Classify("postgres: 16/main: background writer") == R::kBackgroundWriter);
  CHECK(Classify("postgres: 16/main: walwriter") == R::kWalWriter);
  CHECK(Classify("postgres: vtest: app hisdb 127.0.0.1(5555) idle") == R::kClientBackend);
  CHECK(Classify("postgres: 16/main: walsender repl 10.0.0.2(45678) streaming 0/3000060") ==
        R::kWalSender);
  CHECK(Classify("postgres: 12/main: logical replication launcher") ==
        R::kLogicalReplicationLauncher);
  CHECK(Classify("postgres: his_prd: autovacuum worker hisdb") == R::kAutovacuumWorker);
  CHECK(Classify("postgres: 10/main: bgworker: logical replication launcher") ==
        R::kLogicalReplicationLauncher);
  CHECK(Classify("postgres: 10/main: wal writer process") == R::kWalWriter);
  // A cluster_name with spaces.
  CHECK(Classify("postgres: his primary: checkpointer") == R::kCheckpointer);
  CHECK(Classify("postgres: his primary: walsender repl 10.0.0.2(45678) streaming 0/1") ==
        R::kWalSender);
  CHECK(Classify("postgres: his primary: app hisdb [local] idle") == R::kClientBackend);
}

TEST_CASE("ClassifyPostgresTitle rejects titles that are not PostgreSQL's", "[process]") {
  CHECK_FALSE(Classify("postgres").has_value());  // forked, title not set yet
  CHECK_FALSE(Classify("/usr/lib/postgresql/16/bin/postgres").has_value());
  CHECK_FALSE(Classify("postgresql-exporter").has_value());
  CHECK_FALSE(Classify("").has_value());
}

TEST_CASE("PostgresRoleName is a label value", "[process]") {
  CHECK(PostgresRoleName(PostgresRole::kBackgroundWriter) == "background_writer");
  CHECK(PostgresRoleName(PostgresRole::kLogicalReplicationLauncher) ==
        "logical_replication_launcher");
  CHECK(PostgresRoleName(PostgresRole::kAutovacuumWorker) == "autovacuum_worker");
  CHECK(PostgresRoleName(PostgresRole::kWalSender) == "walsender");
}

TEST_CASE("IsPostmasterArgv0", "[process]") {
  CHECK(IsPostmasterArgv0("postgres"));
  CHECK(IsPostmasterArgv0("/usr/lib/postgresql/16/bin/postgres"));
  CHECK(IsPostmasterArgv0("/usr/pgsql-12/bin/postmaster"));
  CHECK_FALSE(IsPostmasterArgv0("postgres: checkpointer"));
  CHECK_FALSE(IsPostmasterArgv0("postgres: 16/main: checkpointer"));
  CHECK_FALSE(IsPostmasterArgv0("/usr/bin/postgres_exporter"));
  CHECK_FALSE(IsPostmasterArgv0("pg_ctl"));
}

TEST_CASE("ParsePostmasterArgs finds the data directory and the port", "[process]") {
  PostmasterArgs args = ParsePostmasterArgs(
      {"/usr/lib/postgresql/16/bin/postgres", "-D", "/var/lib/postgresql/16/main", "-c",
       "config_file=/etc/postgresql/16/main/postgresql.conf"});
  CHECK(args.data_dir == "/var/lib/postgresql/16/main");
  CHECK(args.port.empty());

  args = ParsePostmasterArgs({"/usr/pgsql-15/bin/postmaster", "-D/pgdata/15", "-p5433"});
  CHECK(args.data_dir == "/pgdata/15");
  CHECK(args.port == "5433");

  args = ParsePostmasterArgs({"postgres", "-p", "6432", "--pgdata=/srv/pg"});
  CHECK(args.data_dir == "/srv/pg");
  CHECK(args.port == "6432");

  args = ParsePostmasterArgs(
      {"postgres", "-c", "port=5434", "-D", "/etc/pg", "--data_directory=/data/pg"});
  CHECK(args.data_dir == "/data/pg");  // -D named the configuration directory
  CHECK(args.port == "5434");

  args = ParsePostmasterArgs({"postgres", "--port=5435", "-cport=5436"});
  CHECK(args.port == "5436");

  args = ParsePostmasterArgs({"postgres", "-p", "not-a-port", "-D"});
  CHECK(args.port.empty());
  CHECK(args.data_dir.empty());
}

TEST_CASE("ParsePostmasterPidPort reads line 4", "[process]") {
  CHECK(ParsePostmasterPidPort("4242\n/var/lib/postgresql/16/main\n1700000000\n5432\n"
                               "/var/run/postgresql\n*\n  5432001         0\nready   \n") ==
        "5432");
  CHECK(ParsePostmasterPidPort("4242\n/data\n1700000000\n65432") == "65432");
  CHECK(ParsePostmasterPidPort("4242\n/data\n1700000000\n").empty());
  CHECK(ParsePostmasterPidPort("4242\n/data\n1700000000\n\n").empty());
  CHECK(ParsePostmasterPidPort("").empty());
}

std::string StatLine(int pid, int ppid, uint64_t start) {
  return absl::StrCat(pid, " (postgres) S ", ppid, " ", pid, " ", pid,
                      " 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 ", start, " 221184000 2500\n");
}

TEST_CASE("Postgres source on a fixture /proc: instances up, expected and gone", "[process]") {
  testing::TempDir proc;
  proc.WriteFile("stat", "cpu  1 2 3 4\nbtime 1700000000\n");
  auto process = [&](int pid, int ppid, const std::string& cmdline) {
    proc.WriteFile(absl::StrCat(pid, "/cmdline"), cmdline);
    proc.WriteFile(absl::StrCat(pid, "/stat"), StatLine(pid, ppid, 100 * pid));
  };
  process(1, 0, "/sbin/init\0"s);
  // Instance 1: port on the command line, cluster_name set.
  process(100, 1, "/usr/lib/postgresql/16/bin/postgres\0-D\0/pg/main\0-p\0005432\0"s);
  process(101, 100, "postgres: 16/main: checkpointer \0\0\0"s);
  process(102, 100, "postgres: 16/main: background writer \0\0\0"s);
  process(103, 100, "postgres: 16/main: walwriter \0\0\0"s);
  process(104, 100, "postgres: 16/main: walsender repl 10.0.0.2(45678) streaming 0/3\0"s);
  process(105, 100, "postgres: 16/main: walsender repl 10.0.0.3(45679) streaming 0/3\0"s);
  process(106, 100, "postgres: 16/main: app hisdb 10.1.1.1(1111) idle\0"s);
  process(107, 100, "postgres: 16/main: app hisdb [local] SELECT\0"s);
  process(108, 100, "postgres: 16/main: autovacuum worker hisdb\0"s);
  process(109, 100, "postgres: 16/main: logger\0"s);
  process(110, 100, "/usr/lib/postgresql/16/bin/postgres\0-D\0/pg/main\0-p\0005432\0"s);  // fork
  // Instance 2: port unknown (no postmaster.pid), named by its data directory.
  process(200, 1, "postgres\0-D\0/pg/other\0"s);
  process(201, 200, "postgres: startup recovering 000000010000000000000003\0"s);
  SourceOptions options;
  options.proc_root = proc.path();
  options.root_fs = proc.Path("rootfs");
  options.expected_postgres = {{"5432", ""}, {"5999", "/pg/gone"}};
  auto source = CreatePostgresProcessSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "postgres");
  ProcessTable table(proc.path());
  TickContext tick{absl::Now(), &table};

  RecordingSink sink;
  REQUIRE((*source)->Collect(tick, sink).ok());
  const std::string pg = "postgres";
  CHECK(sink.Find("vigil_db_up", {{"db", pg}, {"instance_name", "5432"}, {"port", "5432"}}) == 1);
  CHECK(sink.Find("vigil_db_info",
                  {{"db", pg}, {"instance_name", "5432"}, {"data_dir", "/pg/main"}}) == 1);
  auto up = [&](const std::string& instance, const std::string& role) {
    return ValueOf(sink, "vigil_process_up",
                   {{"db", pg}, {"instance_name", instance}, {"role", role}});
  };
  CHECK(up("5432", "postmaster") == 1);
  CHECK(up("5432", "checkpointer") == 1);
  CHECK(up("5432", "background_writer") == 1);
  CHECK(up("5432", "walwriter") == 1);
  CHECK(up("5432", "walsender") == 1);
  CHECK(up("5432", "autovacuum_launcher") == 0);
  CHECK(up("5432", "archiver") == 0);
  CHECK(up("5432", "walreceiver") == 0);
  CHECK(up("5432", "startup") == 0);
  CHECK(up("5432", "logical_replication_launcher") == 0);
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "5432"}}).size() == 10);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", pg}, {"instance_name", "5432"}, {"role", "walsender"}}) == 2);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", pg}, {"instance_name", "5432"}, {"role", "autovacuum_worker"}}) == 1);
  CHECK(ValueOf(sink, "vigil_db_backends", {{"db", pg}, {"instance_name", "5432"}}) == 2);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  CHECK(ValueOf(sink, "vigil_db_start_time_seconds", {{"instance_name", "5432"}}) ==
        Approx(1700000000.0 + 10000.0 / ticks));
  // The second instance, named by its data directory; no port label.
  CHECK(Matching(sink, "vigil_db_up", {{"instance_name", "/pg/other"}}).size() == 1);
  CHECK(sink.Find("vigil_db_up", {{"db", "postgres"}, {"instance_name", "/pg/other"}}) == 1);
  CHECK(sink.Find(
            "vigil_db_info",
            {{"db", "postgres"}, {"instance_name", "/pg/other"}, {"data_dir", "/pg/other"}}) == 1);
  CHECK(up("/pg/other", "startup") == 1);
  // Expected and never seen.
  CHECK(sink.Find("vigil_db_up",
                  {{"db", "postgres"}, {"instance_name", "5999"}, {"port", "5999"}}) == 0);
  CHECK(Matching(sink, "vigil_db_up", {}).size() == 3);
  CHECK(sink.DuplicateSeries().empty());

  // The port of the second instance becomes known: the same instance, renamed.
  proc.WriteFile("rootfs/pg/other/postmaster.pid", "200\n/pg/other\n1700000000\n5433\n");
  table.Invalidate();
  sink.Clear();
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(ValueOf(sink, "vigil_db_up", {{"instance_name", "5433"}, {"port", "5433"}}) == 1);
  CHECK(ValueOf(sink, "vigil_db_info", {{"instance_name", "5433"}, {"data_dir", "/pg/other"}}) ==
        1);
  CHECK(Matching(sink, "vigil_db_up", {{"instance_name", "/pg/other"}}).empty());

  // Both postmasters die (with the child they had just forked); the others linger.
  std::filesystem::remove_all(proc.Path("100"));
  std::filesystem::remove_all(proc.Path("110"));
  std::filesystem::remove_all(proc.Path("200"));
  table.Invalidate();
  sink.Clear();
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.Find("vigil_db_up", {{"db", pg}, {"instance_name", "5432"}, {"port", "5432"}}) == 0);
  CHECK(Matching(sink, "vigil_db_info", {}).empty());  // only running instances have info
  CHECK(ValueOf(sink, "vigil_db_up", {{"instance_name", "5433"}, {"port", "5433"}}) == 0);
  CHECK(ValueOf(sink, "vigil_db_up", {{"instance_name", "5999"}}) == 0);
  CHECK(Matching(sink, "vigil_db_up", {}).size() == 3);
  CHECK(Matching(sink, "vigil_process_up", {}).empty());
  CHECK(Matching(sink, "vigil_db_backends", {}).empty());
}

TEST_CASE("Postgres source rejects an expected instance without port or data_dir", "[process]") {
  SourceOptions options;
  options.expected_postgres = {{"", ""}};
  CHECK_FALSE(CreatePostgresProcessSource(options).ok());
}

// Whether the real /proc shows the fake postmaster `pid` with its three children.
bool FakePostmasterReady(ProcessTable& table, int pid) {
  table.Invalidate();
  auto processes = table.Processes();
  if (!processes.ok()) return false;
  bool postmaster = false;
  int children = 0;
  for (const ProcessInfo& p : **processes) {
    if (p.pid == pid && p.argv[0] == "postgres") postmaster = true;
    if (p.ppid == pid && p.argv[0].rfind("postgres: vtest: ", 0) == 0) ++children;
  }
  return postmaster && children == 3;
}

TEST_CASE("Postgres source detects real processes", "[process][real]") {
  testing::TempDir dir;
  dir.WriteFile("data/postmaster.pid",
                "1\n/data\n1700000000\n65432\n/tmp\n*\n  5432001         0\nready   \n");
  const std::string data_dir = std::filesystem::canonical(dir.Path("data")).string();
  // bash becomes the postmaster (exec) after starting the children, so they are its
  // children, and it runs in the data directory.
  testing::ChildProcess postmaster(
      {"/bin/bash", "-c",
       absl::StrCat("cd '", data_dir, "' || exit 1\n",
                    "(exec -a 'postgres: vtest: checkpointer' sleep 600) &\n",
                    "(exec -a 'postgres: vtest: walwriter' sleep 600) &\n",
                    "(exec -a 'postgres: vtest: app hisdb 127.0.0.1(5555) idle' sleep 600) &\n",
                    "exec -a postgres sleep 600\n")},
      dir.Path("postmaster.log"));
  ProcessTable table("/proc");
  REQUIRE(testing::WaitFor([&] { return FakePostmasterReady(table, postmaster.pid()); },
                           absl::Seconds(10)));

  SourceOptions options;
  options.expected_postgres = {{"65433", ""}};
  auto source = CreatePostgresProcessSource(options);
  REQUIRE(source.ok());
  TickContext tick{absl::Now(), &table};
  RecordingSink sink;
  REQUIRE((*source)->Collect(tick, sink).ok());
  const std::string pg = "postgres";
  CHECK(sink.Find("vigil_db_up", {{"db", pg}, {"instance_name", "65432"}, {"port", "65432"}}) == 1);
  CHECK(ValueOf(sink, "vigil_db_info", {{"instance_name", "65432"}, {"data_dir", data_dir}}) == 1);
  auto up = [&](const std::string& role) {
    return ValueOf(sink, "vigil_process_up",
                   {{"db", pg}, {"instance_name", "65432"}, {"role", role}});
  };
  CHECK(up("postmaster") == 1);
  CHECK(up("checkpointer") == 1);
  CHECK(up("walwriter") == 1);
  CHECK(up("background_writer") == 0);
  CHECK(up("archiver") == 0);
  CHECK(ValueOf(sink, "vigil_db_backends", {{"db", pg}, {"instance_name", "65432"}}) == 1);
  const auto start = ValueOf(sink, "vigil_db_start_time_seconds", {{"instance_name", "65432"}});
  REQUIRE(start.has_value());
  const double now = absl::ToUnixSeconds(absl::Now());
  CHECK(*start <= now + 1);
  CHECK(*start > now - 120);
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", pg}, {"port", "65433"}}) == 0);

  postmaster.Signal(SIGKILL);  // the whole process group: postmaster and children
  REQUIRE(postmaster.Wait(absl::Seconds(10)) != -1);
  REQUIRE(testing::WaitFor([&] { return !FakePostmasterReady(table, postmaster.pid()); },
                           absl::Seconds(10)));
  table.Invalidate();
  sink.Clear();
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.Find("vigil_db_up", {{"db", pg}, {"instance_name", "65432"}, {"port", "65432"}}) == 0);
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "65432"}}).empty());
  CHECK(Matching(sink, "vigil_db_backends", {{"instance_name", "65432"}}).empty());
}

}  // namespace
}  // namespace vigil::agent
