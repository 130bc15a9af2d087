#include "agent/sources/processes.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;

TEST_CASE("ParseProcessState reads state and threads, whatever the comm", "[processes]") {
  absl::StatusOr<ProcessState> state = ParseProcessState(
      "601 (my (odd) worker) D 1 601 601 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 12 0 1000 "
      "221184000 2500\n");
  REQUIRE(state.ok());
  CHECK(state->state == 'D');
  CHECK(state->threads == 12);
  CHECK_FALSE(ParseProcessState("601 (x) D 1 2 3\n").ok());
  CHECK_FALSE(ParseProcessState("garbage").ok());
}

TEST_CASE("processes counts a fixture tree's processes per state", "[processes]") {
  SourceOptions options;
  options.proc_root = vigil::testing::TestDataDir() + "/proc/security-host";
  auto source = CreateProcessesSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Find("node_processes_state", {{"state", "S"}}) == 5);
  CHECK(sink.Find("node_processes_state", {{"state", "R"}}) == 1);
  CHECK(sink.Find("node_processes_state", {{"state", "Z"}}) == 1);
  CHECK(sink.Find("node_processes_state", {{"state", "D"}}) == 1);
  CHECK(sink.Find("node_processes_state", {{"state", "T"}}) == 0);
  CHECK(sink.Find("node_processes_pids") == 8);
  CHECK(sink.Find("node_processes_threads") == 1 + 1 + 1 + 1 + 2 + 1 + 1 + 12);
  CHECK(sink.Find("node_processes_max_processes") == 4194304);
  CHECK(sink.Find("node_processes_max_threads") == 126726);
}

TEST_CASE("processes sees zombies appear on the real /proc", "[processes]") {
  auto source = CreateProcessesSource(SourceOptions());
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const double before = sink.Find("node_processes_state", {{"state", "Z"}}).value_or(-1);
  REQUIRE(before >= 0);

  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) _exit(0);  // not reaped until the end: a zombie
    children.push_back(child);
  }
  for (pid_t child : children) {
    const std::string stat = absl::StrCat("/proc/", child, "/stat");
    REQUIRE(vigil::testing::WaitFor(
        [&] {
          absl::StatusOr<std::string> text = ReadFile(stat);
          return text.ok() && ParseProcessState(*text).ok() &&
                 ParseProcessState(*text)->state == 'Z';
        },
        absl::Seconds(10)));
  }
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const double after = sink.Find("node_processes_state", {{"state", "Z"}}).value_or(-1);
  INFO("zombies before " << before << ", after " << after);
  CHECK(after >= 3);
  for (pid_t child : children) waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace vigil::agent
