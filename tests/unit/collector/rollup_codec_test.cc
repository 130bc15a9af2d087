#include "collector/storage/rollup_codec.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/collector/sample_chunks.h"

namespace vigil::storage {
namespace {

using testing::Bits;
using testing::FromBits;

// Field-wise equality on value bits (NaN == NaN with the same payload).
bool SameBits(const RollupPoint& a, const RollupPoint& b) {
  return a.start_ms == b.start_ms && Bits(a.min) == Bits(b.min) && Bits(a.max) == Bits(b.max) &&
         Bits(a.sum) == Bits(b.sum) && Bits(a.last) == Bits(b.last) && a.count == b.count;
}

std::vector<RollupPoint> Minutes(int n, int64_t start) {
  std::vector<RollupPoint> points;
  for (int i = 0; i < n; ++i) {
    const double base = 1000 + i * 0.5;
    points.push_back(
        RollupPoint{start + 60000 * i, base - 0.25, base + 1.75, base * 60, base + 0.5, 60});
  }
  return points;
}

void CheckRoundTrip(int64_t start, const std::vector<RollupPoint>& points) {
  const std::string chunk = EncodeRollupChunk(start, points);
  CHECK(static_cast<uint8_t>(chunk[0]) == kRollupChunkFormat);
  std::vector<RollupPoint> decoded = {RollupPoint{1, 2, 3, 4, 5, 6}};
  REQUIRE(DecodeRollupChunk(start, chunk, &decoded).ok());
  REQUIRE(decoded.size() == points.size() + 1);
  for (size_t i = 0; i < points.size(); ++i) {
    INFO("point " << i);
    CHECK(SameBits(decoded[i + 1], points[i]));
  }
}

TEST_CASE("Rollup chunks round trip and stay small for regular minutes") {
  const std::vector<RollupPoint> points = Minutes(60, 1795466760000);
  CheckRoundTrip(1795466760000, points);
  // 60 points * 48 bytes raw; regular windows, decimal statistics and a constant count.
  CHECK(EncodeRollupChunk(1795466760000, points).size() < 60 * 8);
  CheckRoundTrip(0, {});
  CheckRoundTrip(-5, {RollupPoint{-5, -1, 1, 0, 1, 1}});
}

TEST_CASE("Rollup chunks keep special values and extreme counts") {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::vector<RollupPoint> points = {
      {0, std::nan(""), kInf, -kInf, -0.0, 0},
      {60000, FromBits(0x7ff0000000000002ULL), 0.1 + 0.2, 1e300, 5e-324,
       std::numeric_limits<uint64_t>::max()},
      {std::numeric_limits<int64_t>::max(), 1, 2, 3, 4, 1},
  };
  CheckRoundTrip(0, points);
  std::mt19937_64 rng(8);
  for (int round = 0; round < 200; ++round) {
    const testing::Samples s = testing::RandomSamples(rng, 100);
    std::vector<RollupPoint> random;
    for (size_t i = 0; i < s.values.size(); ++i) {
      random.push_back(RollupPoint{s.timestamps[i], s.values[i], s.values[i] * 2, s.values[i] * 60,
                                   s.values[(i + 1) % s.values.size()],
                                   rng() % 3 == 0 ? rng() : 60});
    }
    CheckRoundTrip(s.start_ms, random);
  }
}

TEST_CASE("Corrupt rollup chunks are DataLoss and append nothing") {
  std::vector<RollupPoint> points = Minutes(20, 0);
  points[3].max = 0.1 + 0.2;  // the max column goes XOR
  const std::string chunk = EncodeRollupChunk(0, points);
  auto check_fails = [](const std::string& bad) {
    std::vector<RollupPoint> out = {RollupPoint{}};
    CHECK(DecodeRollupChunk(0, bad, &out).code() == absl::StatusCode::kDataLoss);
    CHECK(out.size() == 1);
  };
  for (size_t len = 0; len < chunk.size(); ++len) {
    INFO("prefix " << len);
    check_fails(chunk.substr(0, len));
  }
  check_fails(chunk + "x");
  check_fails(std::string("\x03") + chunk.substr(1));  // a sample chunk's format byte
  for (size_t i = 0; i < chunk.size(); ++i) {
    std::string bad = chunk;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    std::vector<RollupPoint> out;
    const absl::Status s = DecodeRollupChunk(0, bad, &out);
    if (!s.ok()) {
      CHECK(s.code() == absl::StatusCode::kDataLoss);
      CHECK(out.empty());
    }
  }
}

}  // namespace
}  // namespace vigil::storage
