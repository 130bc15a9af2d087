// vigil-bench storage: the storage engine alone.
#include <ctime>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "bench/codec_study.h"
#include "bench/host_data.h"
#include "bench/modes.h"
#include "bench/stats.h"
#include "collector/storage/tsdb.h"
#include "collector/storage/window.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::bench {
namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int RunStorage(const StorageFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  absl::StatusOr<WorkDir> work = WorkDir::Make(common.dir, common.keep_dir);
  if (!work.ok()) {
    LogError("storage: ", work.status().message());
    return 1;
  }
  const std::string& dir = work->path();
  const int64_t span = 10 * storage::kMinuteMs;
  const int64_t start = storage::AlignDown(absl::ToUnixMillis(absl::Now()), span) -
                        (static_cast<int64_t>(flags.ticks) * 1000 + span - 1) / span * span;
  ManualClock clock(absl::FromUnixMillis(start));
  storage::TsdbOptions options;
  options.dir = dir + "/db";
  options.sync_writes = flags.sync;
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> opened = storage::Tsdb::Open(options);
  if (!opened.ok()) {
    LogError("storage: ", opened.status().message());
    return 1;
  }
  storage::Tsdb& tsdb = **opened;

  std::vector<HostDataGenerator> hosts;
  std::vector<std::vector<storage::SeriesId>> ids(flags.hosts);
  for (int h = 0; h < flags.hosts; ++h) {
    hosts.emplace_back(static_cast<uint64_t>(h) + 1, flags.series);
    const std::string instance = absl::StrCat("bench-host-", h);
    for (const SeriesInfo& info : hosts.back().series()) {
      std::vector<Label> labels;
      for (const auto& [name, value] : info.labels) labels.push_back({name, value});
      labels.push_back({"instance", instance});
      absl::StatusOr<storage::SeriesId> id = tsdb.index().GetOrCreate(LabelSet(labels));
      if (!id.ok()) {
        LogError("storage: ", id.status().message());
        return 1;
      }
      ids[h].push_back(*id);
    }
  }

  std::vector<double> values;
  std::vector<storage::SeriesWrite> writes;
  uint64_t samples = 0;
  double commit_cpu = 0, commit_wall = 0;
  const double process_cpu_before = ProcessCpuSeconds();
  const absl::Time wall_before = absl::Now();
  for (int tick = 0; tick < flags.ticks; ++tick) {
    const int64_t t = start + static_cast<int64_t>(tick) * 1000;
    clock.Set(absl::FromUnixMillis(t));
    for (int h = 0; h < flags.hosts; ++h) {
      hosts[h].Tick(t, &values);
      writes.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        writes[i] = storage::SeriesWrite{ids[h][i], std::span<const int64_t>(&t, 1),
                                         std::span<const double>(&values[i], 1)};
      }
      const double cpu0 = ThreadCpuSeconds();
      const absl::Time wall0 = absl::Now();
      absl::StatusOr<storage::CommitResult> result = tsdb.Commit(
          writes, {absl::StrCat("bench-host-", h), "bench", static_cast<uint64_t>(tick) + 1, t});
      commit_wall += absl::ToDoubleSeconds(absl::Now() - wall0);
      commit_cpu += ThreadCpuSeconds() - cpu0;
      if (!result.ok()) {
        LogError("storage: ", result.status().message());
        return 1;
      }
      samples += result->stored;
    }
  }
  const double process_cpu = ProcessCpuSeconds() - process_cpu_before;
  const double wall = absl::ToDoubleSeconds(absl::Now() - wall_before);

  // A head snapshot of every series (what Maintain() does every few minutes).
  const absl::Time snapshot_begin = absl::Now();
  if (absl::Status s = tsdb.SnapshotHead(); !s.ok()) {
    LogError("storage: ", s.message());
    return 1;
  }
  const double snapshot_ms = absl::ToDoubleMilliseconds(absl::Now() - snapshot_begin);

  // Close every window, compact, and weigh what is on disk.
  clock.Set(absl::FromUnixMillis(start + static_cast<int64_t>(flags.ticks) * 1000 + 3 * span));
  absl::Status done = tsdb.Maintain();
  if (done.ok()) done = tsdb.CompactAll();
  if (!done.ok()) {
    LogError("storage: ", done.message());
    return 1;
  }
  const uint64_t raw_bytes = tsdb.DiskBytes(storage::Resolution::kRaw);
  const uint64_t in_chunks = tsdb.counters().samples_in_chunks.load();
  nlohmann::json figures = {
      {"mode", "storage"},
      {"hosts", flags.hosts},
      {"series", flags.hosts * flags.series},
      {"samples", samples},
      {"sync", flags.sync},
      {"samples_per_sec", static_cast<double>(samples) / commit_wall},
      {"samples_per_cpu_sec", static_cast<double>(samples) / commit_cpu},
      {"process_cpu_cores", process_cpu / wall},
      {"bytes_per_sample", static_cast<double>(raw_bytes) / static_cast<double>(in_chunks)},
      {"raw_bytes", raw_bytes},
      {"rollup_1m_bytes", tsdb.DiskBytes(storage::Resolution::kMinute)},
      {"rollup_1h_bytes", tsdb.DiskBytes(storage::Resolution::kHour)},
      {"chunks_written", tsdb.counters().chunks_written.load()},
      {"head_snapshot_ms", snapshot_ms},
  };
  opened->reset();

  // Bytes per sample by value kind: the chunk encodings compared on the same data
  // (codec_study.h), since RocksDB's on-disk size cannot be split by kind.
  if (flags.study_ticks > 0) {
    CodecStudyOptions study;
    study.hosts = 2;
    study.ticks = flags.study_ticks;
    study.series_per_host = flags.series;
    study.chunk_samples = 600;
    absl::StatusOr<CodecStudyResult> result = RunCodecStudy(study);
    if (!result.ok()) {
      LogError("storage: codec study: ", result.status().message());
      return 1;
    }
    figures["per_kind"] = CodecStudyToJson(*result);
    *out = figures;
    if (!common.json) {
      PrintFigures("vigil-bench storage", figures.at("mode") == "storage" ? [&] {
        nlohmann::json f = figures;
        f.erase("per_kind");
        return f;
      }() : figures, false);
      std::printf("\nbytes per sample by value kind (600-sample chunks):\n%s",
                  FormatCodecStudy(*result).c_str());
      return 0;
    }
  }
  *out = figures;
  PrintFigures("vigil-bench storage", figures, common.json);
  return 0;
}

}  // namespace vigil::bench
