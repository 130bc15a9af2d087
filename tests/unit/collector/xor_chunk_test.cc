#include "collector/storage/xor_chunk.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "collector/storage/chunk_codec.h"
#include "tests/unit/collector/sample_chunks.h"

namespace vigil::storage {
namespace {

using testing::Bits;
using testing::BitsOf;
using testing::EdgeCases;
using testing::RandomSamples;
using testing::Samples;

XorAppender AppendAll(const Samples& s, size_t from, size_t to, XorAppender a) {
  for (size_t i = from; i < to; ++i) a.Append(s.timestamps[i], s.values[i]);
  return a;
}

TEST_CASE("XorAppender's stream decodes to what was appended, live and finished") {
  for (const Samples& s : EdgeCases()) {
    INFO(s.what);
    const XorAppender a = AppendAll(s, 0, s.values.size(), XorAppender(s.start_ms));
    CHECK(a.start_ms() == s.start_ms);
    CHECK(a.count() == s.values.size());
    if (!s.values.empty()) {
      CHECK(a.first_timestamp_ms() == s.timestamps.front());
      CHECK(a.last_timestamp_ms() == s.timestamps.back());
      CHECK(Bits(a.last_value()) == Bits(s.values.back()));
    }
    std::vector<int64_t> live_ts = {5};
    std::vector<double> live_vs = {5};
    a.DecodeSamples(&live_ts, &live_vs);
    CHECK(std::vector<int64_t>(live_ts.begin() + 1, live_ts.end()) == s.timestamps);
    CHECK(BitsOf(std::vector<double>(live_vs.begin() + 1, live_vs.end())) == BitsOf(s.values));

    const std::string chunk = a.Finish();
    CHECK(chunk == EncodeXorChunk(s.start_ms, s.timestamps, s.values));
    std::vector<int64_t> ts;
    std::vector<double> vs;
    REQUIRE(DecodeChunk(s.start_ms, chunk, &ts, &vs).ok());
    CHECK(ts == s.timestamps);
    CHECK(BitsOf(vs) == BitsOf(s.values));
  }
}

TEST_CASE("XorAppender writes the documented bit layout") {
  XorAppender a(1000);
  a.Append(1000, 1.0);  // dod 0: '0', then 64 raw bits of 1.0 (0x3ff0000000000000)
  a.Append(2000, 1.0);  // dod 1000: '110' + 14 bits; value unchanged: '0'
  a.Append(3000, 1.0);  // dod 0: '0'; value '0'
  const std::string chunk = a.Finish();
  // Bits: 0 | 0011111111110000 ... (64) | 110 00001111101000 | 0 | 0 | 0, 85 bits -> 11 bytes.
  REQUIRE(chunk.size() == 2 + 11);
  CHECK(chunk.substr(0, 2) == std::string("\x02\x03", 2));
  CHECK(static_cast<uint8_t>(chunk[2]) == 0x1f);  // 0 + top 7 bits of 0x3ff0...
  CHECK(static_cast<uint8_t>(chunk[3]) == 0xf8);
  // After the 65th bit: '110' then 1000 = 0b00001111101000 in 14 bits.
  uint64_t tail = 0;
  for (int i = 10; i < 13; ++i) tail = tail << 8 | static_cast<uint8_t>(chunk[i]);
  // Bits 64..87 of the stream are the last 3 bytes; bit 64 is the last bit of 1.0's pattern.
  CHECK(tail == ((uint64_t{0b0110} << 20) | (uint64_t{1000} << 6)));
}

TEST_CASE("Serialize and Deserialize restore the appender exactly") {
  std::mt19937_64 rng(5);
  std::vector<Samples> cases = EdgeCases();
  for (int i = 0; i < 300; ++i) cases.push_back(RandomSamples(rng, 400));
  for (const Samples& s : cases) {
    INFO(s.what << ", " << s.values.size() << " samples");
    const XorAppender whole = AppendAll(s, 0, s.values.size(), XorAppender(s.start_ms));
    // Snapshot at every point of short chunks, at a few of long ones.
    const size_t step = s.values.size() < 40 ? 1 : s.values.size() / 7;
    for (size_t cut = 0; cut <= s.values.size(); cut += step) {
      const XorAppender head = AppendAll(s, 0, cut, XorAppender(s.start_ms));
      absl::StatusOr<XorAppender> restored = XorAppender::Deserialize(head.Serialize());
      REQUIRE(restored.ok());
      CHECK(restored->Serialize() == head.Serialize());
      CHECK(restored->count() == head.count());
      const XorAppender resumed = AppendAll(s, cut, s.values.size(), *std::move(restored));
      CHECK(resumed.Finish() == whole.Finish());
      CHECK(resumed.Serialize() == whole.Serialize());
    }
  }
}

TEST_CASE("Deserialize rejects corrupt snapshots with DataLoss") {
  XorAppender a(1000);
  for (int i = 0; i < 50; ++i) a.Append(1000 + 1000 * i, i * 0.5);
  const std::string good = a.Serialize();
  for (size_t len = 0; len < good.size(); ++len) {
    INFO("prefix " << len);
    CHECK(XorAppender::Deserialize(good.substr(0, len)).status().code() ==
          absl::StatusCode::kDataLoss);
  }
  CHECK(XorAppender::Deserialize(good + "x").status().code() == absl::StatusCode::kDataLoss);
  std::string bad_version = good;
  bad_version[0] = 9;
  CHECK(XorAppender::Deserialize(bad_version).status().code() == absl::StatusCode::kDataLoss);
  // Every single-byte change either fails or yields an appender whose stream still
  // decodes without crashing.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x41);
    absl::StatusOr<XorAppender> r = XorAppender::Deserialize(bad);
    if (!r.ok()) {
      CHECK(r.status().code() == absl::StatusCode::kDataLoss);
      continue;
    }
    std::vector<int64_t> ts;
    std::vector<double> vs;
    r->DecodeSamples(&ts, &vs);
    CHECK(ts.size() == vs.size());
  }
}

TEST_CASE("The XOR value column round trips on its own and consumes exactly its bytes") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 500; ++i) {
    const Samples s = RandomSamples(rng, 300);
    std::string column;
    EncodeXorValues(s.values, &column);
    const std::string with_next = column + "next";
    absl::string_view in = with_next;
    std::vector<double> values = {1};
    REQUIRE(DecodeXorValues(&in, s.values.size(), &values).ok());
    CHECK(in == "next");
    CHECK(BitsOf(std::vector<double>(values.begin() + 1, values.end())) == BitsOf(s.values));
    if (s.values.empty()) continue;
    absl::string_view truncated(column.data(), column.size() - 1);
    values = {1};
    CHECK(DecodeXorValues(&truncated, s.values.size(), &values).code() ==
          absl::StatusCode::kDataLoss);
    CHECK(values.size() == 1);
  }
}

}  // namespace
}  // namespace vigil::storage
