#include "collector/query/downsample.h"

#include <catch2/catch.hpp>
#include <limits>
#include <random>

#include "collector/storage/window.h"
#include "tests/support/temp_dir.h"

namespace vigil::query {
namespace {

using storage::kDayMs;
using storage::kHourMs;
using storage::kMinuteMs;

constexpr int64_t kT0 = 1'793'491'200'000;  // a UTC midnight

// The buckets computed from raw samples, for comparison.
std::vector<std::pair<int64_t, double>> FromRaw(const std::vector<int64_t>& ts,
                                                const std::vector<double>& vs, int64_t first,
                                                int64_t step, Aggregation a) {
  std::map<int64_t, std::vector<double>> buckets;
  for (size_t i = 0; i < ts.size(); ++i)
    buckets[first + (ts[i] - first) / step * step].push_back(vs[i]);
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& [start, values] : buckets) {
    double v = 0;
    switch (a) {
      case Aggregation::kAvg:
      case Aggregation::kSum:
        for (double x : values) v += x;
        if (a == Aggregation::kAvg) v /= static_cast<double>(values.size());
        break;
      case Aggregation::kMin:
        v = *std::min_element(values.begin(), values.end());
        break;
      case Aggregation::kMax:
        v = *std::max_element(values.begin(), values.end());
        break;
      case Aggregation::kCount:
        v = static_cast<double>(values.size());
        break;
      case Aggregation::kLast:
        v = values.back();
        break;
    }
    out.emplace_back(start, v);
  }
  return out;
}

// A store whose one series, "m", has id 1.
absl::StatusOr<std::unique_ptr<storage::Tsdb>> OpenWithSeries(const testing::TempDir& dir,
                                                              const Clock& clock) {
  storage::TsdbOptions options;
  options.dir = dir.Path("db");
  options.clock = &clock;
  auto tsdb = storage::Tsdb::Open(options);
  REQUIRE(tsdb.ok());
  REQUIRE(*(*tsdb)->index().GetOrCreate(LabelSet(std::vector<Label>{{"__name__", "m"}})) == 1);
  return tsdb;
}

TEST_CASE("reduced reads from rollups equal the same buckets computed from raw samples",
          "[query]") {
  testing::TempDir dir;
  ManualClock clock(absl::FromUnixMillis(kT0));
  auto tsdb = OpenWithSeries(dir, clock);
  const storage::SeriesId id = 1;
  // Two days at 10 s with integer values (sums stay exact in doubles).
  std::mt19937_64 rng(3);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  uint64_t seq = 0;
  for (int64_t t = kT0; t < kT0 + 2 * kDayMs; t += 10'000) {
    ts.push_back(t);
    vs.push_back(static_cast<double>(rng() % 1000));
    if (ts.size() % 360 == 0) {
      clock.Set(absl::FromUnixMillis(t));
      storage::SeriesWrite w{id, std::span(ts).last(360), std::span(vs).last(360)};
      REQUIRE((*tsdb)->Commit(std::span(&w, 1), {"h", "r", ++seq, t}).ok());
    }
  }
  const int64_t end = kT0 + 2 * kDayMs - 1;
  struct Case {
    size_t max_points;
    storage::Resolution resolution;
    int64_t step;
    size_t decoded;  // what the query limit counts
  } cases[] = {{48, storage::Resolution::kHour, kHourMs, 48},
               {500, storage::Resolution::kMinute, 6 * kMinuteMs, 2880},
               {2880, storage::Resolution::kMinute, kMinuteMs, 2880},
               {10000, storage::Resolution::kRaw, 17'280, 17'280}};
  for (const Case& c : cases) {
    for (Aggregation a : {Aggregation::kAvg, Aggregation::kMin, Aggregation::kMax,
                          Aggregation::kSum, Aggregation::kCount, Aggregation::kLast}) {
      INFO("max_points " << c.max_points << " aggregation " << static_cast<int>(a));
      ReducedSeries reduced;
      REQUIRE(ReadReduced(**tsdb, id, kT0, end, c.max_points, a, 10'000'000, &reduced).ok());
      CHECK(reduced.resolution == c.resolution);
      CHECK(reduced.step_ms == c.step);
      CHECK(reduced.decoded == c.decoded);
      CHECK(reduced.values.size() <= c.max_points);
      std::vector<std::pair<int64_t, double>> got;
      for (size_t i = 0; i < reduced.values.size(); ++i) {
        got.emplace_back(reduced.timestamps_ms[i], reduced.values[i]);
      }
      CHECK(got == FromRaw(ts, vs, kT0, c.step, a));
    }
  }
  CHECK(!ParseAggregation("median").ok());
}

TEST_CASE("reduced reads accept the widest range of times", "[query]") {
  testing::TempDir dir;
  ManualClock clock(absl::FromUnixMillis(kT0 + 9'000));
  auto tsdb = OpenWithSeries(dir, clock);
  const storage::SeriesId id = 1;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 10; ++i) {
    ts.push_back(kT0 + i * 1000);
    vs.push_back(i);
  }
  storage::SeriesWrite w{id, ts, vs};
  REQUIRE((*tsdb)->Commit(std::span(&w, 1), {"h", "r", 1, kT0}).ok());

  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::pair<int64_t, int64_t> ranges[] = {
      {kMin, kMax}, {kMin, kT0 + kHourMs}, {kT0, kMax}, {kMin + 1, kMax - 1}, {kMin, kMin + 1}};
  for (const auto& [start, end] : ranges) {
    for (size_t max_points : {size_t{1}, size_t{10}, size_t{100000}}) {
      INFO("start " << start << " end " << end << " max_points " << max_points);
      ReducedSeries reduced;
      const absl::Status read =
          ReadReduced(**tsdb, id, start, end, max_points, Aggregation::kCount, 1'000'000, &reduced);
      REQUIRE(read.ok());
      CHECK(reduced.step_ms > 0);
      CHECK(reduced.values.size() <= max_points);
      double count = 0;
      for (double v : reduced.values) count += v;
      CHECK(count == (end >= kT0 ? 10 : 0));
    }
  }
}

}  // namespace
}  // namespace vigil::query
