#include "agent/sources/cpu.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;
using vigil::testing::TestDataDir;

std::string Fixture(const std::string& tree) { return TestDataDir() + "/proc/" + tree; }

ProcStat MustParse(const std::string& tree) {
  absl::StatusOr<std::string> text = ReadFile(Fixture(tree) + "/stat");
  REQUIRE(text.ok());
  absl::StatusOr<ProcStat> stat = ParseProcStat(*text);
  REQUIRE(stat.ok());
  return *stat;
}

double TicksPerSecond() { return static_cast<double>(::sysconf(_SC_CLK_TCK)); }

TEST_CASE("ParseProcStat reads a RHEL 7 (3.10) /proc/stat with all ten columns") {
  const ProcStat stat = MustParse("kernel-3.10-rhel7");
  REQUIRE(stat.cpus.size() == 8);
  CHECK(stat.cpus[0].cpu == "0");
  CHECK(stat.cpus[0].user == 21873421);
  CHECK(stat.cpus[0].nice == 11873);
  CHECK(stat.cpus[0].system == 6512893);
  CHECK(stat.cpus[0].idle == 318472934);
  CHECK(stat.cpus[0].iowait == 3128473);
  CHECK(stat.cpus[0].softirq == 213847);
  CHECK(stat.cpus[0].steal == 0);
  CHECK(stat.cpus[0].guest_nice == 0);
  CHECK(stat.cpus[7].cpu == "7");
  CHECK(stat.cpus[7].idle == 325017283);
  CHECK(stat.context_switches == 98237461283ull);
  CHECK(stat.forks == 48211873);
  CHECK(stat.interrupts == 21873948123ull);
  CHECK(stat.procs_running == 6);
  CHECK(stat.procs_blocked == 1);
  CHECK(stat.boot_time == 1727325941);
  CHECK(stat.skipped.count == 0);
}

TEST_CASE("ParseProcStat reads a RHEL 5 (2.6.18) /proc/stat without guest columns") {
  const ProcStat stat = MustParse("kernel-2.6.18-rhel5");
  REQUIRE(stat.cpus.size() == 4);
  CHECK(stat.cpus[3].user == 9589557);
  CHECK(stat.cpus[3].irq == 30770);
  CHECK(stat.cpus[3].steal == 0);
  CHECK_FALSE(stat.cpus[3].guest.has_value());
  CHECK_FALSE(stat.cpus[3].guest_nice.has_value());
  CHECK(stat.boot_time == 1491806455);
}

TEST_CASE("ParseProcStat reads steal time of a Debian 12 (6.1) VM") {
  const ProcStat stat = MustParse("kernel-6.1-debian12");
  REQUIRE(stat.cpus.size() == 8);
  CHECK(stat.cpus[0].steal == 18273);
  CHECK(stat.cpus[5].steal == 16102);
  CHECK(stat.context_switches == 4182736452ull);
}

TEST_CASE("ParseProcStat takes kernels with only four time columns") {
  absl::StatusOr<ProcStat> stat = ParseProcStat("cpu  10 20 30 40\ncpu0 10 20 30 40\n");
  REQUIRE(stat.ok());
  REQUIRE(stat->cpus.size() == 1);
  CHECK(stat->cpus[0].idle == 40);
  CHECK_FALSE(stat->cpus[0].iowait.has_value());
  CHECK_FALSE(stat->cpus[0].steal.has_value());
  CHECK_FALSE(stat->context_switches.has_value());
}

TEST_CASE("ParseProcStat skips malformed lines and names the first one") {
  absl::StatusOr<ProcStat> stat = ParseProcStat(
      "cpu  1 2 3 4\n"
      "cpu0 1 2 x 4 5 6 7\n"
      "cpu1 1 2 3 4 5 6 7\n"
      "cpu2 1 2\n"
      "cpuX 1 2 3 4\n"
      "ctxt\n"
      "btime 12\n");
  REQUIRE(stat.ok());
  REQUIRE(stat->cpus.size() == 1);
  CHECK(stat->cpus[0].cpu == "1");
  CHECK(stat->cpus[0].softirq == 7);
  CHECK(stat->skipped.count == 4);
  CHECK(stat->skipped.first.find("line 2:") == 0);
  CHECK(stat->skipped.first.find("\"x\"") != std::string::npos);
  CHECK_FALSE(stat->context_switches.has_value());
  CHECK(stat->boot_time == 12);
}

TEST_CASE("ParseProcStat fails on input without per-CPU lines") {
  CHECK_FALSE(ParseProcStat("").ok());
  CHECK_FALSE(ParseProcStat("cpu  1 2 3 4\nctxt 5\n").ok());
  using std::string_literals::operator""s;
  absl::StatusOr<ProcStat> garbage = ParseProcStat("cpu0 \x01\xff\0 7\n\n"s);
  REQUIRE_FALSE(garbage.ok());
  CHECK(std::string(garbage.status().message()).find("line 1:") == 0);
}

TEST_CASE("cpu source reports node_exporter's metrics from a RHEL 7 tree") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-3.10-rhel7");
  absl::StatusOr<std::unique_ptr<Source>> source = CreateCpuSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "cpu");
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());

  const double hz = TicksPerSecond();
  CHECK(sink.Find("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}}) ==
        Approx(21873421 / hz));
  CHECK(sink.Find("node_cpu_seconds_total", {{"cpu", "7"}, {"mode", "idle"}}) ==
        Approx(325017283 / hz));
  CHECK(sink.Find("node_cpu_seconds_total", {{"cpu", "3"}, {"mode", "iowait"}}) ==
        Approx(2873612 / hz));
  CHECK(sink.Count("node_cpu_seconds_total") == 8 * 8);
  CHECK(sink.Count("node_cpu_guest_seconds_total") == 8 * 2);
  CHECK(sink.Find("node_cpu_guest_seconds_total", {{"cpu", "2"}, {"mode", "nice"}}) == 0);
  // The aggregate line is not reported.
  CHECK(sink.LabelValues("node_cpu_seconds_total", "cpu") ==
        std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"});
  CHECK(sink.Find("node_context_switches_total") == 98237461283.0);
  CHECK(sink.Find("node_forks_total") == 48211873);
  CHECK(sink.Find("node_intr_total") == 21873948123.0);
  CHECK(sink.Find("node_procs_running") == 6);
  CHECK(sink.Find("node_procs_blocked") == 1);
  CHECK(sink.Find("node_boot_time_seconds") == 1727325941);
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("cpu source omits the columns an old kernel does not print") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-2.6.18-rhel5");
  auto source = CreateCpuSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Count("node_cpu_seconds_total") == 4 * 8);
  CHECK(sink.Count("node_cpu_guest_seconds_total") == 0);
  CHECK(sink.Find("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "steal"}}) == 0);
  CHECK(sink.Find("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "irq"}}) ==
        Approx(30712 / TicksPerSecond()));
}

TEST_CASE("cpu source reports a missing file as NotFound and a bad one with file and line") {
  SourceOptions options;
  options.proc_root = "/nonexistent/vigil-proc";
  auto source = CreateCpuSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  absl::Status missing = (*source)->Collect(TickContext{}, sink);
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(missing.message()).find("/nonexistent/vigil-proc/stat") != std::string::npos);

  vigil::testing::TempDir dir;
  dir.WriteFile("stat", "cpu  1 2 3 4\ncpu0 1 2 three 4\n");
  options.proc_root = dir.path();
  source = CreateCpuSource(options);
  REQUIRE(source.ok());
  absl::Status bad = (*source)->Collect(TickContext{}, sink);
  CHECK(bad.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad.message()).find(dir.path() + "/stat line 2: ") == 0);
  CHECK(sink.samples().empty());
}

}  // namespace
}  // namespace vigil::agent
