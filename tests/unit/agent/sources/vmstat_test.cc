#include "agent/sources/vmstat.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;

TEST_CASE("ParseVmstat keeps node_exporter's default fields", "[vmstat]") {
  absl::StatusOr<std::string> text =
      ReadFile(vigil::testing::TestDataDir() + "/proc/security-host/vmstat");
  REQUIRE(text.ok());
  absl::StatusOr<Vmstat> vmstat = ParseVmstat(*text);
  REQUIRE(vmstat.ok());
  CHECK(vmstat->fields.size() == 7);
  CHECK(vmstat->fields.at("oom_kill") == 3);
  CHECK(vmstat->fields.at("pgmajfault") == 93421);
  CHECK(vmstat->fields.at("pswpout") == 340);
  CHECK_FALSE(vmstat->fields.contains("nr_free_pages"));
  CHECK(vmstat->skipped.count == 0);

  vmstat = ParseVmstat("pgfault 1\nbroken\npswpin x\n");
  REQUIRE(vmstat.ok());
  CHECK(vmstat->skipped.count == 2);
  CHECK_FALSE(ParseVmstat("nr_free_pages 1\n").ok());
}

TEST_CASE("vmstat exports the counters and an oom_kill event when the count rises", "[vmstat]") {
  vigil::testing::TempDir dir;
  const std::string vmstat =
      *ReadFile(vigil::testing::TestDataDir() + "/proc/security-host/vmstat");
  dir.WriteFile("vmstat", vmstat);
  SourceOptions options;
  options.proc_root = dir.path();
  auto source = CreateVmstatSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Find("node_vmstat_oom_kill") == 3);
  CHECK(sink.Find("node_vmstat_pgfault") == 1358194344);
  CHECK(sink.Find("node_vmstat_pswpin") == 12);
  CHECK(sink.events().empty());  // the kills before the agent started are not news

  std::string more = vmstat;
  more.replace(more.find("oom_kill 3"), 10, "oom_kill 5");
  dir.WriteFile("vmstat", more);
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  REQUIRE(sink.EventsOf("oom_kill").size() == 1);
  const Event event = sink.EventsOf("oom_kill")[0];
  CHECK(event.severity == EventSeverity::kCritical);
  CHECK(
      absl::StartsWith(event.message, "the kernel's OOM killer killed 2 processes (5 since boot)"));
  CHECK(sink.Find("vigil_vmstat_oom_kill_events_total") == 1);

  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.events().empty());
}

TEST_CASE("vmstat reads the real /proc/vmstat", "[vmstat]") {
  auto source = CreateVmstatSource(SourceOptions());
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Find("node_vmstat_pgfault").value_or(0) > 0);
}

}  // namespace
}  // namespace vigil::agent
