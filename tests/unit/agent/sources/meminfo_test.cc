#include "agent/sources/meminfo.h"

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

Meminfo MustParse(const std::string& tree) {
  absl::StatusOr<std::string> text = ReadFile(Fixture(tree) + "/meminfo");
  REQUIRE(text.ok());
  absl::StatusOr<Meminfo> meminfo = ParseMeminfo(*text);
  REQUIRE(meminfo.ok());
  return *meminfo;
}

TEST_CASE("NormalizeMeminfoKey follows node_exporter") {
  CHECK(NormalizeMeminfoKey("Active(anon)") == "Active_anon");
  CHECK(NormalizeMeminfoKey("Inactive(file)") == "Inactive_file");
  CHECK(NormalizeMeminfoKey("MemTotal") == "MemTotal");
  CHECK(NormalizeMeminfoKey("HugePages_Total") == "HugePages_Total");
}

TEST_CASE("ParseMeminfo reads a RHEL 7 (3.10) /proc/meminfo") {
  const Meminfo meminfo = MustParse("kernel-3.10-rhel7");
  CHECK(meminfo.entries.size() == 47);
  CHECK(meminfo.skipped.count == 0);
  CHECK(meminfo.entries.front().key == "MemTotal");
  CHECK(meminfo.entries.front().in_bytes);
  CHECK(meminfo.Get("MemTotal") == 131746036ull * 1024);
  CHECK(meminfo.Get("MemAvailable") == 17283924ull * 1024);
  CHECK(meminfo.Get("Active_anon") == 6123844ull * 1024);
  CHECK(meminfo.Get("VmallocTotal") == 34359738367ull * 1024);
  CHECK(meminfo.Get("HugePages_Total") == 40960);
  CHECK(meminfo.Get("HugePages_Rsvd") == 1082);
  CHECK_FALSE(meminfo.Get("Active(anon)").has_value());
  CHECK_FALSE(meminfo.Get("Zswap").has_value());
}

TEST_CASE("ParseMeminfo reads the key sets of Debian 12 (6.1) and RHEL 5 (2.6.18)") {
  const Meminfo debian = MustParse("kernel-6.1-debian12");
  CHECK(debian.entries.size() == 53);
  CHECK(debian.Get("Zswapped") == 0);
  CHECK(debian.Get("KReclaimable") == 891572ull * 1024);
  CHECK(debian.Get("Hugetlb") == 0);

  const Meminfo rhel5 = MustParse("kernel-2.6.18-rhel5");
  CHECK(rhel5.entries.size() == 30);
  CHECK(rhel5.Get("LowTotal") == 16439212ull * 1024);
  CHECK_FALSE(rhel5.Get("MemAvailable").has_value());  // added in 3.14
}

TEST_CASE("ParseMeminfo skips malformed lines and counts them") {
  absl::StatusOr<Meminfo> meminfo = ParseMeminfo(
      "MemTotal:        1000 kB\n"
      "MemFree 12 kB\n"
      "Buffers:    abc kB\n"
      "Cached:       7 MB\n"
      "Dirty:        1 kB extra\n"
      "Huge:   18446744073709551615 kB\n"
      ":  5\n"
      "\n"
      "HugePages_Free:  3\n");
  REQUIRE(meminfo.ok());
  REQUIRE(meminfo->entries.size() == 2);
  CHECK(meminfo->Get("MemTotal") == 1024000);
  CHECK(meminfo->Get("HugePages_Free") == 3);
  CHECK_FALSE(meminfo->entries[1].in_bytes);
  CHECK(meminfo->skipped.count == 6);
  CHECK(meminfo->skipped.first.find("line 2:") == 0);
}

TEST_CASE("ParseMeminfo fails on empty or unparsable input") {
  CHECK_FALSE(ParseMeminfo("").ok());
  CHECK_FALSE(ParseMeminfo("\n\n").ok());
  absl::StatusOr<Meminfo> garbage = ParseMeminfo("<html>\n  <body>oops</body>\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(std::string(garbage.status().message()).find("line 1:") == 0);
}

TEST_CASE("meminfo source emits node_memory_* with _bytes only for kB lines") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-3.10-rhel7");
  absl::StatusOr<std::unique_ptr<Source>> source = CreateMeminfoSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "meminfo");
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.samples().size() == 47);
  CHECK(sink.Find("node_memory_MemTotal_bytes") == 131746036.0 * 1024);
  CHECK(sink.Find("node_memory_MemAvailable_bytes") == 17283924.0 * 1024);
  CHECK(sink.Find("node_memory_Inactive_file_bytes") == 7254760.0 * 1024);
  CHECK(sink.Find("node_memory_HugePages_Total") == 40960);
  CHECK(sink.Find("node_memory_Hugepagesize_bytes") == 2048.0 * 1024);
  CHECK_FALSE(sink.Find("node_memory_HugePages_Total_bytes").has_value());
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("meminfo source errors name the file") {
  SourceOptions options;
  options.proc_root = "/nonexistent/vigil-proc";
  auto source = CreateMeminfoSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  absl::Status missing = (*source)->Collect(TickContext{}, sink);
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(missing.message()).find("/nonexistent/vigil-proc/meminfo") !=
        std::string::npos);

  vigil::testing::TempDir dir;
  dir.WriteFile("meminfo", "garbage\n");
  options.proc_root = dir.path();
  source = CreateMeminfoSource(options);
  REQUIRE(source.ok());
  absl::Status bad = (*source)->Collect(TickContext{}, sink);
  CHECK(std::string(bad.message()).find(dir.path() + "/meminfo line 1: ") == 0);
}

}  // namespace
}  // namespace vigil::agent
