#include "agent/sources/loadavg.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;
using vigil::testing::TestDataDir;

TEST_CASE("ParseLoadavg reads the three averages") {
  absl::StatusOr<Loadavg> load = ParseLoadavg("0.52 0.58 0.59 2/1010 12345\n");
  REQUIRE(load.ok());
  CHECK(load->load1 == 0.52);
  CHECK(load->load5 == 0.58);
  CHECK(load->load15 == 0.59);
  load = ParseLoadavg("123.00 98.50 40.25");  // no newline, no process fields
  REQUIRE(load.ok());
  CHECK(load->load15 == 40.25);
}

TEST_CASE("ParseLoadavg rejects malformed input") {
  for (const char* bad :
       {"", "\n", "1.0 2.0", "abc 1 2 1/1 1", "nan 1 2 1/1 1", "-1 1 2 1/1 1", "1 2\n3 4 5\n"}) {
    INFO(bad);
    absl::StatusOr<Loadavg> load = ParseLoadavg(bad);
    REQUIRE_FALSE(load.ok());
    CHECK(std::string(load.status().message()).find("line 1:") == 0);
  }
}

TEST_CASE("loadavg source reports node_load1/5/15 from fixture trees") {
  struct Case {
    const char* tree;
    double load1, load5, load15;
  };
  for (const Case& c :
       {Case{"kernel-3.10-rhel7", 3.41, 2.97, 2.88}, Case{"kernel-6.1-debian12", 1.27, 0.94, 0.81},
        Case{"kernel-2.6.18-rhel5", 0.31, 0.42, 0.39}}) {
    INFO(c.tree);
    SourceOptions options;
    options.proc_root = TestDataDir() + "/proc/" + c.tree;
    absl::StatusOr<std::unique_ptr<Source>> source = CreateLoadavgSource(options);
    REQUIRE(source.ok());
    CHECK((*source)->name() == "loadavg");
    RecordingSink sink;
    REQUIRE((*source)->Collect(TickContext{}, sink).ok());
    CHECK(sink.samples().size() == 3);
    CHECK(sink.Find("node_load1") == c.load1);
    CHECK(sink.Find("node_load5") == c.load5);
    CHECK(sink.Find("node_load15") == c.load15);
  }
}

TEST_CASE("loadavg source errors name the file") {
  vigil::testing::TempDir dir;
  dir.WriteFile("loadavg", "0.1 oops\n");
  SourceOptions options;
  options.proc_root = dir.path();
  auto source = CreateLoadavgSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  absl::Status bad = (*source)->Collect(TickContext{}, sink);
  CHECK(std::string(bad.message()).find(dir.path() + "/loadavg line 1: ") == 0);
  CHECK(sink.samples().empty());
  options.proc_root = dir.Path("missing");
  source = CreateLoadavgSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->Collect(TickContext{}, sink).code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace vigil::agent
