#include "bench/host_data.h"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace vigil::bench {
namespace {

constexpr int64_t kStart = 1795000000000;

std::vector<std::vector<double>> Run(HostDataGenerator& g, int ticks) {
  std::vector<std::vector<double>> out;
  std::vector<double> values;
  for (int i = 0; i < ticks; ++i) {
    g.Tick(kStart + 1000 * int64_t{i}, &values);
    out.push_back(values);
  }
  return out;
}

std::vector<uint64_t> Bits(const std::vector<double>& v) {
  std::vector<uint64_t> out;
  for (double d : v) out.push_back(std::bit_cast<uint64_t>(d));
  return out;
}

TEST_CASE("The generator is deterministic per seed and differs across seeds") {
  HostDataGenerator a(42);
  HostDataGenerator b(42);
  HostDataGenerator c(43);
  REQUIRE(a.size() == 500);
  const auto ra = Run(a, 300);
  const auto rb = Run(b, 300);
  const auto rc = Run(c, 300);
  for (size_t i = 0; i < ra.size(); ++i) CHECK(Bits(ra[i]) == Bits(rb[i]));
  CHECK(Bits(ra.back()) != Bits(rc.back()));
  for (size_t s = 0; s < a.size(); ++s) CHECK(a.series()[s].labels == c.series()[s].labels);
}

TEST_CASE("Every series has a finite sample each tick, and unique labels") {
  for (int size : {500, 37, 1200}) {
    INFO(size << " series");
    HostDataGenerator g(1, size);
    REQUIRE(g.size() == static_cast<size_t>(size));
    std::set<std::vector<std::pair<std::string, std::string>>> unique;
    for (const SeriesInfo& s : g.series()) {
      REQUIRE(!s.labels.empty());
      CHECK(s.labels.front().first == "__name__");
      CHECK(std::is_sorted(s.labels.begin() + 1, s.labels.end()));
      unique.insert(s.labels);
    }
    CHECK(unique.size() == g.series().size());
    for (const std::vector<double>& tick : Run(g, 200)) {
      REQUIRE(tick.size() == g.size());
      for (double v : tick) CHECK(std::isfinite(v));
    }
  }
}

TEST_CASE("Counters never decrease and gauges are non-negative") {
  HostDataGenerator g(7);
  const auto ticks = Run(g, 3000);
  int counters = 0;
  for (size_t s = 0; s < g.size(); ++s) {
    const SeriesInfo& info = g.series()[s];
    INFO(info.labels.front().second);
    for (size_t i = 0; i < ticks.size(); ++i) CHECK(ticks[i][s] >= 0);
    if (!info.counter) continue;
    ++counters;
    for (size_t i = 1; i < ticks.size(); ++i) REQUIRE(ticks[i][s] >= ticks[i - 1][s]);
  }
  CHECK(counters > 250);
}

TEST_CASE("The default host has the documented mix, with values like the agent's") {
  HostDataGenerator g(3);
  int per_kind[kSeriesKindCount] = {};
  for (const SeriesInfo& s : g.series()) ++per_kind[static_cast<int>(s.kind)];
  CHECK(per_kind[static_cast<int>(SeriesKind::kCpuSeconds)] == 192);
  CHECK(per_kind[static_cast<int>(SeriesKind::kMemoryBytes)] == 50);
  CHECK(per_kind[static_cast<int>(SeriesKind::kNetworkCounter)] == 48);
  CHECK(per_kind[static_cast<int>(SeriesKind::kDiskCounter)] == 96);
  CHECK(per_kind[static_cast<int>(SeriesKind::kFilesystem)] == 30);
  CHECK(per_kind[static_cast<int>(SeriesKind::kLoadAverage)] == 3);
  CHECK(per_kind[static_cast<int>(SeriesKind::kTimeSeconds)] == 1);
  CHECK(per_kind[static_cast<int>(SeriesKind::kHighEntropyFloat)] == 10);
  CHECK(per_kind[static_cast<int>(SeriesKind::kState)] == 31);
  CHECK(per_kind[static_cast<int>(SeriesKind::kIntGauge)] == 25);
  CHECK(per_kind[static_cast<int>(SeriesKind::kEventCounter)] == 14);
  CHECK(SeriesKindName(SeriesKind::kCpuSeconds) == "cpu_seconds");

  const auto ticks = Run(g, 120);
  for (size_t s = 0; s < g.size(); ++s) {
    const SeriesInfo& info = g.series()[s];
    const std::string& name = info.labels.front().second;
    INFO(name);
    for (const std::vector<double>& tick : ticks) {
      const double v = tick[s];
      switch (info.kind) {
        case SeriesKind::kCpuSeconds:
        case SeriesKind::kLoadAverage:  // ticks / 100, or 2 printed decimals
          CHECK(std::round(v * 100) / 100 == v);
          break;
        case SeriesKind::kMemoryBytes:
          CHECK(std::fmod(v, 1024) == 0);
          break;
        case SeriesKind::kState:
          CHECK((v == 0 || v == 1));
          break;
        case SeriesKind::kIntGauge:
        case SeriesKind::kNetworkCounter:
          CHECK(std::trunc(v) == v);
          break;
        default:
          break;
      }
    }
  }
  // idle climbs about 1 s per second; node_time_seconds follows the tick.
  for (size_t s = 0; s < g.size(); ++s) {
    const auto& labels = g.series()[s].labels;
    if (labels.front().second == "node_time_seconds") {
      CHECK(std::abs(ticks[10][s] - (kStart + 10000) / 1000.0) < 0.01);
    }
    if (labels.size() == 3 && labels[2].second == "idle") {
      const double rate = (ticks.back()[s] - ticks.front()[s]) / (ticks.size() - 1);
      CHECK(rate > 0.02);
      CHECK(rate < 1.02);
    }
  }
}

}  // namespace
}  // namespace vigil::bench
