#include "agent/sources/process_table.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/temp_dir.h"

namespace vigil::agent {
namespace {

using namespace std::string_literals;

// A /proc/<pid>/stat line with the given comm, ppid and start time (field 22).
std::string StatLine(int pid, const std::string& comm, int ppid, uint64_t start) {
  return absl::StrCat(pid, " (", comm, ") S ", ppid, " ", pid, " ", pid,
                      " 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 ", start,
                      " 221184000 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n");
}

TEST_CASE("ParseProcPidStat reads pid, comm, ppid and start time", "[process]") {
  ProcessInfo info;
  REQUIRE(ParseProcPidStat(StatLine(4242, "postgres", 4200, 987654), &info).ok());
  CHECK(info.pid == 4242);
  CHECK(info.comm == "postgres");
  CHECK(info.ppid == 4200);
  CHECK(info.start_time_ticks == 987654);
}

TEST_CASE("ParseProcPidStat ends the comm at the last ')'", "[process]") {
  ProcessInfo info;
  REQUIRE(ParseProcPidStat(StatLine(77, "my (weird) comm", 1, 5), &info).ok());
  CHECK(info.comm == "my (weird) comm");
  CHECK(info.ppid == 1);
  CHECK(info.start_time_ticks == 5);

  REQUIRE(ParseProcPidStat(StatLine(78, ") S 999 ", 2, 6), &info).ok());
  CHECK(info.comm == ") S 999 ");
  CHECK(info.ppid == 2);
  CHECK(info.start_time_ticks == 6);

  REQUIRE(ParseProcPidStat(StatLine(79, "", 3, 7), &info).ok());
  CHECK(info.comm.empty());
}

TEST_CASE("ParseProcPidStat rejects malformed lines", "[process]") {
  ProcessInfo info;
  CHECK_FALSE(ParseProcPidStat("", &info).ok());
  CHECK_FALSE(ParseProcPidStat("12 postgres S 1", &info).ok());
  CHECK_FALSE(ParseProcPidStat("12 (postgres) S 1 12 12", &info).ok());  // too short
  CHECK_FALSE(
      ParseProcPidStat("x (postgres) S 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0", &info).ok());
  CHECK_FALSE(
      ParseProcPidStat("12 (postgres) S one 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0", &info).ok());
}

TEST_CASE("ParseCmdline splits at NUL and trims title padding", "[process]") {
  using V = std::vector<std::string>;
  CHECK(ParseCmdline("postgres\0-D\0/var/lib/postgresql/16/main\0"s) ==
        V{"postgres", "-D", "/var/lib/postgresql/16/main"});
  // PostgreSQL pads a rewritten title with NULs, Oracle with spaces.
  CHECK(ParseCmdline("postgres: 16/main: checkpointer \0\0\0\0\0\0\0\0"s) ==
        V{"postgres: 16/main: checkpointer"});
  CHECK(ParseCmdline("ora_pmon_ORCL                                    "s) == V{"ora_pmon_ORCL"});
  CHECK(ParseCmdline("ora_pmon_ORCL      \0      \0"s) == V{"ora_pmon_ORCL"});
  CHECK(ParseCmdline("oracleORCL (LOCAL=NO)\0"s) == V{"oracleORCL (LOCAL=NO)"});
  CHECK(ParseCmdline("no-terminator"s) == V{"no-terminator"});
  // An empty argument in the middle is kept.
  CHECK(ParseCmdline("prog\0\0last\0"s) == V{"prog", "", "last"});
  CHECK(ParseCmdline(""s).empty());
  CHECK(ParseCmdline("\0\0\0"s).empty());
}

TEST_CASE("ParseCmdlineInto reuses the vector", "[process]") {
  std::vector<std::string> argv = {"a", "b", "c", "d"};
  ParseCmdlineInto("x\0y\0"s, &argv);
  CHECK(argv == std::vector<std::string>{"x", "y"});
  ParseCmdlineInto("p\0q\0r\0"s, &argv);
  CHECK(argv == std::vector<std::string>{"p", "q", "r"});
}

TEST_CASE("NeedsProcStat selects PostgreSQL processes and Oracle pmons", "[process]") {
  CHECK(NeedsProcStat("postgres"));
  CHECK(NeedsProcStat("/usr/lib/postgresql/16/bin/postgres"));
  CHECK(NeedsProcStat("/usr/pgsql-12/bin/postmaster"));
  CHECK(NeedsProcStat("postgres: 16/main: checkpointer"));
  CHECK(NeedsProcStat("postgres: app hisdb 10.0.0.5(5555) idle"));
  CHECK(NeedsProcStat("ora_pmon_ORCL"));
  CHECK(NeedsProcStat("asm_pmon_+ASM1"));
  CHECK_FALSE(NeedsProcStat("ora_smon_ORCL"));
  CHECK_FALSE(NeedsProcStat("oracleORCL (LOCAL=NO)"));
  CHECK_FALSE(NeedsProcStat("/usr/sbin/sshd"));
  CHECK_FALSE(NeedsProcStat("/usr/lib/systemd/systemd"));
  CHECK_FALSE(NeedsProcStat(""));
}

TEST_CASE("ParseBootTime reads the btime line", "[process]") {
  const auto boot = ParseBootTime("cpu  1 2 3 4\nintr 5\nctxt 6\nbtime 1700000000\nprocesses 9\n");
  REQUIRE(boot.ok());
  CHECK(*boot == 1700000000);
  CHECK(absl::IsNotFound(ParseBootTime("cpu 1 2 3\n").status()));
  CHECK_FALSE(ParseBootTime("btime soon\n").ok());
}

// A fixture /proc tree in a temp dir.
struct FixtureProc {
  testing::TempDir dir;
  void Process(int pid, const std::string& cmdline, const std::string& stat) const {
    dir.WriteFile(absl::StrCat(pid, "/cmdline"), cmdline);
    dir.WriteFile(absl::StrCat(pid, "/stat"), stat);
  }
};

TEST_CASE("ProcessTable reads a fixture tree once per tick", "[process]") {
  FixtureProc proc;
  proc.dir.WriteFile("stat", "cpu  1 2 3 4\nbtime 1700000000\n");
  proc.Process(1, "/sbin/init\0splash\0"s, StatLine(1, "systemd", 0, 10));
  proc.Process(2, ""s, StatLine(2, "kthreadd", 0, 11));  // kernel thread
  proc.Process(300, "/usr/lib/postgresql/16/bin/postgres\0-D\0/data\0"s,
               StatLine(300, "postgres", 1, 4500));
  proc.Process(301, "postgres: checkpointer   \0\0\0\0"s, StatLine(301, "postgres", 300, 4510));
  proc.dir.WriteFile("302/stat", StatLine(302, "vanished", 1, 1));  // no cmdline
  proc.dir.WriteFile("self/cmdline", "not a pid"s);
  std::filesystem::create_directory_symlink("/data", proc.dir.Path("300/cwd"));

  ProcessTable table(proc.dir.path());
  auto processes = table.Processes();
  REQUIRE(processes.ok());
  std::map<int, ProcessInfo> by_pid;
  for (const ProcessInfo& p : **processes) by_pid[p.pid] = p;
  REQUIRE(by_pid.size() == 3);  // not the kernel thread, the vanished process or "self"
  CHECK(by_pid[1].argv == std::vector<std::string>{"/sbin/init", "splash"});
  CHECK_FALSE(by_pid[1].has_stat);  // not a database process: stat not read
  CHECK(by_pid[1].comm.empty());
  CHECK(by_pid[300].has_stat);
  CHECK(by_pid[300].ppid == 1);
  CHECK(by_pid[300].comm == "postgres");
  CHECK(by_pid[300].start_time_ticks == 4500);
  CHECK(by_pid[301].argv == std::vector<std::string>{"postgres: checkpointer"});
  CHECK(by_pid[301].ppid == 300);

  CHECK(table.Cwd(300) == "/data");
  CHECK(table.Cwd(301).empty());
  const auto start = table.StartTimeSeconds(by_pid[300]);
  REQUIRE(start.ok());
  CHECK(*start == Approx(1700000000.0 + 4500.0 / sysconf(_SC_CLK_TCK)));
  CHECK_FALSE(table.StartTimeSeconds(by_pid[1]).ok());

  // Without Invalidate() the snapshot stays; after it the tree is read again.
  std::filesystem::remove_all(proc.dir.Path("301"));
  proc.Process(400, "ora_pmon_ORCL      "s, StatLine(400, "oracle", 1, 9000));
  REQUIRE((*table.Processes())->size() == 3);
  table.Invalidate();
  processes = table.Processes();
  REQUIRE(processes.ok());
  by_pid.clear();
  for (const ProcessInfo& p : **processes) by_pid[p.pid] = p;
  CHECK(by_pid.size() == 3);
  CHECK(by_pid.count(301) == 0);
  CHECK(by_pid[400].argv == std::vector<std::string>{"ora_pmon_ORCL"});
  CHECK(by_pid[400].has_stat);
  CHECK(by_pid[400].start_time_ticks == 9000);
}

// argv[0] of `pid` after a fresh scan; empty if absent.
std::string ScanArgv0(ProcessTable& table, int pid) {
  table.Invalidate();
  auto processes = table.Processes();
  REQUIRE(processes.ok());
  for (const ProcessInfo& p : **processes) {
    if (p.pid == pid) return p.argv[0];
  }
  return "";
}

TEST_CASE("ProcessTable re-reads a cmdline until two reads agree, then now and then", "[process]") {
  FixtureProc proc;
  proc.Process(500, "bash\0-c\0exec postgres\0"s, StatLine(500, "bash", 1, 50));
  ProcessTable table(proc.dir.path());
  CHECK(ScanArgv0(table, 500) == "bash");
  // fork() then exec(): seen at the next scan, with its stat.
  proc.Process(500, "postgres\0"s, StatLine(500, "postgres", 1, 50));
  CHECK(ScanArgv0(table, 500) == "postgres");
  CHECK(ScanArgv0(table, 500) == "postgres");  // two reads agree: trusted
  // A later exec() shows within a refresh period.
  proc.Process(500, "ora_pmon_LATE\0"s, StatLine(500, "oracle", 1, 50));
  int scans = 0;
  while (ScanArgv0(table, 500) != "ora_pmon_LATE" && scans < 20) ++scans;
  CHECK(scans < 10);
  // A process that exits is gone at the next scan.
  std::filesystem::remove_all(proc.dir.Path("500"));
  CHECK(ScanArgv0(table, 500).empty());
}

TEST_CASE("ProcessTable fails only if the root cannot be listed", "[process]") {
  testing::TempDir dir;
  ProcessTable table(dir.Path("missing"));
  CHECK_FALSE(table.Processes().ok());
}

TEST_CASE("ProcessTable sees this test in the real /proc", "[process]") {
  ProcessTable table("/proc");
  auto processes = table.Processes();
  REQUIRE(processes.ok());
  bool found = false;
  for (const ProcessInfo& p : **processes) {
    CHECK_FALSE(p.argv.empty());
    if (p.pid == getpid()) found = true;
  }
  CHECK(found);
  CHECK(table.Cwd(getpid()) == std::filesystem::current_path().string());
}

}  // namespace
}  // namespace vigil::agent
