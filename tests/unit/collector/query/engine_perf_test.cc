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

}  // namespace
}  // namespace vigil::query::testing
