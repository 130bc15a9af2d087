#include "agent/sources/oracle_process.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
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

TEST_CASE("ParseOracleBackgroundName splits role and SID", "[process]") {
  auto name = ParseOracleBackgroundName("ora_pmon_ORCL");
  REQUIRE(name.has_value());
  CHECK_FALSE(name->asm_instance);
  CHECK(name->role == "pmon");
  CHECK(name->sid == "ORCL");

  name = ParseOracleBackgroundName("ora_dbw0_HIS_PRD");
  REQUIRE(name.has_value());
  CHECK(name->role == "dbw0");
  CHECK(name->sid == "HIS_PRD");

  name = ParseOracleBackgroundName("ora_lg00_his_prd1   ");
  REQUIRE(name.has_value());
  CHECK(name->role == "lg00");
  CHECK(name->sid == "his_prd1");

  name = ParseOracleBackgroundName("asm_pmon_+ASM");
  REQUIRE(name.has_value());
  CHECK(name->asm_instance);
  CHECK(name->role == "pmon");
  CHECK(name->sid == "+ASM");

  name = ParseOracleBackgroundName("asm_rbal_+ASM1");
  REQUIRE(name.has_value());
  CHECK(name->role == "rbal");
  CHECK(name->sid == "+ASM1");

  CHECK_FALSE(ParseOracleBackgroundName("ora_pmon_").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("ora_pmon").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("ora__ORCL").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("oracleORCL (LOCAL=NO)").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("ora-pmon-ORCL").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("/usr/bin/ora_pmon_ORCL").has_value());
  CHECK_FALSE(ParseOracleBackgroundName("").has_value());
}

TEST_CASE("OracleRoleFamily groups writers and archivers", "[process]") {
  CHECK(OracleRoleFamily("dbw0") == "dbw");
  CHECK(OracleRoleFamily("dbw9") == "dbw");
  CHECK(OracleRoleFamily("dbwa") == "dbw");
  CHECK(OracleRoleFamily("dbwz") == "dbw");
  CHECK(OracleRoleFamily("bw36") == "dbw");
  CHECK(OracleRoleFamily("bw99") == "dbw");
  CHECK(OracleRoleFamily("arc0") == "arc");
  CHECK(OracleRoleFamily("arc9") == "arc");
  CHECK(OracleRoleFamily("arct") == "arc");
  CHECK(OracleRoleFamily("pmon") == "pmon");
  CHECK(OracleRoleFamily("lgwr") == "lgwr");
  CHECK(OracleRoleFamily("lg00") == "lg00");
  CHECK(OracleRoleFamily("dbrm") == "dbrm");  // resource manager, not a writer
  CHECK(OracleRoleFamily("dbw") == "dbw");
  CHECK(OracleRoleFamily("bwxy") == "bwxy");
}

TEST_CASE("ParseOracleDedicatedServer finds the SID", "[process]") {
  using V = std::vector<std::string>;
  CHECK(ParseOracleDedicatedServer(V{"oracleORCL (LOCAL=NO)"}) == "ORCL");
  CHECK(ParseOracleDedicatedServer(V{"oracleHIS_PRD", "(LOCAL=NO)"}) == "HIS_PRD");
  CHECK(ParseOracleDedicatedServer(
            V{"oracleORCL (DESCRIPTION=(LOCAL=YES)(ADDRESS=(PROTOCOL=beq)))"}) == "ORCL");
  CHECK(ParseOracleDedicatedServer(V{"oracle+ASM (DESCRIPTION=(LOCAL=YES)(ADDRESS=(PROTO"}) ==
        "+ASM");
  CHECK(ParseOracleDedicatedServer(V{"oracleORCL (LOCAL=NO)", "600"}) == "ORCL");
  CHECK_FALSE(ParseOracleDedicatedServer(V{"oracleORCL"}).has_value());
  CHECK_FALSE(ParseOracleDedicatedServer(V{"oracle (LOCAL=NO)"}).has_value());
  CHECK_FALSE(ParseOracleDedicatedServer(V{"oracle_exporter", "--web.listen"}).has_value());
  CHECK_FALSE(ParseOracleDedicatedServer(V{"ora_pmon_ORCL"}).has_value());
  CHECK_FALSE(ParseOracleDedicatedServer(V{}).has_value());
}

TEST_CASE("ParseTnsListener names the listener", "[process]") {
  using V = std::vector<std::string>;
  CHECK(ParseTnsListener(V{"/u01/app/oracle/product/19c/dbhome_1/bin/tnslsnr", "LISTENER",
                           "-inherit"}) == "LISTENER");
  CHECK(ParseTnsListener(V{"/u01/app/19c/grid/bin/tnslsnr", "LISTENER_SCAN1", "-no_crs_notify",
                           "-inherit"}) == "LISTENER_SCAN1");
  CHECK(ParseTnsListener(V{"tnslsnr"}) == "LISTENER");
  CHECK(ParseTnsListener(V{"tnslsnr", "-inherit"}) == "LISTENER");
  CHECK(ParseTnsListener(V{"/opt/oracle/bin/tnslsnr LISTENER_HIS -inherit"}) == "LISTENER_HIS");
  CHECK_FALSE(ParseTnsListener(V{"/usr/bin/lsnrctl", "status"}).has_value());
  CHECK_FALSE(ParseTnsListener(V{"tnslsnrx", "LISTENER"}).has_value());
  CHECK_FALSE(ParseTnsListener(V{}).has_value());
}

TEST_CASE("Oracle source on a fixture /proc: instances, ASM, listeners", "[process]") {
  testing::TempDir proc;
  proc.WriteFile("stat", "btime 1700000000\n");
  int next_pid = 100;
  auto process = [&](const std::string& cmdline) {
    const int pid = next_pid++;
    proc.WriteFile(absl::StrCat(pid, "/cmdline"), cmdline);
    proc.WriteFile(absl::StrCat(pid, "/stat"),
                   absl::StrCat(pid, " (oracle) S 1 ", pid, " ", pid,
                                " 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 500 221184000 2500\n"));
    return pid;
  };
  const int pmon = process("ora_pmon_HIS_PRD                    "s);
  for (const char* role : {"smon", "lgwr", "dbw0", "dbw1", "dbwa", "bw36", "ckpt", "reco", "mmon",
                           "arc0", "arc1", "lg00", "lg01"}) {
    process(absl::StrCat("ora_", role, "_HIS_PRD     "));
  }
  process("oracleHIS_PRD (LOCAL=NO)\0\0"s);
  process("oracleHIS_PRD\0(LOCAL=NO)\0"s);
  process("oracleHIS_PRD (DESCRIPTION=(LOCAL=YES)(ADDRESS=(PROTOCOL=beq)))\0"s);
  process("oracleNOPMON (LOCAL=NO)\0"s);  // a SID without pmon is no instance
  process("ora_smon_NOPMON\0"s);
  process("asm_pmon_+ASM1\0"s);
  process("asm_dbw0_+ASM1\0"s);
  process("/u01/app/19c/grid/bin/tnslsnr\0LISTENER\0-no_crs_notify\0-inherit\0"s);
  process("/u01/app/19c/grid/bin/tnslsnr\0LISTENER\0-no_crs_notify\0-inherit\0"s);  // fork
  const int scan = process("/u01/app/19c/grid/bin/tnslsnr\0LISTENER_SCAN1\0-inherit\0"s);

  SourceOptions options;
  options.proc_root = proc.path();
  options.oracle.expected_sids = {"HIS_PRD", "HIS_DG"};
  options.oracle.expected_listeners = {"listener", "LISTENER_DG"};
  auto source = CreateOracleProcessSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "oracle");
  ProcessTable table(proc.path());
  TickContext tick{absl::Now(), &table};
  RecordingSink sink;
  REQUIRE((*source)->Collect(tick, sink).ok());

  const std::string ora = "oracle";
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "HIS_PRD"}}) == 1);
  auto up = [&](const std::string& db, const std::string& sid, const std::string& role) {
    return ValueOf(sink, "vigil_process_up", {{"db", db}, {"instance_name", sid}, {"role", role}});
  };
  for (const char* role : {"pmon", "smon", "lgwr", "dbw", "ckpt", "reco", "mmon", "arc"}) {
    CHECK(up(ora, "HIS_PRD", role) == 1);
  }
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "HIS_PRD"}}).size() == 8);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", ora}, {"instance_name", "HIS_PRD"}, {"role", "dbw"}}) == 4);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", ora}, {"instance_name", "HIS_PRD"}, {"role", "arc"}}) == 2);
  CHECK(ValueOf(sink, "vigil_db_backends", {{"db", ora}, {"instance_name", "HIS_PRD"}}) == 3);
  CHECK(ValueOf(sink, "vigil_db_start_time_seconds", {{"instance_name", "HIS_PRD"}}) ==
        Approx(1700000000.0 + 500.0 / sysconf(_SC_CLK_TCK)));
  CHECK(Matching(sink, "vigil_db_up", {{"instance_name", "NOPMON"}}).empty());
  CHECK(Matching(sink, "vigil_db_backends", {{"instance_name", "NOPMON"}}).empty());
  // ASM: its own db label and only the roles an ASM instance has.
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", "oracle_asm"}, {"instance_name", "+ASM1"}}) == 1);
  CHECK(up("oracle_asm", "+ASM1", "dbw") == 1);
  CHECK(up("oracle_asm", "+ASM1", "smon") == 0);
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "+ASM1"}, {"role", "reco"}}).empty());
  // Expected and never seen.
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "HIS_DG"}}) == 0);
  CHECK(Matching(sink, "vigil_db_up", {}).size() == 3);
  // Listeners: one sample per name; names are case-insensitive.
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER"}}) == 1);
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER_SCAN1"}}) == 1);
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER_DG"}}) == 0);
  CHECK(Matching(sink, "vigil_oracle_listener_up", {}).size() == 3);
  CHECK(sink.DuplicateSeries().empty());

  // pmon and the SCAN listener die; the other processes linger.
  std::filesystem::remove_all(proc.Path(std::to_string(pmon)));
  std::filesystem::remove_all(proc.Path(std::to_string(scan)));
  table.Invalidate();
  sink.Clear();
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "HIS_PRD"}}) == 0);
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "HIS_PRD"}}).empty());
  CHECK(Matching(sink, "vigil_db_backends", {{"instance_name", "HIS_PRD"}}).empty());
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "HIS_DG"}}) == 0);
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", "oracle_asm"}, {"instance_name", "+ASM1"}}) == 1);
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER_SCAN1"}}) == 0);
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER"}}) == 1);
}

// The argv[0] of every real process, by pid.
std::map<int, std::string> RealArgv0(ProcessTable& table) {
  std::map<int, std::string> argv0;
  table.Invalidate();
  auto processes = table.Processes();
  if (!processes.ok()) return argv0;
  for (const ProcessInfo& p : **processes) argv0[p.pid] = p.argv[0];
  return argv0;
}

TEST_CASE("Oracle source detects real processes", "[process][real]") {
  testing::TempDir dir;
  std::vector<std::unique_ptr<testing::ChildProcess>> children;
  std::map<int, std::string> want;  // pid -> argv[0] once exec'd
  auto start = [&](const std::string& argv0, const std::string& script) {
    children.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/bin/bash", "-c", script},
        dir.Path(absl::StrCat("child", children.size(), ".log"))));
    want[children.back()->pid()] = argv0;
    return children.back().get();
  };
  auto fake = [&](const std::string& argv0) {
    return start(argv0, absl::StrCat("exec -a '", argv0, "' sleep 600"));
  };
  testing::ChildProcess* pmon = fake("ora_pmon_VTEST");
  for (const char* name : {"ora_smon_VTEST", "ora_lgwr_VTEST", "ora_dbw0_VTEST", "ora_dbw1_VTEST",
                           "ora_ckpt_VTEST", "oracleVTEST (LOCAL=NO)"}) {
    fake(name);
  }
  // A listener with a name argument: bash runs a script named LISTENER_VTEST, so its
  // argv is exactly {"tnslsnr", "LISTENER_VTEST", "-inherit"}.
  dir.WriteFile("LISTENER_VTEST", "while :; do sleep 600; done\n");
  testing::ChildProcess* listener =
      start("tnslsnr", absl::StrCat("cd '", dir.path(),
                                    "' || exit 1; exec -a tnslsnr bash LISTENER_VTEST -inherit"));

  ProcessTable table("/proc");
  REQUIRE(testing::WaitFor(
      [&] {
        const std::map<int, std::string> argv0 = RealArgv0(table);
        for (const auto& [pid, name] : want) {
          auto it = argv0.find(pid);
          if (it == argv0.end() || it->second != name) return false;
        }
        return true;
      },
      absl::Seconds(10)));

  SourceOptions options;
  options.oracle.expected_sids = {"VTEST_EXPECTED"};
  auto source = CreateOracleProcessSource(options);
  REQUIRE(source.ok());
  TickContext tick{absl::Now(), &table};
  RecordingSink sink;
  REQUIRE((*source)->Collect(tick, sink).ok());
  const std::string ora = "oracle";
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "VTEST"}}) == 1);
  auto up = [&](const std::string& role) {
    return ValueOf(sink, "vigil_process_up",
                   {{"db", ora}, {"instance_name", "VTEST"}, {"role", role}});
  };
  CHECK(up("pmon") == 1);
  CHECK(up("smon") == 1);
  CHECK(up("lgwr") == 1);
  CHECK(up("dbw") == 1);
  CHECK(up("ckpt") == 1);
  CHECK(up("reco") == 0);
  CHECK(up("mmon") == 0);
  CHECK(up("arc") == 0);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", ora}, {"instance_name", "VTEST"}, {"role", "dbw"}}) == 2);
  CHECK(ValueOf(sink, "vigil_process_count",
                {{"db", ora}, {"instance_name", "VTEST"}, {"role", "arc"}}) == 0);
  CHECK(ValueOf(sink, "vigil_db_backends", {{"db", ora}, {"instance_name", "VTEST"}}) == 1);
  CHECK(ValueOf(sink, "vigil_db_start_time_seconds", {{"instance_name", "VTEST"}}).has_value());
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "VTEST_EXPECTED"}}) == 0);
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER_VTEST"}}) == 1);

  const int pmon_pid = pmon->pid();
  const int listener_pid = listener->pid();
  pmon->Signal(SIGKILL);
  listener->Signal(SIGKILL);
  REQUIRE(pmon->Wait(absl::Seconds(10)) != -1);
  REQUIRE(listener->Wait(absl::Seconds(10)) != -1);
  REQUIRE(testing::WaitFor(
      [&] {
        const std::map<int, std::string> argv0 = RealArgv0(table);
        return argv0.count(pmon_pid) == 0 && argv0.count(listener_pid) == 0;
      },
      absl::Seconds(10)));
  table.Invalidate();
  sink.Clear();
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(ValueOf(sink, "vigil_db_up", {{"db", ora}, {"instance_name", "VTEST"}}) == 0);
  CHECK(Matching(sink, "vigil_process_up", {{"instance_name", "VTEST"}}).empty());
  CHECK(Matching(sink, "vigil_db_backends", {{"instance_name", "VTEST"}}).empty());
  CHECK(ValueOf(sink, "vigil_oracle_listener_up", {{"listener", "LISTENER_VTEST"}}) == 0);
}

}  // namespace
}  // namespace vigil::agent
