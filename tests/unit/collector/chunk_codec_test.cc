#include "collector/storage/chunk_codec.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/varint.h"
#include "tests/unit/collector/sample_chunks.h"

namespace vigil::storage {
namespace {

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return bits;
}

double FromBits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

std::vector<uint64_t> BitsOf(const std::vector<double>& values) {
  std::vector<uint64_t> out;
  for (double v : values) out.push_back(Bits(v));
  return out;
}

struct Samples {
  int64_t start_ms;
  std::vector<int64_t> timestamps;
  std::vector<double> values;
};

TEST_CASE("EncodePlainChunk writes the documented format 1 layout") {
  const std::string chunk = EncodePlainChunk(1000, std::vector<int64_t>{1000, 1001, 999 + 64},
                                             std::vector<double>{1.0, -2.0, 0.0});
  const std::string want = std::string(
      "\x01"                               // format
      "\x03"                               // count
      "\x00\x02\x7c"                       // zigzag deltas 0, +1, +62
      "\x00\x00\x00\x00\x00\x00\xf0\x3f"   // 1.0 little-endian
      "\x00\x00\x00\x00\x00\x00\x00\xc0"   // -2.0
      "\x00\x00\x00\x00\x00\x00\x00\x00",  // 0.0
      29);
  CHECK(chunk == want);
  CHECK(kChunkFormatPlain == 1);
  // A negative delta (start after the first sample) is zigzag-encoded as odd.
  CHECK(EncodePlainChunk(10, std::vector<int64_t>{9}, std::vector<double>{0}).substr(0, 3) ==
        std::string("\x01\x01\x01", 3));
  // 64 needs two varint bytes: zigzag(64) = 128 -> 0x80 0x01.
  CHECK(EncodePlainChunk(0, std::vector<int64_t>{64}, std::vector<double>{0}).substr(0, 4) ==
        std::string("\x01\x01\x80\x01", 4));
}

TEST_CASE("Chunks round trip timestamps and value bit patterns") {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double nan_payload = FromBits(0x7ff8dead0000beefULL);
  const double negative_nan = FromBits(0xfff8000000000001ULL);
  const double stale_marker = FromBits(0x7ff0000000000002ULL);  // Prometheus' stale NaN
  const std::vector<Samples> cases = {
      {0, {}, {}},
      {123, {}, {}},
      {1000, {1000}, {42.5}},
      {1000, {1000, 2000, 3000}, {1, 2, 3}},
      {0, {0, 0, 0, 5, 5}, {1, 2, 3, 4, 5}},  // equal timestamps
      {-5000, {-4000, -1, 0, 1}, {-1, -2, -3, -4}},
      {-10, {-10, -10}, {0.5, 0.25}},
      {0, {1795466815123, 1795466815124}, {7, 8}},  // start far before the first
      {0, {0, 4000000000000000000}, {1, 2}},        // huge jump
      {-4000000000000000000, {-4000000000000000000, 4000000000000000000}, {1, 2}},
      {std::numeric_limits<int64_t>::min(),
       {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 1},
       {1, 2}},
      {std::numeric_limits<int64_t>::max() - 1,
       {std::numeric_limits<int64_t>::max() - 1, std::numeric_limits<int64_t>::max()},
       {1, 2}},
      {1000,
       {1000, 1001, 1002, 1003, 1004, 1005, 1006},
       {std::nan(""), nan_payload, negative_nan, stale_marker, kInf, -kInf, -0.0}},
      {0,
       {1, 2, 3, 4},
       {std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
        std::numeric_limits<double>::lowest(), 0.1}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const Samples& c = cases[i];
    const std::string chunk = EncodePlainChunk(c.start_ms, c.timestamps, c.values);
    std::vector<int64_t> timestamps;
    std::vector<double> values;
    REQUIRE(DecodeChunk(c.start_ms, chunk, &timestamps, &values).ok());
    CHECK(timestamps == c.timestamps);
    CHECK(BitsOf(values) == BitsOf(c.values));  // NaN payloads and the sign of -0.0 too
  }
}

TEST_CASE("A chunk of 1000 samples at 10s spacing stays small and round trips") {
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) {
    timestamps.push_back(1795466810000 + i * 10000 + (i % 3));  // a little jitter
    values.push_back(i * 0.25);
  }
  const std::string chunk = EncodePlainChunk(1795466810000, timestamps, values);
  // 1 format + 2 count + <= 3 bytes per delta + 8 per value.
  CHECK(chunk.size() <= 1 + 2 + 3 * 1000 + 8 * 1000);
  std::vector<int64_t> got_t;
  std::vector<double> got_v;
  REQUIRE(DecodeChunk(1795466810000, chunk, &got_t, &got_v).ok());
  CHECK(got_t == timestamps);
  CHECK(got_v == values);
}

TEST_CASE("DecodeChunk appends to non-empty vectors") {
  std::vector<int64_t> timestamps = {1, 2};
  std::vector<double> values = {10, 20};
  const std::string a =
      EncodePlainChunk(100, std::vector<int64_t>{100, 150}, std::vector<double>{0.5, 1.5});
  const std::string b = EncodePlainChunk(200, std::vector<int64_t>{210}, std::vector<double>{-3});
  REQUIRE(DecodeChunk(100, a, &timestamps, &values).ok());
  REQUIRE(DecodeChunk(200, b, &timestamps, &values).ok());
  CHECK(timestamps == std::vector<int64_t>{1, 2, 100, 150, 210});
  CHECK(values == std::vector<double>{10, 20, 0.5, 1.5, -3});
}

TEST_CASE("DecodeChunk uses the start from the key") {
  // The timestamps are relative to the start passed in: decoding with another start
  // shifts them all.
  const std::string chunk =
      EncodePlainChunk(1000, std::vector<int64_t>{1500, 1600}, std::vector<double>{1, 2});
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  REQUIRE(DecodeChunk(2000, chunk, &timestamps, &values).ok());
  CHECK(timestamps == std::vector<int64_t>{2500, 2600});
}

TEST_CASE("DecodeChunk rejects corrupt chunks with DataLoss and appends nothing") {
  const std::string good =
      EncodePlainChunk(1000, std::vector<int64_t>{1000, 1010, 1020}, std::vector<double>{1, 2, 3});
  struct Case {
    const char* what;
    std::string chunk;
  };
  const std::vector<Case> cases = {
      {"empty", ""},
      {"format 0", std::string("\x00\x00", 2)},
      {"format 5", std::string("\x05\x00", 2)},
      {"format 4 (a rollup chunk)", std::string("\x04\x00", 2)},
      {"format 255", std::string("\xff\x00", 2)},
      {"no count", "\x01"},
      {"truncated count varint", "\x01\x80"},
      {"count larger than the data", std::string("\x01\x05\x00", 3)},
      {"count larger than 64 bits", std::string("\x01") + std::string(10, '\xff') + "\x01"},
      {"value bytes missing", std::string("\x01\x01\x00", 3)},
      {"last value cut by one byte", good.substr(0, good.size() - 1)},
      {"one stray byte after the values", good + "x"},
      {"one value too many", good + std::string(8, '\0')},
      {"empty chunk with a value", std::string("\x01\x00", 2) + std::string(8, '\0')},
      // Regression: a truncated timestamp varint used to leave the timestamps decoded so
      // far appended, so a caller skipping a corrupt chunk had more timestamps than values.
      // count 2: one complete delta (+1), then a varint cut after its continuation byte.
      {"second delta truncated", std::string("\x01\x02\x02\x80", 4)},
      // count 3: two complete deltas, the third missing.
      {"third delta missing", std::string("\x01\x03\x02\x02\x80", 5)},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<int64_t> timestamps = {7};
    std::vector<double> values = {7.5};
    absl::Status s = DecodeChunk(1000, c.chunk, &timestamps, &values);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == absl::StatusCode::kDataLoss);
    CHECK(timestamps == std::vector<int64_t>{7});
    CHECK(values == std::vector<double>{7.5});
  }
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  CHECK_THAT(std::string(DecodeChunk(0, "\x05", &timestamps, &values).message()),
             Catch::Contains("unknown chunk format 5"));
}

using testing::EdgeCases;
using testing::RandomSamples;

// Decodes `chunk`, requiring success, and checks it reproduces `s` bit for bit.
void CheckRoundTrip(const testing::Samples& s, const std::string& chunk) {
  std::vector<int64_t> timestamps = {-1};
  std::vector<double> values = {-1};
  const absl::Status status = DecodeChunk(s.start_ms, chunk, &timestamps, &values);
  REQUIRE(status.ok());
  REQUIRE(timestamps.size() == s.timestamps.size() + 1);
  REQUIRE(values.size() == s.values.size() + 1);
  CHECK(std::vector<int64_t>(timestamps.begin() + 1, timestamps.end()) == s.timestamps);
  CHECK(BitsOf(std::vector<double>(values.begin() + 1, values.end())) == BitsOf(s.values));
}

// Every strict prefix is kDataLoss; every single-byte corruption is either kDataLoss or
// decodes to exactly count samples; either way nothing is appended on failure (and
// under the sanitizer build, nothing is read out of bounds).
void CheckCorruption(const testing::Samples& s, const std::string& chunk) {
  for (size_t len = 0; len < chunk.size(); ++len) {
    INFO("prefix of " << len << " of " << chunk.size() << " bytes");
    std::vector<int64_t> timestamps = {7};
    std::vector<double> values = {7.5};
    const absl::Status status = DecodeChunk(s.start_ms, chunk.substr(0, len), &timestamps, &values);
    REQUIRE(status.code() == absl::StatusCode::kDataLoss);
    CHECK(timestamps == std::vector<int64_t>{7});
    CHECK(values == std::vector<double>{7.5});
  }
  {
    std::vector<int64_t> timestamps;
    std::vector<double> values;
    CHECK(DecodeChunk(s.start_ms, chunk + '\0', &timestamps, &values).code() ==
          absl::StatusCode::kDataLoss);
    CHECK(timestamps.empty());
  }
  for (size_t i = 0; i < chunk.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff, 0x3c}) {
      std::string bad = chunk;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      std::vector<int64_t> timestamps = {7};
      std::vector<double> values = {7.5};
      const absl::Status status = DecodeChunk(s.start_ms, bad, &timestamps, &values);
      INFO("byte " << i << " ^ " << int{mask} << ": " << status);
      if (status.ok()) {
        CHECK(timestamps.size() == values.size());
      } else {
        CHECK(status.code() == absl::StatusCode::kDataLoss);
        CHECK(timestamps == std::vector<int64_t>{7});
        CHECK(values == std::vector<double>{7.5});
      }
    }
  }
}

TEST_CASE("EncodeChunk round trips edge cases in formats 2 and 3") {
  for (const testing::Samples& s : EdgeCases()) {
    INFO(s.what);
    const std::string xor_chunk = EncodeXorChunk(s.start_ms, s.timestamps, s.values);
    const std::string columnar = EncodeColumnarChunk(s.start_ms, s.timestamps, s.values);
    const std::string chosen = EncodeChunk(s.start_ms, s.timestamps, s.values);
    CHECK(static_cast<uint8_t>(xor_chunk[0]) == kChunkFormatXor);
    CHECK(static_cast<uint8_t>(columnar[0]) == kChunkFormatColumnar);
    CHECK(chosen.size() == std::min(xor_chunk.size(), columnar.size()));
    CHECK((chosen == xor_chunk || chosen == columnar));
    CheckRoundTrip(s, xor_chunk);
    CheckRoundTrip(s, columnar);
    CheckRoundTrip(s, chosen);
  }
}

TEST_CASE("EncodeChunk picks the smaller format") {
  // 2-decimal counter: decimal mantissas delta-pack far below XOR's bits.
  const testing::Samples counter = EdgeCases().back();
  REQUIRE(counter.what == "2-decimal counter");
  const std::string chosen = EncodeChunk(counter.start_ms, counter.timestamps, counter.values);
  CHECK(static_cast<uint8_t>(chosen[0]) == kChunkFormatColumnar);
  CHECK(chosen.size() * 4 <
        EncodeXorChunk(counter.start_ms, counter.timestamps, counter.values).size());
  // A short chunk of random doubles: XOR's stream beats the columnar tags and headers.
  std::mt19937_64 rng(7);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 3; ++i) {
    ts.push_back(1000 + 1000 * i + static_cast<int64_t>(rng() % 7));
    vs.push_back(std::uniform_real_distribution<double>(0, 1)(rng));
  }
  const std::string xor_chunk = EncodeXorChunk(1000, ts, vs);
  const std::string columnar = EncodeColumnarChunk(1000, ts, vs);
  const std::string picked = EncodeChunk(1000, ts, vs);
  CHECK(picked == (columnar.size() < xor_chunk.size() ? columnar : xor_chunk));
  // An empty chunk: format 2 needs just its two header bytes.
  CHECK(EncodeChunk(0, std::vector<int64_t>{}, std::vector<double>{}) ==
        std::string("\x02\x00", 2));
}

TEST_CASE("Random chunks of mixed kinds round trip in every format") {
  std::mt19937_64 rng(20240611);
  int decimal_chunks = 0;
  for (int i = 0; i < 3000; ++i) {
    const testing::Samples s = RandomSamples(rng, i % 10 == 0 ? 2000 : 200);
    INFO("chunk " << i << " of " << s.values.size() << " samples");
    const std::string xor_chunk = EncodeXorChunk(s.start_ms, s.timestamps, s.values);
    const std::string columnar = EncodeColumnarChunk(s.start_ms, s.timestamps, s.values);
    const std::string chosen = EncodeChunk(s.start_ms, s.timestamps, s.values);
    CheckRoundTrip(s, xor_chunk);
    CheckRoundTrip(s, columnar);
    CHECK(chosen.size() == std::min(xor_chunk.size(), columnar.size()));
    std::optional<std::string> decimal = EncodeDecimalChunk(s.start_ms, s.timestamps, s.values);
    if (decimal.has_value()) {
      ++decimal_chunks;
      CheckRoundTrip(s, *decimal);
      CHECK(columnar.size() <= decimal->size());
    }
  }
  CHECK(decimal_chunks > 1000);  // the generator mixes decimal and non-decimal chunks
  CHECK(decimal_chunks < 2900);
}

TEST_CASE("Corrupt chunks of every format are DataLoss, never a crash or partial append") {
  std::vector<testing::Samples> cases = EdgeCases();
  std::mt19937_64 rng(99);
  for (int i = 0; i < 40; ++i) cases.push_back(RandomSamples(rng, 60));
  for (const testing::Samples& s : cases) {
    if (s.values.size() > 100) continue;  // keep the quadratic flip loops small
    INFO(s.what);
    CheckCorruption(s, EncodeXorChunk(s.start_ms, s.timestamps, s.values));
    CheckCorruption(s, EncodeColumnarChunk(s.start_ms, s.timestamps, s.values));
    std::optional<std::string> decimal = EncodeDecimalChunk(s.start_ms, s.timestamps, s.values);
    if (decimal.has_value()) CheckCorruption(s, *decimal);
    CheckCorruption(s, EncodePlainChunk(s.start_ms, s.timestamps, s.values));
  }
}

TEST_CASE("Chunk counts beyond what the input can hold are rejected before allocating") {
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  // Format 2: 2^62 samples in 8 bytes.
  std::string xor_chunk = "\x02";
  PutVarint(&xor_chunk, uint64_t{1} << 62);
  xor_chunk += std::string(8, '\0');
  CHECK(DecodeChunk(0, xor_chunk, &timestamps, &values).code() == absl::StatusCode::kDataLoss);
  // Format 3: constant columns need O(1) bytes, so the count is capped instead.
  std::string columnar = "\x03";
  PutVarint(&columnar, kMaxColumnLength + 1);
  columnar += std::string("\x04\x00\x00", 3);  // order 0 bitpack, min 0, width 0
  CHECK(DecodeChunk(0, columnar, &timestamps, &values).code() == absl::StatusCode::kDataLoss);
  CHECK(timestamps.empty());
  CHECK(values.empty());
}

}  // namespace
}  // namespace vigil::storage
