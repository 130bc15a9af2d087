// The "diskstats" source: <proc_root>/diskstats, with node_exporter's metric names.
// Label: device. Devices matching SourceOptions::diskstats_exclude_devices (an RE2,
// partial match, as node_exporter's regexp) are skipped.
//
//   node_disk_reads_completed_total          node_disk_writes_completed_total
//   node_disk_reads_merged_total             node_disk_writes_merged_total
//   node_disk_read_bytes_total (sectors*512) node_disk_written_bytes_total
//   node_disk_read_time_seconds_total        node_disk_write_time_seconds_total
//   node_disk_io_now                         node_disk_io_time_seconds_total
//   node_disk_io_time_weighted_seconds_total
// kernel >= 4.18 (18 fields per line):
//   node_disk_discards_completed_total       node_disk_discards_merged_total
//   node_disk_discarded_sectors_total        node_disk_discard_time_seconds_total
// kernel >= 5.5 (20 fields per line):
//   node_disk_flush_requests_total           node_disk_flush_requests_time_seconds_total
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// One line of /proc/diskstats (Documentation/admin-guide/iostats.rst). Times are in
// milliseconds, sizes in 512-byte sectors, as the kernel prints them.
struct DiskDeviceStats {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string device;
  uint64_t reads_completed = 0;
  uint64_t reads_merged = 0;
  uint64_t sectors_read = 0;
  uint64_t read_time_ms = 0;
  uint64_t writes_completed = 0;
  uint64_t writes_merged = 0;
  uint64_t sectors_written = 0;
  uint64_t write_time_ms = 0;
  uint64_t ios_in_progress = 0;
  uint64_t io_time_ms = 0;
  uint64_t weighted_io_time_ms = 0;
  // Kernel >= 4.18.
  std::optional<uint64_t> discards_completed;
  std::optional<uint64_t> discards_merged;
  std::optional<uint64_t> sectors_discarded;
  std::optional<uint64_t> discard_time_ms;
  // Kernel >= 5.5.
  std::optional<uint64_t> flush_requests;
  std::optional<uint64_t> flush_time_ms;
};

struct Diskstats {
  std::vector<DiskDeviceStats> devices;  // in file order
  // Lines with an unexpected field count (e.g. the 7-field partition lines of
  // kernels < 2.6.25) or bad numbers are skipped and counted here.
  SkippedLines skipped;
};

// Parses the content of /proc/diskstats. Lines of 14, 18 or 20 fields are read (more
// than 20: the extra fields of a newer kernel are ignored). An empty file is valid (no
// block devices); fails ("line N: ...") only if no line of a non-empty file parses.
absl::StatusOr<Diskstats> ParseDiskstats(absl::string_view text);

// Fails (naming the option) if diskstats_exclude_devices is not a valid RE2.
absl::StatusOr<std::unique_ptr<Source>> CreateDiskstatsSource(const SourceOptions& options);

}  // namespace vigil::agent
