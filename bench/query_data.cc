#include "bench/query_data.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/host_data.h"
#include "bench/host_models.h"
#include "collector/storage/window.h"
#include "common/file.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::bench {
namespace {

constexpr char kMarkName[] = "dataset.json";
constexpr char kTsdbName[] = "tsdb";
constexpr int64_t kTickMs = 1000;

std::string InstanceName(int host) { return absl::StrFormat("bench-host-%04d", host); }

absl::StatusOr<std::unique_ptr<storage::Tsdb>> OpenTsdb(const std::string& dir,
                                                        const Clock* clock) {
  storage::TsdbOptions options;
  options.dir = dir;
  options.sync_writes = false;
  options.clock = clock;
  return storage::Tsdb::Open(options);
}

// One simulated host while the data set is written: its series in the index, the host
// mix's generator for the recent stretch, and its own models for the two queried series,
// which run over their whole (longer) history.
struct BenchHost {
  BenchHost(int h, int series)
      : mix(static_cast<uint64_t>(h) + 1, series), rng{9000 + static_cast<uint64_t>(h)} {}

  HostDataGenerator mix;
  std::vector<storage::SeriesId> ids;  // mix.series() order, then any appended ones
  size_t rate_index = 0;               // node_cpu_seconds_total{cpu="0",mode="user"}
  size_t load_index = 0;               // node_load1
  HostModel cpu;                       // kCpu: 8 modes, the rate series is mode 0 (user)
  HostModel load;                      // kLoad: node_load1, 5, 15
  HostRng rng;
  int64_t load_ticks = 0;
  uint64_t sequence = 0;
};

// Finds `labels` in the host's mix, or appends it (small mixes may lack it).
size_t FindOrAppend(const std::vector<std::pair<std::string, std::string>>& labels,
                    std::vector<std::vector<std::pair<std::string, std::string>>>* all) {
  auto it = std::find(all->begin(), all->end(), labels);
  if (it != all->end()) return static_cast<size_t>(it - all->begin());
  all->push_back(labels);
  return all->size() - 1;
}

absl::Status AddHost(int h, const QueryDataShape& shape, storage::Tsdb& tsdb,
                     std::vector<std::unique_ptr<BenchHost>>* hosts) {
  auto host = std::make_unique<BenchHost>(h, shape.series);
  std::vector<std::vector<std::pair<std::string, std::string>>> labels;
  for (const SeriesInfo& info : host->mix.series()) labels.push_back(info.labels);
  host->rate_index = FindOrAppend(
      {{"__name__", "node_cpu_seconds_total"}, {"cpu", "0"}, {"mode", "user"}}, &labels);
  host->load_index = FindOrAppend({{"__name__", "node_load1"}}, &labels);
  const std::string instance = InstanceName(h);
  for (const auto& series : labels) {
    std::vector<Label> l;
    for (const auto& [name, value] : series) l.push_back({name, value});
    l.push_back({"instance", instance});
    l.push_back({"job", "node"});
    VIGIL_ASSIGN_OR_RETURN(storage::SeriesId id, tsdb.index().GetOrCreate(LabelSet(std::move(l))));
    host->ids.push_back(id);
  }

  // CPU 0 of a host up for 30 days, busy 5..35% (as host_data.cc's CPUs).
  host->cpu.type = HostModel::Type::kCpu;
  host->cpu.level = 0.05 + 0.3 * host->rng.Uniform();
  static const double kShare[] = {0.12, 0.001, 0.04, 0.8, 0.01, 0.001, 0.005, 0};
  for (double share : kShare) {
    host->cpu.c.push_back(static_cast<int64_t>(share * 30 * 86400 * kUserHz));
  }
  host->load.type = HostModel::Type::kLoad;
  host->load.level = 2 + 6 * host->rng.Uniform();
  for (double& l : host->load.l) l = host->load.level;
  hosts->push_back(std::move(host));
  return absl::OkStatus();
}

// The times of one series group inside a window: ticks in [max(lo, start), hi].
std::span<const int64_t> From(const std::vector<int64_t>& window_ts, int64_t start) {
  auto it = std::lower_bound(window_ts.begin(), window_ts.end(), start);
  return {window_ts.data() + (it - window_ts.begin()), static_cast<size_t>(window_ts.end() - it)};
}

struct Generated {
  uint64_t samples = 0;
  uint64_t series = 0;
};

absl::StatusOr<Generated> Generate(const std::string& tsdb_dir, const QueryDataShape& shape,
                                   bool progress) {
  const int64_t end = shape.end_ms;
  const int64_t last = end - kTickMs;
  const int64_t recent_start = end - int64_t{shape.recent_seconds} * 1000;
  const int64_t rate_start = std::min(recent_start, end - int64_t{shape.rate_minutes} * 60'000);
  const int64_t history_start = std::min(
      recent_start,
      storage::AlignDown(end - static_cast<int64_t>(std::llround(shape.days * storage::kDayMs)),
                         kTickMs));
  const int64_t first = std::min(rate_start, history_start);

  ManualClock clock(absl::FromUnixMillis(first));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<storage::Tsdb> tsdb, OpenTsdb(tsdb_dir, &clock));
  std::vector<std::unique_ptr<BenchHost>> hosts;
  for (int h = 0; h < shape.hosts; ++h) VIGIL_RETURN_IF_ERROR(AddHost(h, shape, *tsdb, &hosts));
  if (progress) LogInfo("query data: ", tsdb->index().total(), " series in the index");

  const int64_t span = tsdb->options().chunk_span_ms;
  // Every 50th host reboots half an hour before the end: its CPU counters restart at 0.
  const int64_t reset_at = storage::AlignDown(end - 30 * storage::kMinuteMs, kTickMs);
  Generated out;
  std::vector<int64_t> window_ts;
  std::vector<double> mix_values, model_out(8), rate_vs, load_vs;
  std::vector<storage::SeriesWrite> writes;
  std::vector<std::vector<double>> recent;  // per series of the mix: a host's recent samples
  int64_t next_report = first + storage::kDayMs;
  for (int64_t w = storage::AlignDown(first, span); w <= last; w += span) {
    window_ts.clear();
    for (int64_t t = std::max(w, first); t < w + span && t <= last; t += kTickMs) {
      window_ts.push_back(t);
    }
    clock.Set(absl::FromUnixMillis(window_ts.back()));
    const std::span<const int64_t> load_ts = From(window_ts, history_start);
    const std::span<const int64_t> rate_ts = From(window_ts, rate_start);
    const std::span<const int64_t> recent_ts = From(window_ts, recent_start);
    for (int h = 0; h < shape.hosts; ++h) {
      BenchHost& host = *hosts[h];
      writes.clear();
      const bool history = h < shape.history_hosts();
      // node_load1: from the history start on the history hosts, else the recent stretch.
      const std::span<const int64_t> lts = history ? load_ts : recent_ts;
      load_vs.clear();
      for (int64_t t : lts) {
        StepHostModel(host.load, HostTick{t, host.load_ticks++, 0}, host.rng, model_out.data());
        load_vs.push_back(model_out[0]);
      }
      if (!lts.empty()) writes.push_back({host.ids[host.load_index], lts, load_vs});
      rate_vs.clear();
      for (int64_t t : rate_ts) {
        if (t == reset_at && h % 50 == 0) std::fill(host.cpu.c.begin(), host.cpu.c.end(), 0);
        StepHostModel(host.cpu, HostTick{t, 0, 0}, host.rng, model_out.data());
        rate_vs.push_back(model_out[0]);
      }
      if (!rate_ts.empty()) writes.push_back({host.ids[host.rate_index], rate_ts, rate_vs});
      if (!recent_ts.empty()) {
        recent.resize(host.mix.size());
        for (auto& r : recent) r.clear();
        for (int64_t t : recent_ts) {
          host.mix.Tick(t, &mix_values);
          for (size_t i = 0; i < mix_values.size(); ++i) recent[i].push_back(mix_values[i]);
        }
        // The queried series have their own models (above); appended ones are past the mix.
        for (size_t i = 0; i < host.mix.size(); ++i) {
          if (i == host.rate_index || i == host.load_index) continue;
          writes.push_back({host.ids[i], recent_ts, recent[i]});
        }
      }
      if (writes.empty()) continue;
      const uint64_t seq = ++host.sequence;
      VIGIL_ASSIGN_OR_RETURN(
          storage::CommitResult r,
          tsdb->Commit(writes, {InstanceName(h), "bench-query-data", seq, window_ts.back()}));
      size_t expected = 0;
      for (const storage::SeriesWrite& sw : writes) expected += sw.timestamps_ms.size();
      if (r.stored != expected) {
        return absl::InternalError(absl::StrCat("query data: host ", h, " window ", w, ": stored ",
                                                r.stored, " of ", expected, " samples (duplicates ",
                                                r.duplicates, ", too old ", r.too_old, ", too new ",
                                                r.too_new, ")"));
      }
      out.samples += r.stored;
    }
    VIGIL_RETURN_IF_ERROR(tsdb->Maintain());
    if (progress && window_ts.back() >= next_report) {
      LogInfo("query data: ", out.samples, " samples written, ",
              (end - window_ts.back()) / storage::kHourMs, " h to go");
      next_report += storage::kDayMs;
    }
  }
  clock.Set(absl::FromUnixMillis(end));
  VIGIL_RETURN_IF_ERROR(tsdb->Maintain());
  if (progress) LogInfo("query data: ", out.samples, " samples written; compacting");
  VIGIL_RETURN_IF_ERROR(tsdb->CompactAll());
  out.series = tsdb->index().total();
  return out;
}

}  // namespace

nlohmann::json QueryDataShape::ToJson() const {
  return {{"hosts", hosts},
          {"series_per_host", series},
          {"days", days},
          {"rate_minutes", rate_minutes},
          {"recent_seconds", recent_seconds},
          {"end_ms", end_ms}};
}

absl::StatusOr<QueryData> OpenQueryData(const std::string& dir, const QueryDataShape& shape,
                                        bool fresh, bool progress) {
  const std::string mark_path = absl::StrCat(dir, "/", kMarkName);
  const std::string tsdb_dir = absl::StrCat(dir, "/", kTsdbName);
  QueryData data;
  data.shape = shape;
  nlohmann::json mark;
  if (!fresh) {
    absl::StatusOr<std::string> text = ReadFile(mark_path);
    if (text.ok()) {
      mark = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (mark.is_discarded() || !mark.contains("shape")) {
        return absl::DataLossError(absl::StrCat(mark_path, " is not a data set mark; use --fresh"));
      }
      if (mark["shape"] != shape.ToJson()) {
        return absl::FailedPreconditionError(absl::StrCat(
            dir, " holds a data set of another shape (", mark["shape"].dump(), ", asked for ",
            shape.ToJson().dump(), "): use --fresh or another --data-dir"));
      }
    } else if (!absl::IsNotFound(text.status())) {
      return text.status();
    }
  }
  if (mark.is_null()) {
    std::error_code ec;
    std::filesystem::remove(mark_path, ec);
    std::filesystem::remove_all(tsdb_dir, ec);
    if (ec)
      return absl::UnavailableError(absl::StrCat("cannot remove ", tsdb_dir, ": ", ec.message()));
    std::filesystem::create_directories(dir, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
    const absl::Time begin = absl::Now();
    VIGIL_ASSIGN_OR_RETURN(Generated g, Generate(tsdb_dir, shape, progress));
    mark = {{"shape", shape.ToJson()},
            {"generate_s", absl::ToDoubleSeconds(absl::Now() - begin)},
            {"samples", g.samples},
            {"series", g.series}};
    VIGIL_RETURN_IF_ERROR(WriteFileAtomically(mark_path, mark.dump(2) + "\n"));
    data.generated = true;
  }
  data.generate_s = mark.value("generate_s", 0.0);
  data.samples = mark.value("samples", uint64_t{0});
  data.series_total = mark.value("series", uint64_t{0});

  data.clock = std::make_unique<ManualClock>(absl::FromUnixMillis(shape.end_ms));
  const absl::Time begin = absl::Now();
  VIGIL_ASSIGN_OR_RETURN(data.tsdb, OpenTsdb(tsdb_dir, data.clock.get()));
  data.open_s = absl::ToDoubleSeconds(absl::Now() - begin);
  return data;
}

}  // namespace vigil::bench
