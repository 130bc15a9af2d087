#include "collector/storage/int_column.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace vigil::storage {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& values, uint32_t methods) {
  std::string column;
  EncodeIntColumn(values, &column, methods);
  const std::string with_next = column + "z";
  absl::string_view in = with_next;
  std::vector<int64_t> out = {42};
  const absl::Status s = DecodeIntColumn(&in, values.size(), &out);
  REQUIRE(s.ok());
  CHECK(in == "z");
  return std::vector<int64_t>(out.begin() + 1, out.end());
}

std::vector<std::vector<int64_t>> Columns() {
  std::vector<std::vector<int64_t>> columns = {
      {},
      {0},
      {kMin},
      {kMax, kMin, kMax, kMin},
      {kMin, 0, kMax},
      {5, 5, 5, 5, 5},
      {1, 2, 3, 4, 5, 6},
      {0, 1000, 2000, 3001, 3999, 5000},
      {7, 0, 0, 0, 0, 3, 0, 0, 0},
      {-1, -1, 0, 0, 1, 1},
  };
  std::mt19937_64 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::vector<int64_t> c;
    const int n = static_cast<int>(rng() % 200);
    int64_t v = static_cast<int64_t>(rng());
    const int kind = static_cast<int>(rng() % 4);
    for (int j = 0; j < n; ++j) {
      switch (kind) {
        case 0:
          v = static_cast<int64_t>(rng());
          break;
        case 1:
          v += static_cast<int64_t>(rng() % 100);
          break;
        case 2:
          v += rng() % 10 == 0 ? static_cast<int64_t>(rng() % 5000) : 0;
          break;
        default:
          v = static_cast<int64_t>(static_cast<uint64_t>(v) + (rng() >> (rng() % 64)));
          break;
      }
      c.push_back(v);
    }
    columns.push_back(c);
  }
  return columns;
}

TEST_CASE("Integer columns round trip with every method alone and all together") {
  for (const std::vector<int64_t>& c : Columns()) {
    INFO(c.size() << " values");
    CHECK(RoundTrip(c, kIntColumnAllMethods) == c);
    for (int order = 0; order < 3; ++order) {
      for (int packing = 0; packing < 4; ++packing) {
        INFO("order " << order << " packing " << packing);
        CHECK(RoundTrip(c, IntColumnMethodBit(order, packing)) == c);
      }
    }
  }
}

TEST_CASE("Integer columns pick the smallest method") {
  for (const std::vector<int64_t>& c : Columns()) {
    std::string all;
    EncodeIntColumn(c, &all);
    for (int m = 0; m < 12; ++m) {
      std::string one;
      EncodeIntColumn(c, &one, 1u << m);
      CHECK(all.size() <= one.size());
    }
  }
  // Multiples of a common step pack by the step (scaled bitpack).
  std::vector<int64_t> pages;
  for (int i = 0; i < 64; ++i) pages.push_back(int64_t{1} << 33 | (int64_t{i} * 7 % 16) << 12);
  std::string scaled, unscaled;
  EncodeIntColumn(pages, &scaled, IntColumnMethodBit(0, 3));
  EncodeIntColumn(pages, &unscaled, IntColumnMethodBit(0, 1));
  CHECK(scaled.size() + 64 * 12 / 8 <= unscaled.size() + 2);
  CHECK(RoundTrip(pages, IntColumnMethodBit(0, 3)) == pages);
  // Constant and arithmetic sequences take constant space.
  std::vector<int64_t> steps;
  for (int i = 0; i < 100000; ++i) steps.push_back(17 + 1000 * int64_t{i});
  std::string column;
  EncodeIntColumn(steps, &column);
  CHECK(column.size() <= 6);
}

TEST_CASE("Corrupt integer columns are DataLoss and append nothing") {
  const std::vector<int64_t> values = {3, 9, 27, 81, 243, 0, -5, 1 << 20};
  for (int m = 0; m < 12; ++m) {
    std::string column;
    EncodeIntColumn(values, &column, 1u << m);
    for (size_t len = 0; len < column.size(); ++len) {
      INFO("method " << m << " prefix " << len);
      absl::string_view in(column.data(), len);
      std::vector<int64_t> out = {1};
      CHECK(DecodeIntColumn(&in, values.size(), &out).code() == absl::StatusCode::kDataLoss);
      CHECK(out == std::vector<int64_t>{1});
    }
  }
  struct Case {
    const char* what;
    std::string column;
    size_t count;
  };
  const std::vector<Case> cases = {
      {"order 3", std::string("\x03", 1), 0},
      {"packing 4", std::string("\x10", 1), 0},
      {"width 65", std::string("\x04\x00\x41", 3) + std::string(100, '\0'), 4},
      {"zero run longer than the column", std::string("\x08\x05", 2), 4},
      {"count above the cap", std::string("\x04\x00\x00", 3), kMaxColumnLength + 1},
      {"more varints than bytes", std::string("\x00\x00", 2), 1000},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    absl::string_view in = c.column;
    std::vector<int64_t> out;
    CHECK(DecodeIntColumn(&in, c.count, &out).code() == absl::StatusCode::kDataLoss);
    CHECK(out.empty());
  }
}

}  // namespace
}  // namespace vigil::storage
