// The oracle_sql source end to end with a stand-in for sqlplus
// (tests/testdata/oracle/fake_sqlplus), and the bounded command runner under it.
#include "agent/sources/oracle_sql.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/sources/bounded_command.h"
#include "agent/sources/oracle_environment.h"
#include "common/child_process.h"
#include "common/config_node.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;
using vigil::testing::TempDir;
using vigil::testing::TestDataDir;

std::string OracleData() { return TestDataDir() + "/oracle"; }
std::string FakeSqlplus() { return OracleData() + "/fake_sqlplus"; }
std::string Script() { return TestDataDir() + "/../../deploy/oracle/vigil_checks.sql"; }

bool ProcessGone(int pid) {
  // A zombie still answers kill(): look at its state.
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

OracleInstanceOptions Instance(const std::string& mode, const std::string& extra = "") {
  OracleInstanceOptions instance;
  instance.sid = "HISDB";
  instance.oracle_home = "/u01/app/oracle/product/19.0.0/dbhome_1";
  instance.sql.command = {FakeSqlplus(), "--mode=" + mode, "-S", "-L", "/", "as", "sysdba"};
  if (!extra.empty()) instance.sql.command.push_back(extra);
  instance.sql.run_as = "";
  instance.sql.script = Script();
  instance.sql.interval = absl::Minutes(5);
  instance.sql.timeout = absl::Seconds(30);
  return instance;
}

std::unique_ptr<Source> SourceFor(const OracleInstanceOptions& instance) {
  SourceOptions options;
  options.proc_root = OracleData() + "/proc";
  options.oracle.instances.push_back(instance);
  absl::StatusOr<std::unique_ptr<Source>> source = CreateOracleSqlSource(options);
  REQUIRE(source.ok());
  return *std::move(source);
}

// Runs the source until its first run has been drained.
RecordingSink RunOnce(const OracleInstanceOptions& instance) {
  std::unique_ptr<Source> source = SourceFor(instance);
  source->AwaitFirstResults(absl::Seconds(60));
  RecordingSink sink;
  TickContext tick;
  REQUIRE(source->Collect(tick, sink).ok());
  return sink;
}

double Failures(const RecordingSink& sink, absl::string_view reason) {
  return sink.Find("oracle_sql_failures_total", {{"instance_name", "HISDB"}, {"reason", reason}})
      .value_or(-1);
}

TEST_CASE(
    "oracle_sql: a good run becomes the script's metrics with instance_name, and an "
    "event",
    "[oracle_sql]") {
  const RecordingSink sink = RunOnce(Instance("ok"));
  CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 1);
  CHECK(sink.Find("oracle_sql_records", {{"instance_name", "HISDB"}}) == 59);
  CHECK(sink.Find("oracle_sql_parse_errors_total", {{"instance_name", "HISDB"}}) == 0);
  for (const char* reason : {"start", "timeout", "exit", "truncated", "garbage"}) {
    CHECK(Failures(sink, reason) == 0);
  }
  CHECK(sink.Find("oracle_tablespace_used_ratio", {{"instance_name", "HISDB"},
                                                   {"tablespace", "HIS_DATA"},
                                                   {"contents", "permanent"}}) == Approx(0.966667));
  CHECK(sink.Find("oracle_sql_check_up", {{"instance_name", "HISDB"}, {"check", "rman"}}) == 1);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "oracle_sql"}, {"job", "HISDB"}}) == 1);
  CHECK(sink.Find("oracle_sql_events_total", {{"instance_name", "HISDB"}}) == 1);
  CHECK(sink.DuplicateSeries().empty());
  const std::vector<Event> top = sink.EventsOf("oracle_top_sql");
  REQUIRE(top.size() == 1);
  CHECK(top[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"instance_name", "HISDB"}});
  CHECK(absl::StartsWith(top[0].message, "sql_id 7b2twsn8vgfsc"));
}

TEST_CASE("oracle_sql: a mounted standby's failed checks are metrics, the run is up",
          "[oracle_sql]") {
  const RecordingSink sink = RunOnce(Instance("standby"));
  CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 1);
  CHECK(sink.Find("oracle_sql_check_up", {{"instance_name", "HISDB"}, {"check", "tablespace"}}) ==
        0);
  CHECK(sink.Find("oracle_dataguard_apply_lag_seconds", {{"instance_name", "HISDB"}}) == 125);
}

TEST_CASE("oracle_sql: each way the command fails is its own reason", "[oracle_sql]") {
  SECTION("ORA-01034 and exit 1") {
    const RecordingSink sink = RunOnce(Instance("fail"));
    CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 0);
    CHECK(Failures(sink, "exit") == 1);
    CHECK(Failures(sink, "garbage") == 0);
  }
  SECTION("garbage") {
    const RecordingSink sink = RunOnce(Instance("garbage"));
    CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 0);
    CHECK(Failures(sink, "garbage") == 1);
    CHECK(sink.Find("oracle_sql_parse_errors_total", {{"instance_name", "HISDB"}}) == 10);
    CHECK(sink.Find("oracle_sessions",
                    {{"instance_name", "HISDB"}, {"status", "active"}, {"type", "user"}}) == 7);
  }
  SECTION("truncated") {
    const RecordingSink sink = RunOnce(Instance("truncated"));
    CHECK(Failures(sink, "truncated") == 1);
    CHECK(sink.Find("oracle_sql_records", {{"instance_name", "HISDB"}}) == 2);
  }
  SECTION("huge output is cut at 4 MiB and the command killed") {
    const RecordingSink sink = RunOnce(Instance("huge"));
    CHECK(Failures(sink, "truncated") == 1);
    CHECK(sink.Find("oracle_sql_records", {{"instance_name", "HISDB"}}) == 10000);
    CHECK(sink.Find("oracle_sql_records_dropped_total", {{"instance_name", "HISDB"}}) > 0);
  }
  SECTION("no such program, no script, no ORACLE_HOME: start") {
    OracleInstanceOptions missing = Instance("ok");
    missing.sql.command = {"/nonexistent/sqlplus"};
    CHECK(Failures(RunOnce(missing), "start") == 1);
    OracleInstanceOptions no_script = Instance("ok");
    no_script.sql.script = "/nonexistent/vigil_checks.sql";
    CHECK(Failures(RunOnce(no_script), "start") == 1);
    OracleInstanceOptions no_home = Instance("ok");
    no_home.sid = "NOSUCH";
    no_home.oracle_home = "";
    no_home.sql.command.clear();
    const RecordingSink sink = RunOnce(no_home);
    CHECK(sink.Find("oracle_sql_failures_total",
                    {{"instance_name", "NOSUCH"}, {"reason", "start"}}) == 1);
  }
  SECTION("a command that never reads a large script does not deadlock") {
    TempDir dir;
    dir.WriteFile("big.sql", std::string(900 << 10, '-') + "\nPROMPT VIGIL_BEGIN\n");
    OracleInstanceOptions noread = Instance("noread");
    noread.sql.script = dir.Path("big.sql");
    const RecordingSink sink = RunOnce(noread);
    CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 1);
  }
}

TEST_CASE(
    "oracle_sql: a hung sqlplus costs Collect nothing and its process group is killed "
    "at the timeout",
    "[oracle_sql]") {
  TempDir dir;
  OracleInstanceOptions hang = Instance("hang", "--pidfile=" + dir.Path("pids"));
  hang.sql.timeout = absl::Seconds(2);
  std::unique_ptr<Source> source = SourceFor(hang);
  RecordingSink sink;
  TickContext tick;
  REQUIRE(source->Collect(tick, sink).ok());  // starts the job
  REQUIRE(WaitFor([&] { return !ReadAll(dir.Path("pids")).empty(); }, absl::Seconds(10)));
  std::vector<std::string> pids = absl::StrSplit(ReadAll(dir.Path("pids")), ' ');
  REQUIRE(pids.size() == 2);
  int shell = 0, child = 0;
  REQUIRE(absl::SimpleAtoi(pids[0], &shell));
  REQUIRE(absl::SimpleAtoi(absl::StripAsciiWhitespace(pids[1]), &child));
  CHECK_FALSE(ProcessGone(shell));
  // While the command hangs, Collect returns at once, with nothing from the job yet.
  for (int i = 0; i < 20; ++i) {
    const absl::Time start = absl::Now();
    REQUIRE(source->Collect(tick, sink).ok());
    CHECK(absl::Now() - start < absl::Milliseconds(50));
  }
  CHECK(sink.Count("oracle_sql_up") == 0);
  // After the timeout (and SIGTERM's grace, which the fake ignores) the group is gone.
  REQUIRE(WaitFor(
      [&] {
        (void)source->Collect(tick, sink);
        return sink.Count("oracle_sql_up") > 0;
      },
      absl::Seconds(30)));
  CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 0);
  CHECK(Failures(sink, "timeout") == 1);
  CHECK(sink.Find("oracle_sql_duration_seconds", {{"instance_name", "HISDB"}}) >= 2);
  CHECK(ProcessGone(shell));
  CHECK(ProcessGone(child));
}

TEST_CASE(
    "oracle_sql: the command gets ORACLE_SID, ORACLE_HOME and PATH; ORACLE_HOME is "
    "found from the running pmon",
    "[oracle_sql]") {
  OracleInstanceOptions instance = Instance("whoami");
  instance.oracle_home = "";  // from the fixture tree's ora_pmon_HISDB
  const RecordingSink sink = RunOnce(instance);
  const std::string home = "/u01/app/oracle/product/19.0.0/dbhome_1";
  CHECK(sink.Find("oracle_fake_identity", {{"instance_name", "HISDB"},
                                           {"sid", "HISDB"},
                                           {"home", home},
                                           {"path", home + "/bin:/usr/local/bin:/usr/bin:/bin"}}) ==
        static_cast<double>(geteuid()));
}

TEST_CASE("ORACLE_HOME discovery from a fixture /proc and from a real process", "[oracle_sql]") {
  const std::string proc = OracleData() + "/proc";
  absl::StatusOr<OracleInstanceEnvironment> env = FindOracleInstanceEnvironment(proc, "HISDB");
  REQUIRE(env.ok());
  CHECK(env->pmon_pid == 4242);
  CHECK(env->oracle_home == "/u01/app/oracle/product/19.0.0/dbhome_1");
  CHECK(env->oracle_base == "/u01/app/oracle");
  CHECK(FindOracleInstanceEnvironment(proc, "HISDB2")->oracle_home ==
        "/u01/app/oracle/product/11.2.0/db_1");
  CHECK(FindOracleInstanceEnvironment(proc, "HIS").status().code() == absl::StatusCode::kNotFound);
  CHECK(EnvironValue(std::string("A=1\0ORACLE_HOME_X=2\0", 20), "ORACLE_HOME") == std::nullopt);

  // A real process named like a pmon, started with ORACLE_HOME in its environment.
  TempDir dir;
  ChildProcess pmon({"/usr/bin/env", "ORACLE_HOME=/opt/oracle/test_home", "/bin/bash", "-c",
                     "exec -a ora_pmon_VIGILT" + std::to_string(getpid()) + " sleep 600"},
                    dir.Path("log"));
  const std::string sid = "VIGILT" + std::to_string(getpid());
  REQUIRE(
      WaitFor([&] { return FindOracleInstanceEnvironment("/proc", sid).ok(); }, absl::Seconds(10)));
  CHECK(FindOracleInstanceEnvironment("/proc", sid)->oracle_home == "/opt/oracle/test_home");
  CHECK(FindOracleInstanceEnvironment("/proc", sid)->pmon_pid == pmon.pid());
}

TEST_CASE(
    "oracle_sql: the default command is sqlplus as sysdba, as the oracle user through "
    "sudo or a user switch",
    "[oracle_sql]") {
  OracleInstanceOptions instance;
  instance.sid = "HISDB";
  instance.oracle_home = "/u01/home";
  const std::string proc = OracleData() + "/proc";
  absl::StatusOr<BoundedCommand> as_vigil = BuildOracleSqlCommand(instance, proc, false, "vigil");
  REQUIRE(as_vigil.ok());
  CHECK(as_vigil->argv == std::vector<std::string>{"/usr/bin/sudo", "-n", "-u", "oracle", "--",
                                                   "/u01/home/bin/sqlplus", "-S", "-L", "/", "as",
                                                   "sysdba"});
  CHECK_FALSE(as_vigil->user.has_value());
  CHECK(std::find(as_vigil->env.begin(), as_vigil->env.end(), "ORACLE_SID=HISDB") !=
        as_vigil->env.end());
  CHECK(std::find(as_vigil->env.begin(), as_vigil->env.end(), "LD_LIBRARY_PATH=/u01/home/lib") !=
        as_vigil->env.end());
  // The agent already is the oracle user: no switch at all.
  CHECK(BuildOracleSqlCommand(instance, proc, false, "oracle")->argv.size() == 6);
  // As root: a user switch in the child, which needs the user to exist.
  instance.sql.run_as = "nobody";
  absl::StatusOr<BoundedCommand> as_root = BuildOracleSqlCommand(instance, proc, true, "root");
  REQUIRE(as_root.ok());
  CHECK(as_root->argv[0] == "/u01/home/bin/sqlplus");
  REQUIRE(as_root->user.has_value());
  CHECK(as_root->user->uid == 65534);
  instance.sql.run_as = "no_such_user_vigil";
  CHECK_FALSE(BuildOracleSqlCommand(instance, proc, true, "root").ok());
  // $ORACLE_HOME and $ORACLE_SID in a configured command.
  instance.sql.run_as = "";
  instance.sql.command = {"$ORACLE_HOME/bin/sqlplus", "-S", "-L", "/@VIGIL_$ORACLE_SID"};
  CHECK(BuildOracleSqlCommand(instance, proc, true, "root")->argv ==
        std::vector<std::string>{"/u01/home/bin/sqlplus", "-S", "-L", "/@VIGIL_HISDB"});
}

TEST_CASE("oracle_sql: run as root, the command drops to run_as (nobody)", "[oracle_sql]") {
  if (geteuid() != 0) {
    SUCCEED("not root: the user switch cannot be tested");
    return;
  }
  OracleInstanceOptions instance = Instance("whoami");
  instance.sql.run_as = "nobody";
  const RecordingSink sink = RunOnce(instance);
  CHECK(sink.Find("oracle_sql_up", {{"instance_name", "HISDB"}}) == 1);
  const std::vector<std::string> uid = sink.LabelValues("oracle_fake_identity", "sid");
  REQUIRE(uid.size() == 1);
  double found = -1;
  for (const auto& s : sink.samples()) {
    if (s.metric == "oracle_fake_identity") found = s.value;
  }
  CHECK(found == 65534);
}

TEST_CASE("bounded command: exact environment, stdin, exit code, stderr, and exec failure",
          "[oracle_sql]") {
  BoundedCommand command;
  command.argv = {"/bin/sh", "-c", "cat; echo \"[$FOO]\"; echo oops >&2; exit 3"};
  command.env = {"FOO=bar"};
  command.stdin_data = "hello\n";
  BoundedCommandResult result = RunBoundedCommand(command);
  CHECK(result.outcome == BoundedCommandResult::Outcome::kExited);
  CHECK(result.exit_code == 3);
  CHECK(result.stdout_text == "hello\n[bar]\n");
  CHECK(result.stderr_text == "oops\n");

  command.argv = {"/nonexistent/program"};
  result = RunBoundedCommand(command);
  CHECK(result.outcome == BoundedCommandResult::Outcome::kStartFailed);
  CHECK(absl::StrContains(result.start_error, "execve /nonexistent/program"));
}

TEST_CASE("bounded command: stopping ends a run early", "[oracle_sql]") {
  BoundedCommand command;
  command.argv = {"/bin/sleep", "600"};
  command.timeout = absl::Seconds(600);
  std::atomic<bool> stopping{true};
  const BoundedCommandResult result = RunBoundedCommand(command, &stopping);
  CHECK(result.outcome == BoundedCommandResult::Outcome::kStopped);
  CHECK(result.duration < absl::Seconds(60));
}

TEST_CASE("oracle: sql options parse with defaults, tns_admin and checked commands",
          "[oracle_sql]") {
  auto parse = [](const std::string& yaml, OracleOptions* out) {
    absl::StatusOr<ConfigNode> node = ConfigNode::LoadString(yaml, "agent.yaml");
    REQUIRE(node.ok());
    return ParseOracleOptions(node->Child("oracle"), "/etc/vigil", out);
  };
  OracleOptions defaults;
  REQUIRE(parse("oracle:\n  instances:\n    - sid: HISDB\n", &defaults).ok());
  const OracleSqlOptions& sql = defaults.instances[0].sql;
  CHECK(sql.enabled);
  CHECK(sql.command.empty());
  CHECK(sql.run_as == "oracle");
  CHECK(sql.script == "/usr/share/vigil/oracle/vigil_checks.sql");
  CHECK(sql.tns_admin.empty());
  CHECK(sql.interval == absl::Minutes(5));
  CHECK(sql.timeout == absl::Seconds(60));

  OracleOptions wallet;
  REQUIRE(parse("oracle:\n  instances:\n    - sid: HISDB\n      sql:\n        run_as: \"\"\n"
                "        tns_admin: oracle\n"
                "        command: [$ORACLE_HOME/bin/sqlplus, -S, -L, /@vigil_$ORACLE_SID]\n",
                &wallet)
              .ok());
  CHECK(wallet.instances[0].sql.tns_admin == "/etc/vigil/oracle");
  CHECK(wallet.instances[0].sql.run_as.empty());

  OracleOptions bad;
  const absl::Status relative = parse(
      "oracle:\n  instances:\n    - sid: HISDB\n      sql:\n        command: [sqlplus]\n", &bad);
  CHECK(absl::StrContains(relative.message(), "agent.yaml:5"));
  CHECK(absl::StrContains(relative.message(), "absolute path"));
}

}  // namespace
}  // namespace vigil::agent
