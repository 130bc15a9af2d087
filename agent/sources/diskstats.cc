#include "agent/sources/diskstats.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"
#include "common/file.h"
#include "common/log.h"
#include "re2/re2.h"

namespace vigil::agent {
namespace {

constexpr double kSectorBytes = 512;  // the kernel's unit, whatever the device's sector size
constexpr double kMsPerSecond = 1000;

struct Counter {
  absl::string_view metric;
  uint64_t DiskDeviceStats::*field;
  double scale;  // value * scale
};

constexpr Counter kCounters[] = {
    {"node_disk_reads_completed_total", &DiskDeviceStats::reads_completed, 1},
    {"node_disk_reads_merged_total", &DiskDeviceStats::reads_merged, 1},
    {"node_disk_read_bytes_total", &DiskDeviceStats::sectors_read, kSectorBytes},
    {"node_disk_read_time_seconds_total", &DiskDeviceStats::read_time_ms, 1 / kMsPerSecond},
    {"node_disk_writes_completed_total", &DiskDeviceStats::writes_completed, 1},
    {"node_disk_writes_merged_total", &DiskDeviceStats::writes_merged, 1},
    {"node_disk_written_bytes_total", &DiskDeviceStats::sectors_written, kSectorBytes},
    {"node_disk_write_time_seconds_total", &DiskDeviceStats::write_time_ms, 1 / kMsPerSecond},
    {"node_disk_io_now", &DiskDeviceStats::ios_in_progress, 1},
    {"node_disk_io_time_seconds_total", &DiskDeviceStats::io_time_ms, 1 / kMsPerSecond},
    {"node_disk_io_time_weighted_seconds_total", &DiskDeviceStats::weighted_io_time_ms,
     1 / kMsPerSecond},
};

struct OptionalCounter {
  absl::string_view metric;
  std::optional<uint64_t> DiskDeviceStats::*field;
  double scale;
};

constexpr OptionalCounter kOptionalCounters[] = {
    {"node_disk_discards_completed_total", &DiskDeviceStats::discards_completed, 1},
    {"node_disk_discards_merged_total", &DiskDeviceStats::discards_merged, 1},
    {"node_disk_discarded_sectors_total", &DiskDeviceStats::sectors_discarded, 1},
    {"node_disk_discard_time_seconds_total", &DiskDeviceStats::discard_time_ms, 1 / kMsPerSecond},
    {"node_disk_flush_requests_total", &DiskDeviceStats::flush_requests, 1},
    {"node_disk_flush_requests_time_seconds_total", &DiskDeviceStats::flush_time_ms,
     1 / kMsPerSecond},
};

// Parses one line into *disk. Returns an error message, empty on success.
std::string ParseLine(absl::string_view line, DiskDeviceStats* disk) {
  const std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  const size_t n = fields.size();
  if (n != 14 && n != 18 && n < 20) {
    return absl::StrCat("expected 14, 18 or 20 fields, got ", n);
  }
  if (!absl::SimpleAtoi(fields[0], &disk->major) || !absl::SimpleAtoi(fields[1], &disk->minor)) {
    return "bad major:minor";
  }
  disk->device = std::string(fields[2]);
  uint64_t values[17];
  const size_t count = std::min<size_t>(n - 3, 17);
  for (size_t i = 0; i < count; ++i) {
    if (!absl::SimpleAtoi(fields[i + 3], &values[i])) {
      return absl::StrCat("bad number \"", fields[i + 3], "\"");
    }
  }
  uint64_t* base[] = {&disk->reads_completed, &disk->reads_merged,       &disk->sectors_read,
                      &disk->read_time_ms,    &disk->writes_completed,   &disk->writes_merged,
                      &disk->sectors_written, &disk->write_time_ms,      &disk->ios_in_progress,
                      &disk->io_time_ms,      &disk->weighted_io_time_ms};
  for (size_t i = 0; i < 11; ++i) *base[i] = values[i];
  std::optional<uint64_t>* extra[] = {&disk->discards_completed, &disk->discards_merged,
                                      &disk->sectors_discarded,  &disk->discard_time_ms,
                                      &disk->flush_requests,     &disk->flush_time_ms};
  for (size_t i = 11; i < count; ++i) *extra[i - 11] = values[i];
  return "";
}

class DiskstatsSource : public Source {
 public:
  DiskstatsSource(std::string path, std::unique_ptr<RE2> exclude)
      : file_(std::move(path)), exclude_(std::move(exclude)) {}

  absl::string_view name() const override { return "diskstats"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    absl::StatusOr<Diskstats> stats = file_.ReadAndParse(ParseDiskstats);
    if (!stats.ok()) return stats.status();
    for (const DiskDeviceStats& disk : stats->devices) {
      if (exclude_ != nullptr &&
          RE2::PartialMatch(re2::StringPiece(disk.device.data(), disk.device.size()), *exclude_)) {
        continue;
      }
      const LabelPair labels[] = {{"device", disk.device}};
      for (const Counter& counter : kCounters) {
        sink.Add(counter.metric, labels, static_cast<double>(disk.*counter.field) * counter.scale);
      }
      for (const OptionalCounter& counter : kOptionalCounters) {
        const std::optional<uint64_t>& value = disk.*counter.field;
        if (value.has_value()) {
          sink.Add(counter.metric, labels, static_cast<double>(*value) * counter.scale);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  ProcFile file_;
  const std::unique_ptr<RE2> exclude_;  // null: exclude nothing
};

}  // namespace

absl::StatusOr<Diskstats> ParseDiskstats(absl::string_view text) {
  Diskstats stats;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    DiskDeviceStats disk;
    const std::string error = ParseLine(line, &disk);
    if (error.empty()) {
      stats.devices.push_back(std::move(disk));
    } else {
      stats.skipped.Add(line_number, error);
    }
  }
  if (stats.devices.empty() && stats.skipped.count > 0) {
    return absl::InvalidArgumentError(stats.skipped.first);
  }
  return stats;
}

absl::StatusOr<std::unique_ptr<Source>> CreateDiskstatsSource(const SourceOptions& options) {
  std::unique_ptr<RE2> exclude;
  if (!options.diskstats_exclude_devices.empty()) {
    exclude = std::make_unique<RE2>(options.diskstats_exclude_devices, RE2::Quiet);
    if (!exclude->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("diskstats_exclude_devices: invalid regular expression \"",
                       options.diskstats_exclude_devices, "\": ", exclude->error()));
    }
  }
  return std::make_unique<DiskstatsSource>(absl::StrCat(options.proc_root, "/diskstats"),
                                           std::move(exclude));
}

}  // namespace vigil::agent
