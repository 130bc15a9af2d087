#include "collector/storage/decimal_chunk.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "collector/storage/xor_chunk.h"
#include "tests/unit/collector/sample_chunks.h"

namespace vigil::storage {
namespace {

using testing::Bits;
using testing::BitsOf;
using testing::FromBits;

TEST_CASE("ToDecimal finds the common exponent, positive or negative") {
  struct Case {
    std::vector<double> values;
    int exponent;
    std::vector<int64_t> mantissas;
  };
  const std::vector<Case> cases = {
      {{123456789000}, 3, {123456789}},
      {{12345.67}, -2, {1234567}},
      {{12345.67, 3}, -2, {1234567, 300}},
      {{1024, 2048, 3072}, 0, {1024, 2048, 3072}},
      {{1000, 20000, 300}, 2, {10, 200, 3}},
      {{0.001, 0}, -3, {1, 0}},
      {{-1.5, 2.25}, -2, {-150, 225}},
      {{1e22}, 22, {1}},
      {{1e-22}, -22, {1}},
      {{9007199254740992.0}, 0, {9007199254740992}},  // 2^53, the largest mantissa
      {{1795466815.123}, -3, {1795466815123}},
  };
  for (const Case& c : cases) {
    INFO(c.values.front());
    std::optional<DecimalValues> d = ToDecimal(c.values);
    REQUIRE(d.has_value());
    CHECK(d->exponent == c.exponent);
    CHECK(d->mantissas == c.mantissas);
    for (size_t i = 0; i < c.values.size(); ++i) {
      CHECK(Bits(FromDecimal(d->mantissas[i], d->exponent)) == Bits(c.values[i]));
    }
  }
  std::optional<DecimalValues> zeros = ToDecimal(std::vector<double>{0, 0});
  REQUIRE(zeros.has_value());
  CHECK(zeros->mantissas == std::vector<int64_t>{0, 0});
  std::optional<DecimalValues> empty = ToDecimal(std::vector<double>{});
  REQUIRE(empty.has_value());
  CHECK(empty->mantissas.empty());
}

TEST_CASE("ToDecimal declines values it cannot reproduce bit-exactly") {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<const char*, double>> cases = {
      {"NaN", std::nan("")},
      {"stale marker", FromBits(0x7ff0000000000002ULL)},
      {"+Inf", kInf},
      {"-Inf", -kInf},
      {"-0.0 (would decode as +0.0)", -0.0},
      {"17 significant digits", 0.1 + 0.2},
      {"denormal", std::numeric_limits<double>::denorm_min()},
      {"DBL_MAX", std::numeric_limits<double>::max()},
      {"1e300", 1e300},
      {"1e-30", 1e-30},
      {"mantissa beyond 2^53", 9007199254740993.0 * 2},  // 2^54 + 2
      {"4/3 (17 significant digits)", 4.0 / 3},
  };
  for (const auto& [what, bad] : cases) {
    INFO(what);
    CHECK_FALSE(ToDecimal(std::vector<double>{bad}).has_value());
    CHECK_FALSE(ToDecimal(std::vector<double>{1.25, bad, 3}).has_value());
    CHECK_FALSE(
        EncodeDecimalChunk(0, std::vector<int64_t>{1, 2}, std::vector<double>{1, bad}).has_value());
    std::string out = "x";
    CHECK_FALSE(EncodeDecimalValueColumn(std::vector<double>{bad}, &out));
    CHECK(out == "x");
  }
  // 1/3 = 0.3333333333333333 has 16 significant digits: still exact.
  CHECK(ToDecimal(std::vector<double>{1.0 / 3}).has_value());
  // Each fine alone, but no common exponent keeps both mantissas within 2^53.
  CHECK(ToDecimal(std::vector<double>{1e15}).has_value());
  CHECK(ToDecimal(std::vector<double>{0.001}).has_value());
  CHECK_FALSE(ToDecimal(std::vector<double>{123456789012345.0, 0.001}).has_value());
}

TEST_CASE("ToDecimal is exact on random decimals of every scale") {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const int exponent = static_cast<int>(rng() % 31) - 15;
    const int64_t mantissa = static_cast<int64_t>(rng() % 100000000000) - 50000000000;
    const double v = FromDecimal(mantissa, exponent);
    std::optional<DecimalValues> d = ToDecimal(std::vector<double>{v});
    INFO(mantissa << "e" << exponent);
    REQUIRE(d.has_value());
    CHECK(Bits(FromDecimal(d->mantissas[0], d->exponent)) == Bits(v));
    CHECK(d->exponent >= exponent);  // trailing zeros of the mantissa move into it
  }
}

TEST_CASE("Value columns pick decimal or XOR and round trip") {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 1000; ++i) {
    const testing::Samples s = testing::RandomSamples(rng, 300);
    std::string column;
    EncodeValueColumn(s.values, &column);
    std::string xor_column;
    EncodeXorValues(s.values, &xor_column);
    CHECK(column.size() <= 1 + xor_column.size());
    std::string decimal;
    if (EncodeDecimalValueColumn(s.values, &decimal)) {
      CHECK(column.size() == std::min(decimal.size(), 1 + xor_column.size()));
    } else {
      CHECK(column[0] == 0);  // XOR
    }
    const std::string with_next = column + "!";
    absl::string_view in = with_next;
    std::vector<double> values;
    REQUIRE(DecodeValueColumn(&in, s.values.size(), &values).ok());
    CHECK(in == "!");
    CHECK(BitsOf(values) == BitsOf(s.values));
  }
}

TEST_CASE("Timestamp columns store regular series in constant space") {
  std::vector<int64_t> regular;
  for (int i = 0; i < 3600; ++i) regular.push_back(1795466810000 + 1000 * i);
  std::string out;
  EncodeTimestampColumn(1795466810000, regular, &out);
  CHECK(out.size() <= 6);
  absl::string_view in = out;
  std::vector<int64_t> decoded;
  REQUIRE(DecodeTimestampColumn(1795466810000, &in, regular.size(), &decoded).ok());
  CHECK(in.empty());
  CHECK(decoded == regular);
}

TEST_CASE("Decimal chunks of 2-decimal counters are a fraction of a byte per sample") {
  const testing::Samples counter = testing::EdgeCases().back();
  std::optional<std::string> chunk =
      EncodeDecimalChunk(counter.start_ms, counter.timestamps, counter.values);
  REQUIRE(chunk.has_value());
  CHECK(chunk->size() < counter.values.size());  // < 1 byte per sample, timestamps included
  std::vector<int64_t> ts;
  std::vector<double> vs;
  REQUIRE(
      DecodeColumnarChunk(counter.start_ms, absl::string_view(*chunk).substr(1), &ts, &vs).ok());
  CHECK(BitsOf(vs) == BitsOf(counter.values));
}

}  // namespace
}  // namespace vigil::storage
