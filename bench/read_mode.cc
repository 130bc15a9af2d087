// vigil-bench read: reduced range reads of the storage engine in this process (below
// PromQL: query/downsample.h, what the gRPC query service serves).
//   7d:  one 1 s series over 7 days reduced to 1,000 points (the query path reads the
//        1-minute rollups), and the same from raw samples for comparison;
//   1y:  100 series over a year reduced to hourly points, from the 1-hour rollups.
// Latencies are of warm reads (the data was just written and compacted), p50 and p99
// over --runs repetitions.
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "bench/host_data.h"
#include "bench/modes.h"
#include "bench/stats.h"
#include "collector/query/downsample.h"
#include "collector/storage/tsdb.h"
#include "collector/storage/window.h"
#include "common/log.h"

namespace vigil::bench {
namespace {

using storage::kDayMs;

absl::StatusOr<std::unique_ptr<storage::Tsdb>> OpenAt(const std::string& dir, int64_t span_ms,
                                                      const Clock* clock) {
  storage::TsdbOptions options;
  options.dir = dir;
  options.sync_writes = false;
  options.chunk_span_ms = span_ms;
  options.clock = clock;
  return storage::Tsdb::Open(options);
}

template <typename F>
std::vector<double> Time(int runs, F&& f) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const absl::Time t0 = absl::Now();
    f();
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
  }
  return ms;
}

}  // namespace

int RunRead(const ReadFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  auto fail = [&](const absl::Status& s) {
    LogError("read: ", s.message());
    return 1;
  };
  absl::StatusOr<WorkDir> work = WorkDir::Make(common.dir, common.keep_dir);
  if (!work.ok()) return fail(work.status());
  const std::string& dir = work->path();
  const int64_t end = storage::AlignDown(absl::ToUnixMillis(absl::Now()), kDayMs);

  // One 1 s series over `days` days, committed an hour at a time as it would arrive.
  ManualClock clock_a(absl::FromUnixMillis(end - flags.days * kDayMs));
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> a = OpenAt(dir + "/7d", 10 * 60'000, &clock_a);
  if (!a.ok()) return fail(a.status());
  HostDataGenerator gen(7, 20);
  size_t pick = 0;
  while (pick + 1 < gen.size() && gen.series()[pick].kind != SeriesKind::kCpuSeconds) ++pick;
  absl::StatusOr<storage::SeriesId> id_a = (*a)->index().GetOrCreate(
      LabelSet(std::vector<Label>{{"__name__", "bench_cpu_seconds_total"}}));
  if (!id_a.ok()) return fail(id_a.status());
  std::vector<double> values;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  uint64_t seq = 0;
  const int64_t start_a = end - flags.days * kDayMs;
  for (int64_t t = start_a; t < end;) {
    ts.clear();
    vs.clear();
    for (int k = 0; k < 3600 && t < end; ++k, t += 1000) {
      gen.Tick(t, &values);
      ts.push_back(t);
      vs.push_back(values[pick]);
    }
    clock_a.Set(absl::FromUnixMillis(ts.back()));
    storage::SeriesWrite w{*id_a, ts, vs};
    absl::StatusOr<storage::CommitResult> r =
        (*a)->Commit(std::span<const storage::SeriesWrite>(&w, 1), {"bench", "q", ++seq, t});
    if (!r.ok()) return fail(r.status());
  }
  if (absl::Status s = (*a)->CompactAll(); !s.ok()) return fail(s);

  query::ReducedSeries reduced;
  absl::Status status;
  const std::vector<double> q7d = Time(flags.runs, [&] {
    reduced = {};
    status.Update(query::ReadReduced(**a, *id_a, start_a, end - 1, 1000, query::Aggregation::kAvg,
                                     100'000'000, &reduced));
  });
  const size_t points_7d = reduced.values.size();
  const std::vector<double> q7d_raw = Time(flags.runs, [&] {
    ts.clear();
    vs.clear();
    status.Update((*a)->ReadRange(*id_a, start_a, end - 1, 100'000'000, &ts, &vs));
    // The same 1,000 buckets, averaged from raw samples.
    const int64_t step = (end - start_a + 999) / 1000;
    std::vector<double> sums(1000, 0), counts(1000, 0);
    for (size_t i = 0; i < ts.size(); ++i) {
      const size_t b = static_cast<size_t>((ts[i] - start_a) / step);
      sums[b] += vs[i];
      counts[b] += 1;
    }
  });
  const size_t raw_samples_7d = ts.size();
  if (!status.ok()) return fail(status);
  a->reset();

  // 100 series over a year at 5 minutes, hourly chunk windows, committed a day at a time.
  ManualClock clock_b(absl::FromUnixMillis(end - 365 * kDayMs));
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> b = OpenAt(dir + "/1y", 60 * 60'000, &clock_b);
  if (!b.ok()) return fail(b.status());
  HostDataGenerator year_gen(11, flags.year_series);
  std::vector<storage::SeriesId> ids;
  for (int i = 0; i < flags.year_series; ++i) {
    absl::StatusOr<storage::SeriesId> id = (*b)->index().GetOrCreate(
        LabelSet(std::vector<Label>{{"__name__", "bench_year"}, {"i", absl::StrCat(i)}}));
    if (!id.ok()) return fail(id.status());
    ids.push_back(*id);
  }
  const int64_t start_b = end - 365 * kDayMs;
  constexpr int kPerDay = 288;
  std::vector<int64_t> day_ts(kPerDay);
  std::vector<std::vector<double>> day_vs(flags.year_series, std::vector<double>(kPerDay));
  std::vector<storage::SeriesWrite> writes(flags.year_series);
  const absl::Time load_begin = absl::Now();
  for (int64_t day = start_b; day < end; day += kDayMs) {
    for (int k = 0; k < kPerDay; ++k) {
      day_ts[k] = day + static_cast<int64_t>(k) * 300'000;
      year_gen.Tick(day_ts[k], &values);
      for (int i = 0; i < flags.year_series; ++i) day_vs[i][k] = values[i];
    }
    for (int i = 0; i < flags.year_series; ++i) writes[i] = {ids[i], day_ts, day_vs[i]};
    clock_b.Set(absl::FromUnixMillis(day_ts.back()));
    absl::StatusOr<storage::CommitResult> r = (*b)->Commit(writes, {"bench", "y", ++seq, day});
    if (!r.ok()) return fail(r.status());
  }
  const double load_1y_s = absl::ToDoubleSeconds(absl::Now() - load_begin);
  if (absl::Status s = (*b)->CompactAll(); !s.ok()) return fail(s);
  size_t points_1y = 0;
  const std::vector<double> q1y = Time(flags.runs, [&] {
    points_1y = 0;
    for (storage::SeriesId id : ids) {
      query::ReducedSeries r;
      status.Update(query::ReadReduced(**b, id, start_b, end - 1, 8760, query::Aggregation::kAvg,
                                       100'000'000, &r));
      points_1y += r.values.size();
    }
  });
  if (!status.ok()) return fail(status);
  b->reset();

  nlohmann::json figures = {
      {"mode", "read"},
      {"q7d_points", points_7d},
      {"q7d_resolution", storage::ResolutionName(reduced.resolution)},
      {"p50_ms", Percentile(q7d, 0.5)},
      {"p99_ms", Percentile(q7d, 0.99)},
      {"q7d_raw_samples", raw_samples_7d},
      {"q7d_raw_p50_ms", Percentile(q7d_raw, 0.5)},
      {"q7d_raw_p99_ms", Percentile(q7d_raw, 0.99)},
      {"q1y_series", flags.year_series},
      {"q1y_points", points_1y},
      {"q1y_p50_ms", Percentile(q1y, 0.5)},
      {"q1y_p99_ms", Percentile(q1y, 0.99)},
      {"q1y_load_s", load_1y_s},
  };
  *out = figures;
  PrintFigures("vigil-bench read", figures, common.json);
  return 0;
}

}  // namespace vigil::bench
