// Benchmark-shaped queries on synthetic data, for profiling the engine during
// development. Hidden ([.perf]): not a timed test, run by hand:
//   build/bin/query_tests '[.perf]'
// The real benchmark is `vigil-bench query`.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::query::testing {
namespace {

constexpr int64_t kHour = 3'600'000;

void Measure(const std::string& name, const std::function<absl::Status()>& run, int repeats) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const absl::Time start = absl::Now();
    absl::Status s = run();
    REQUIRE(s.ok());
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  WARN(absl::StrFormat("%-28s p50 %7.1f ms  p99 %7.1f ms  (n=%d)", name, ms[ms.size() / 2],
                       ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], repeats));
}

TEST_CASE("benchmark-shaped queries", "[.perf]") {
  PromqlFixture f;
  std::mt19937_64 rng(1);
  // 1000 hosts, one counter each, 1 s samples for 1 h 10 m, starting on an hour.
  const int64_t t0 = 1000 * kHour;
  const int64_t span = kHour + 10 * 60'000;
  const absl::Time load_start = absl::Now();
  for (int h = 0; h < 1000; ++h) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    double v = 0;
    for (int64_t t = t0; t < t0 + span; t += 1000) {
      ts.push_back(t);
      v += static_cast<double>(rng() % 1000) / 100;
      vs.push_back(v);
    }
    f.Add(ParseLabels(
              absl::StrFormat(R"(node_cpu_seconds_total{instance="host-%04d",mode="idle"})", h)),
          ts, vs);
  }
  WARN("loaded 1000 x " << span / 1000 << " samples in "
                        << absl::ToDoubleSeconds(absl::Now() - load_start) << " s");
  f.Flush();
  const int64_t start = t0 + 5 * 60'000, end = start + kHour;
  Engine& e = f.engine();
  Measure(
      "rate 1000 x 1h step 15s",
      [&] { return e.Range("rate(node_cpu_seconds_total[1m])", start, end, 15'000).status(); }, 20);
  Measure(
      "sum by (instance) (rate)",
      [&] {
        return e.Range("sum by (instance) (rate(node_cpu_seconds_total[1m]))", start, end, 15'000)
            .status();
      },
      20);
  Measure(
      "max_over_time [1h] instant",
      [&] {
        return e.Instant(R"(max_over_time(node_cpu_seconds_total{instance=~"host-00.."}[1h]))", end)
            .status();
      },
      20);
}

TEST_CASE("week-view-shaped rollup query", "[.perf]") {
  PromqlFixture f;
  std::mt19937_64 rng(1);
  // 100 hosts, a gauge at 1 s for 2 days.
  const int64_t t0 = 1000 * kHour;
  const int64_t span = 48 * kHour;
  const absl::Time load_start = absl::Now();
  for (int h = 0; h < 100; ++h) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (int64_t t = t0; t < t0 + span; t += 1000) {
      ts.push_back(t);
      vs.push_back(static_cast<double>(rng() % 10000) / 100);
    }
    f.Add(ParseLabels(absl::StrFormat(R"(node_load1{instance="host-%04d"})", h)), ts, vs);
  }
  WARN("loaded 100 x " << span / 1000 << " samples in "
                       << absl::ToDoubleSeconds(absl::Now() - load_start) << " s");
  f.Flush();
  const int64_t end = t0 + span - 17'345, start = end - 46 * kHour;
  Engine& e = f.engine();
  absl::StatusOr<QueryResult> r = e.Range("avg_over_time(node_load1[1h])", start, end, kHour);
  REQUIRE(r.ok());
  WARN("decoded " << r->stats.samples_decoded);
  Measure(
      "avg_over_time[1h] 2d step 1h",
      [&] { return e.Range("avg_over_time(node_load1[1h])", start, end, kHour).status(); }, 10);
  Measure(
      "max_over_time[2d] instant",
      [&] { return e.Instant("max_over_time(node_load1[2d])", end).status(); }, 10);
}

TEST_CASE("30-day max_over_time of 100 series", "[.perf]") {
  PromqlFixture f;
  std::mt19937_64 rng(1);
  // 100 hosts, a gauge at 10 s for 31 days (the raw retention is 30 days), committed a
  // day at a time for all hosts, as they would arrive.
  const int64_t t0 = 1000 * kHour;
  const int64_t day = 24 * kHour, span = 31 * day;
  const absl::Time load_start = absl::Now();
  for (int64_t d = t0; d < t0 + span; d += day) {
    for (int h = 0; h < 100; ++h) {
      std::vector<int64_t> ts;
      std::vector<double> vs;
      for (int64_t t = d; t < d + day; t += 10'000) {
        ts.push_back(t);
        vs.push_back(static_cast<double>(rng() % 10000) / 100);
      }
      f.Add(ParseLabels(absl::StrFormat(R"(node_load1{instance="host-%04d"})", h)), ts, vs);
    }
  }
  WARN("loaded 100 x " << span / 10'000 << " samples in "
                       << absl::ToDoubleSeconds(absl::Now() - load_start) << " s");
  f.Flush();
  const int64_t end = t0 + span - 17'345;
  Engine& e = f.engine();
  absl::StatusOr<QueryResult> r = e.Instant("max_over_time(node_load1[30d])", end);
  REQUIRE(r.ok());
  REQUIRE(r->series.size() == 100);
  WARN("decoded " << r->stats.samples_decoded);
  Measure(
      "max_over_time[30d] instant",
      [&] { return e.Instant("max_over_time(node_load1[30d])", end).status(); }, 20);
}

TEST_CASE("rate over 1000 of 132000 series", "[.perf]") {
  PromqlFixture f;
  std::mt19937_64 rng(1);
  const int64_t t0 = 1000 * kHour;
  const int64_t span = kHour + 10 * 60'000;
  const absl::Time load_start = absl::Now();
  const char* modes[] = {"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"};
  for (int h = 0; h < 1000; ++h) {
    const std::string host = absl::StrFormat("host-%04d", h);
    for (int cpu = 0; cpu < 4; ++cpu) {
      for (const char* mode : modes) {
        std::vector<int64_t> ts;
        std::vector<double> vs;
        const bool target = cpu == 0 && std::string(mode) == "user";
        double v = 0;
        for (int64_t t = t0; t < t0 + span; t += target ? 1000 : 600'000) {
          ts.push_back(t);
          v += static_cast<double>(rng() % 100) / 100;
          vs.push_back(std::round(v * 100) / 100);
        }
        f.Add(ParseLabels(absl::StrFormat(
                  R"(node_cpu_seconds_total{instance="%s",cpu="%d",mode="%s"})", host, cpu, mode)),
              ts, vs);
      }
    }
    for (int m = 0; m < 100; ++m) {
      f.Add(ParseLabels(absl::StrFormat(R"(node_other_%d{instance="%s"})", m, host)), {t0}, {1.0});
    }
  }
  WARN("loaded in " << absl::ToDoubleSeconds(absl::Now() - load_start) << " s");
  f.Flush();
  const int64_t start = t0 + 5 * 60'000, end = start + kHour;
  Engine& e = f.engine();
  const std::string rate = R"(rate(node_cpu_seconds_total{cpu="0",mode="user"}[1m]))";
  absl::StatusOr<QueryResult> r = e.Range(rate, start, end, 15'000);
  REQUIRE(r.ok());
  REQUIRE(r->series.size() == 1000);
  Measure(
      "rate 1000 of 132k", [&] { return e.Range(rate, start, end, 15'000).status(); }, 20);
  Measure(
      "sum by (instance) of it",
      [&] { return e.Range("sum by (instance) (" + rate + ")", start, end, 15'000).status(); }, 20);
}

}  // namespace
}  // namespace vigil::query::testing
