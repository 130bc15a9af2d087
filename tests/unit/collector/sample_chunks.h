// Sample sets shared by the chunk codec tests: hand-picked edge cases and a seeded
// generator of random chunks that mix the kinds of values a host sends.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace vigil::storage::testing {

inline uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }
inline double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

inline std::vector<uint64_t> BitsOf(const std::vector<double>& values) {
  std::vector<uint64_t> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(Bits(v));
  return out;
}

struct Samples {
  std::string what;
  int64_t start_ms = 0;
  std::vector<int64_t> timestamps;
  std::vector<double> values;
};

// Strictly ascending timestamps (what the head appends), edge values.
inline std::vector<Samples> EdgeCases() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const double dmax = std::numeric_limits<double>::max();
  const double denorm = std::numeric_limits<double>::denorm_min();
  std::vector<Samples> cases = {
      {"empty", 1000, {}, {}},
      {"single sample at start", 1000, {1000}, {42.5}},
      {"single sample far from start", 0, {1795466815123}, {7}},
      {"regular 1s", 1000, {1000, 2000, 3000, 4000}, {1, 2, 3, 4}},
      {"negative timestamps", -5000, {-4000, -1, 0, 1}, {-1, -2, -3, -4}},
      {"start after first (wrapping delta)", 10, {9, 11}, {0, 0}},
      {"huge jump", 0, {0, 4000000000000000000}, {1, 2}},
      {"jump across int64", kMin, {kMin, kMin + 1, kMax - 1, kMax}, {1, 2, 3, 4}},
      {"int64 max end", kMax - 1, {kMax - 1, kMax}, {1, 2}},
      {"NaNs, infinities, -0.0",
       1000,
       {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007},
       {std::nan(""), FromBits(0x7ff8dead0000beefULL), FromBits(0xfff8000000000001ULL),
        FromBits(0x7ff0000000000002ULL),  // Prometheus' stale marker
        kInf, -kInf, -0.0, 0.0}},
      {"extremes",
       0,
       {1, 2, 3, 4, 5, 6},
       {denorm, dmax, -dmax, 0.1, -denorm, std::numeric_limits<double>::min()}},
      {"counter reset", 0, {1000, 2000, 3000, 4000, 5000}, {123456.78, 123457.12, 3.5, 4.25, 9.75}},
      {"jittery timestamps",
       1000,
       {1003, 2001, 2999, 4010, 5000, 6700, 6701, 9000},
       {1, 1, 1, 2, 2, 2, 2, 3}},
      {"large decimals", 0, {1, 2, 3}, {123456789000, 123456789000000, 1e15}},
      {"decimal and non-decimal mixed", 0, {1, 2, 3}, {0.25, 0.1 + 0.2, 12345.67}},
      {"-0.0 among decimals", 0, {1, 2, 3}, {1.5, -0.0, 2.5}},
  };
  // A long flat run then a change, and a long steadily climbing counter.
  Samples flat{"flat then change", 0, {}, {}};
  Samples counter{"2-decimal counter", 1795466810000, {}, {}};
  for (int i = 0; i < 700; ++i) {
    flat.timestamps.push_back(1000 * i);
    flat.values.push_back(i < 650 ? 8589934592.0 : 8589938688.0);
    counter.timestamps.push_back(1795466810000 + 1000 * i);
    counter.values.push_back(static_cast<double>(12345600 + 98 * i + i % 5) / 100);
  }
  cases.push_back(flat);
  cases.push_back(counter);
  return cases;
}

// A random chunk: length 0..max_len, ascending timestamps (regular, jittery, sparse or
// with huge jumps) and values of one or several kinds.
inline Samples RandomSamples(std::mt19937_64& rng, int max_len) {
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Samples s;
  s.what = "random";
  const int n = static_cast<int>(uniform(0, max_len));
  s.start_ms = uniform(-2000000000000, 2000000000000);
  int64_t t = s.start_ms + (uniform(0, 3) == 0 ? uniform(0, 1000000) : 0);
  const int ts_kind = static_cast<int>(uniform(0, 3));
  const int value_kind = static_cast<int>(uniform(0, 7));
  double level = static_cast<double>(uniform(-1000000, 1000000)) / 100;
  int64_t ticks = uniform(0, 100000000);
  for (int i = 0; i < n; ++i) {
    s.timestamps.push_back(t);
    switch (ts_kind) {
      case 0:
        t += 1000;
        break;
      case 1:
        t += 1000 + uniform(-20, 20);
        break;
      case 2:
        t += uniform(1, 100000);
        break;
      default:
        t += uniform(0, 9) == 0 ? uniform(1, int64_t{1} << 40) : 15000;
        break;
    }
    const int kind = value_kind == 7 ? static_cast<int>(uniform(0, 6)) : value_kind;
    double v = 0;
    switch (kind) {
      case 0:  // 2-decimal counter, as node_cpu_seconds_total
        ticks += uniform(0, 105);
        v = static_cast<double>(ticks) / 100;
        break;
      case 1:  // integer gauge in 1024 multiples, mostly flat
        if (uniform(0, 20) == 0) level = static_cast<double>(uniform(0, 1 << 24) * 1024);
        v = level;
        break;
      case 2:  // high-entropy float
        v = std::uniform_real_distribution<double>(0, 1)(rng);
        break;
      case 3:  // 0/1 state
        v = static_cast<double>(uniform(0, 30) == 0 ? 0 : 1);
        break;
      case 4:  // special values
        v = FromBits(static_cast<uint64_t>(
            uniform(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())));
        break;
      case 5:  // a wandering 2-decimal gauge (load average)
        level = std::round((level + static_cast<double>(uniform(-10, 10)) / 100) * 100) / 100;
        v = level;
        break;
      default:  // integer counter with large jumps and resets
        ticks = uniform(0, 50) == 0 ? 0 : ticks + uniform(0, 1 << 20);
        v = static_cast<double>(ticks);
        break;
    }
    s.values.push_back(v);
  }
  return s;
}

}  // namespace vigil::storage::testing
