// Long *_over_time windows read from rollups give the answers of the raw samples:
// min, max, count and last exactly, sum and avg up to the order of additions; compared
// over windows of hours whose edges fall anywhere in a minute.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "collector/query/prom_math.h"
#include "collector/query/rollup_reads.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 3'600'000;

TEST_CASE("windows are cut into raw edges, whole minutes and whole hours", "[engine]") {
  // [10:00:00, 10:59:59.999]: exactly one hour bucket.
  WindowPieces w = CutWindow(10 * kHour, 11 * kHour - 1);
  CHECK(w.start == 10 * kHour);
  CHECK(w.minutes_begin == 10 * kHour);
  CHECK(w.hours_begin == 10 * kHour);
  CHECK(w.hours_end == 11 * kHour);
  CHECK(w.minutes_end == 11 * kHour);
  CHECK(w.end_exclusive == 11 * kHour);
  // [10:00:00, 11:00:00] (a range selector includes both ends): the sample at 11:00:00
  // belongs to the next bucket and is read raw.
  w = CutWindow(10 * kHour, 11 * kHour);
  CHECK(w.hours_end == 11 * kHour);
  CHECK(w.minutes_end == 11 * kHour);
  CHECK(w.end_exclusive == 11 * kHour + 1);
  // [09:58:30, 12:03:10]: raw to 09:59, minutes to 10:00, hours to 12:00, minutes to
  // 12:03, raw after.
  w = CutWindow(10 * kHour - 90'000, 12 * kHour + 190'000);
  CHECK(w.minutes_begin == 10 * kHour - kMinute);
  CHECK(w.hours_begin == 10 * kHour);
  CHECK(w.hours_end == 12 * kHour);
  CHECK(w.minutes_end == 12 * kHour + 3 * kMinute);
  // Less than a whole minute: all raw.
  w = CutWindow(10 * kHour + 1, 10 * kHour + kMinute);
  CHECK(w.minutes_begin == w.end_exclusive);
  CHECK(w.minutes_end == w.end_exclusive);
  // Whole minutes but no whole hour: minutes only.
  w = CutWindow(10 * kHour + 30 * kMinute, 11 * kHour + 10 * kMinute);
  CHECK(w.hours_begin == w.hours_end);
  CHECK(w.minutes_begin == 10 * kHour + 30 * kMinute);
  CHECK(w.minutes_end == 11 * kHour + 10 * kMinute);
  // Negative times align down too.
  w = CutWindow(-kHour - 1, -1);
  CHECK(w.minutes_begin == -kHour);
  CHECK(w.hours_begin == -kHour);
  CHECK(w.hours_end == 0);
}

// 10 hours of 10 s samples from 100 h on: two-decimal values with NaNs, a gap, and a
// staleness marker; a second series at 1 s for 3 hours.
void LoadHours(PromqlFixture& f) {
  std::mt19937_64 rng(42);
  const int64_t t0 = 100 * kHour;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int64_t t = t0; t < t0 + 10 * kHour; t += 10'000) {
    if (t >= t0 + 4 * kHour && t < t0 + 4 * kHour + 25 * kMinute) continue;  // a gap
    ts.push_back(t);
    const uint64_t r = rng();
    if (r % 97 == 0) {
      vs.push_back(kNaN);
    } else if (t == t0 + 6 * kHour + 333'000 / 10'000 * 10'000) {
      vs.push_back(std::bit_cast<double>(kStaleMarkerBits));
    } else {
      vs.push_back(static_cast<double>(static_cast<int64_t>(r % 200'000) - 100'000) / 100);
    }
  }
  f.Add(ParseLabels(R"(temp{sensor="a"})"), ts, vs);
  ts.clear();
  vs.clear();
  for (int64_t t = t0 + 2 * kHour; t < t0 + 5 * kHour; t += 1000) {
    ts.push_back(t);
    vs.push_back(static_cast<double>(rng() % 1000) / 10);
  }
  f.Add(ParseLabels(R"(temp{sensor="b"})"), ts, vs);
}

// The same query through rollups and from raw samples: the same series, min/max/count/
// last bit for bit (NaN for NaN), sum/avg within a relative 1e-12.
void CompareRollupsWithRaw(PromqlFixture& f, Engine& raw, const std::string& expr, int64_t t_ms,
                           bool exact) {
  INFO(expr << " at " << t_ms);
  absl::StatusOr<QueryResult> a = f.engine().Instant(expr, t_ms);
  absl::StatusOr<QueryResult> b = raw.Instant(expr, t_ms);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->series.size() == b->series.size());
  for (size_t i = 0; i < a->series.size(); ++i) {
    CHECK(a->series[i].labels == b->series[i].labels);
    const double x = a->series[i].points[0].v, y = b->series[i].points[0].v;
    if (exact) {
      CHECK((std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y) ||
             (std::isnan(x) && std::isnan(y))));
    } else {
      CHECK(SameValue(y, x));
    }
  }
}

TEST_CASE("*_over_time from rollups equals the raw samples", "[engine]") {
  PromqlFixture f;
  LoadHours(f);
  EngineOptions raw_options;
  raw_options.rollup_min_range_ms = 0;
  std::unique_ptr<Engine> raw = f.MakeEngine(raw_options);
  const int64_t t0 = 100 * kHour;
  const std::vector<int64_t> times = {t0 + 3 * kHour + 17 * kMinute + 23'456,
                                      t0 + 6 * kHour,  // an hour boundary: [t, t] is raw
                                      t0 + 6 * kHour + 5 * kMinute + 1,
                                      t0 + 9 * kHour + 59 * kMinute + 59'999,
                                      t0 + 11 * kHour + 7'000};
  const std::vector<std::string> ranges = {"1h", "2h30m17s", "7h", "3h59m59s999ms"};
  for (int pass = 0; pass < 2; ++pass) {
    INFO((pass == 0 ? "recent windows in the head" : "all windows written"));
    for (const std::string fn : {"min", "max", "count", "last"}) {
      for (const std::string& range : ranges) {
        for (int64_t t : times) {
          CompareRollupsWithRaw(f, *raw, fn + "_over_time(temp[" + range + "])", t, true);
        }
      }
    }
    for (const std::string fn : {"sum", "avg"}) {
      for (const std::string& range : ranges) {
        for (int64_t t : times) {
          CompareRollupsWithRaw(f, *raw, fn + "_over_time(temp[" + range + "])", t, false);
        }
      }
    }
    CompareRollupsWithRaw(f, *raw, "max_over_time(temp[2h] offset 1h13m)", times[3], true);
    f.Flush();
  }
}

TEST_CASE("rollups answer range queries with unaligned steps the same way", "[engine]") {
  PromqlFixture f;
  LoadHours(f);
  f.Flush();
  EngineOptions raw_options;
  raw_options.rollup_min_range_ms = 0;
  std::unique_ptr<Engine> raw = f.MakeEngine(raw_options);
  const int64_t start = 100 * kHour + 5 * kHour + 1234, end = start + 3 * kHour;
  for (const int64_t step : {7 * kMinute + 13'000, 37 * kMinute + 13'000})
    for (const std::string fn : {"min", "max", "count", "last", "sum", "avg"}) {
      const std::string expr = fn + "_over_time(temp[3h])";
      INFO(expr << " step " << step);
      absl::StatusOr<QueryResult> a = f.engine().Range(expr, start, end, step);
      absl::StatusOr<QueryResult> b = raw->Range(expr, start, end, step);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(a->series.size() == b->series.size());
      for (size_t i = 0; i < a->series.size(); ++i) {
        REQUIRE(a->series[i].points.size() == b->series[i].points.size());
        for (size_t j = 0; j < a->series[i].points.size(); ++j) {
          CHECK(a->series[i].points[j].t_ms == b->series[i].points[j].t_ms);
          CHECK(SameValue(b->series[i].points[j].v, a->series[i].points[j].v));
        }
      }
      // With steps further apart than a chunk (10 minutes) only the edges are read raw:
      // the rollups are what make it cheap. (Closer steps read the whole span raw, as
      // their edges cover it anyway.)
      if (step > 10 * kMinute) CHECK(a->stats.samples_decoded * 5 < b->stats.samples_decoded);
    }
}

TEST_CASE("short ranges and other functions always read raw samples", "[engine]") {
  PromqlFixture f;
  LoadHours(f);
  f.Flush();
  const int64_t t = 100 * kHour + 8 * kHour;
  // 59 minutes: below rollup_min_range_ms (1 h): every raw sample of the window.
  absl::StatusOr<QueryResult> r = f.engine().Instant(R"(max_over_time(temp{sensor="a"}[59m]))", t);
  REQUIRE(r.ok());
  CHECK(r->stats.samples_decoded >= 59 * 6);
  // 2 hours: the edges raw, the rest as rollup points.
  r = f.engine().Instant(R"(max_over_time(temp{sensor="a"}[2h]))", t + 30'500);
  REQUIRE(r.ok());
  CHECK(r->stats.samples_decoded < 200);
  r = f.engine().Instant(R"(stddev_over_time(temp{sensor="a"}[2h]))", t);
  REQUIRE(r.ok());
  CHECK(r->stats.samples_decoded >= 2 * 360);
}

}  // namespace
}  // namespace vigil::query::testing
