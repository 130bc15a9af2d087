#include "agent/sources/diskstats.h"

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

Diskstats MustParse(const std::string& tree) {
  absl::StatusOr<std::string> text = ReadFile(Fixture(tree) + "/diskstats");
  REQUIRE(text.ok());
  absl::StatusOr<Diskstats> stats = ParseDiskstats(*text);
  REQUIRE(stats.ok());
  return *stats;
}

const DiskDeviceStats* FindDevice(const Diskstats& stats, const std::string& name) {
  for (const DiskDeviceStats& disk : stats.devices) {
    if (disk.device == name) return &disk;
  }
  return nullptr;
}

RecordingSink CollectTree(const std::string& tree, SourceOptions options = {}) {
  options.proc_root = Fixture(tree);
  absl::StatusOr<std::unique_ptr<Source>> source = CreateDiskstatsSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  return sink;
}

TEST_CASE("ParseDiskstats reads 14-field lines of a RHEL 7 (3.10) kernel") {
  const Diskstats stats = MustParse("kernel-3.10-rhel7");
  CHECK(stats.devices.size() == 14);
  CHECK(stats.skipped.count == 0);
  const DiskDeviceStats* mpath = FindDevice(stats, "dm-3");
  REQUIRE(mpath != nullptr);
  CHECK(mpath->major == 253);
  CHECK(mpath->minor == 3);
  CHECK(mpath->reads_completed == 183651110);
  CHECK(mpath->sectors_read == 17447061155ull);
  CHECK(mpath->ios_in_progress == 3);
  CHECK(mpath->weighted_io_time_ms == 162028658);
  CHECK_FALSE(mpath->discards_completed.has_value());
  CHECK_FALSE(mpath->flush_requests.has_value());
  const DiskDeviceStats* partition = FindDevice(stats, "sda1");
  REQUIRE(partition != nullptr);
  CHECK(partition->writes_merged == 12);
}

TEST_CASE("ParseDiskstats reads discard and flush fields of a Debian 12 (6.1) kernel") {
  const Diskstats stats = MustParse("kernel-6.1-debian12");
  CHECK(stats.devices.size() == 11);
  const DiskDeviceStats* nvme = FindDevice(stats, "nvme1n1");
  REQUIRE(nvme != nullptr);
  CHECK(nvme->major == 259);
  CHECK(nvme->writes_completed == 182736452);
  CHECK(nvme->sectors_written == 18273645123ull);
  CHECK(nvme->discards_completed == 82736);
  CHECK(nvme->discards_merged == 0);
  CHECK(nvme->sectors_discarded == 2837465123ull);
  CHECK(nvme->discard_time_ms == 12837);
  CHECK(nvme->flush_requests == 9283746);
  CHECK(nvme->flush_time_ms == 1827364);
}

TEST_CASE("ParseDiskstats skips the short partition lines of kernels before 2.6.25") {
  const Diskstats stats = MustParse("kernel-2.6.18-rhel5");
  CHECK(stats.devices.size() == 9);
  CHECK(stats.skipped.count == 2);
  CHECK(stats.skipped.first == "line 8: expected 14, 18 or 20 fields, got 7");
  CHECK(FindDevice(stats, "sda1") == nullptr);
  const DiskDeviceStats* sda = FindDevice(stats, "sda");
  REQUIRE(sda != nullptr);
  CHECK(sda->write_time_ms == 82311735);
}

TEST_CASE("ParseDiskstats handles odd lines") {
  absl::StatusOr<Diskstats> stats = ParseDiskstats(
      "   8  0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n"                    // 15 fields
      "   8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"        // 19 fields
      "   8 32 sdc 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n"  // 21: a newer kernel
      "   x 48 sdd 1 2 3 4 5 6 7 8 9 10 11\n"
      "   8 64 sde 1 2 3 4 5 6 7 8 -9 10 11\n"
      "\n"
      " 253  0 dm-0 1 2 3 4 5 6 7 8 9 10 11\n");
  REQUIRE(stats.ok());
  REQUIRE(stats->devices.size() == 2);
  CHECK(stats->devices[0].device == "sdc");
  CHECK(stats->devices[0].flush_time_ms == 17);
  CHECK(stats->devices[1].device == "dm-0");
  CHECK(stats->devices[1].io_time_ms == 10);
  CHECK(stats->skipped.count == 4);
  CHECK(stats->skipped.first == "line 1: expected 14, 18 or 20 fields, got 15");
}

TEST_CASE("ParseDiskstats: an empty file has no devices, a garbage file is an error") {
  absl::StatusOr<Diskstats> empty = ParseDiskstats("");
  REQUIRE(empty.ok());
  CHECK(empty->devices.empty());
  absl::StatusOr<Diskstats> garbage = ParseDiskstats("\xff\xfe garbage\n1 2 3\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(std::string(garbage.status().message()).find("line 1:") == 0);
}

TEST_CASE("diskstats source reports whole disks of a Debian 12 tree with the default excludes") {
  RecordingSink sink = CollectTree("kernel-6.1-debian12");
  CHECK(sink.LabelValues("node_disk_reads_completed_total", "device") ==
        std::vector<std::string>{"dm-0", "dm-1", "nvme0n1", "nvme1n1"});
  CHECK(sink.Find("node_disk_reads_completed_total", {{"device", "nvme0n1"}}) == 4712346);
  CHECK(sink.Find("node_disk_reads_merged_total", {{"device", "nvme0n1"}}) == 12423);
  CHECK(sink.Find("node_disk_read_bytes_total", {{"device", "nvme0n1"}}) == 380263402.0 * 512);
  CHECK(sink.Find("node_disk_read_time_seconds_total", {{"device", "nvme0n1"}}) ==
        Approx(1082.734));
  CHECK(sink.Find("node_disk_writes_completed_total", {{"device", "nvme0n1"}}) == 29843255);
  CHECK(sink.Find("node_disk_writes_merged_total", {{"device", "nvme0n1"}}) == 19328442);
  CHECK(sink.Find("node_disk_written_bytes_total", {{"device", "nvme0n1"}}) == 1492834624.0 * 512);
  CHECK(sink.Find("node_disk_write_time_seconds_total", {{"device", "nvme0n1"}}) ==
        Approx(24218.953));
  CHECK(sink.Find("node_disk_io_now", {{"device", "dm-0"}}) == 2);
  CHECK(sink.Find("node_disk_io_time_seconds_total", {{"device", "nvme0n1"}}) == Approx(8823.140));
  CHECK(sink.Find("node_disk_io_time_weighted_seconds_total", {{"device", "nvme0n1"}}) ==
        Approx(25562.087));
  CHECK(sink.Find("node_disk_discards_completed_total", {{"device", "nvme0n1"}}) == 512843);
  CHECK(sink.Find("node_disk_discards_merged_total", {{"device", "nvme0n1"}}) == 0);
  CHECK(sink.Find("node_disk_discarded_sectors_total", {{"device", "nvme0n1"}}) == 1028475392);
  CHECK(sink.Find("node_disk_discard_time_seconds_total", {{"device", "nvme0n1"}}) ==
        Approx(8.394));
  CHECK(sink.Find("node_disk_flush_requests_total", {{"device", "nvme0n1"}}) == 1928342);
  CHECK(sink.Find("node_disk_flush_requests_time_seconds_total", {{"device", "nvme0n1"}}) ==
        Approx(252.006));
  CHECK(sink.samples().size() == 4 * 17);
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("diskstats source on a RHEL 7 tree: multipath dm-* and paths, no discard metrics") {
  RecordingSink sink = CollectTree("kernel-3.10-rhel7");
  CHECK(sink.LabelValues("node_disk_io_now", "device") ==
        std::vector<std::string>{"dm-0", "dm-1", "dm-2", "dm-3", "dm-4", "dm-5", "sda", "sdb",
                                 "sdc", "sdd", "sde", "sr0"});
  CHECK(sink.Count("node_disk_discards_completed_total") == 0);
  CHECK(sink.Count("node_disk_flush_requests_total") == 0);
  CHECK(sink.Find("node_disk_written_bytes_total", {{"device", "dm-4"}}) == 8257355695.0 * 512);
  CHECK(sink.samples().size() == 12 * 11);
}

TEST_CASE("diskstats source honours a custom exclude expression, partially matched") {
  SourceOptions options;
  options.diskstats_exclude_devices = "dm-";
  RecordingSink sink = CollectTree("kernel-3.10-rhel7", options);
  CHECK(sink.LabelValues("node_disk_io_now", "device") ==
        std::vector<std::string>{"sda", "sda1", "sda2", "sdb", "sdc", "sdd", "sde", "sr0"});
  options.diskstats_exclude_devices = "";
  CHECK(CollectTree("kernel-3.10-rhel7", options).Count("node_disk_io_now") == 14);
}

TEST_CASE("diskstats source factory rejects a bad expression, naming the option") {
  SourceOptions options;
  options.diskstats_exclude_devices = "^(sd[a-z";
  absl::StatusOr<std::unique_ptr<Source>> source = CreateDiskstatsSource(options);
  REQUIRE_FALSE(source.ok());
  CHECK(std::string(source.status().message()).find("diskstats_exclude_devices") !=
        std::string::npos);
}

TEST_CASE("diskstats source reports a missing file (some containers) as NotFound") {
  SourceOptions options;
  options.proc_root = "/nonexistent/vigil-proc";
  auto source = CreateDiskstatsSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "diskstats");
  RecordingSink sink;
  absl::Status status = (*source)->Collect(TickContext{}, sink);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(status.message()).find("/nonexistent/vigil-proc/diskstats") !=
        std::string::npos);
}

}  // namespace
}  // namespace vigil::agent
