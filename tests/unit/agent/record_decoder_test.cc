#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/spool/record_format.h"

namespace vigil::agent::spool {
namespace {

// Batch-like bytes that zstd compresses (so records carry the zstd flag).
std::string Payload(int n) {
  std::string out;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&out, "series ", i, " value ", n * 1000 + i, ";");
  return out;
}

TEST_CASE("one record encoder and one decoder handle record after record, compressed or not") {
  const std::vector<std::string> payloads = {Payload(1), "tiny", Payload(2), Payload(3)};
  RecordEncoder encoder;
  RecordDecoder decoder;
  for (const std::string& payload : payloads) {
    std::string record;
    encoder.Append(payload, &record);
    std::optional<RecordHeader> header = ParseRecordHeader(record);
    REQUIRE(header.has_value());
    CHECK((header->flags & kFlagZstd) == (payload.size() > 100 ? kFlagZstd : 0));
    absl::StatusOr<std::string> decoded = decoder.Decode(*header, record);
    REQUIRE(decoded.ok());
    CHECK(*decoded == payload);
  }
}

TEST_CASE("a damaged record is data loss and the decoder goes on with the next") {
  RecordDecoder decoder;
  std::string damaged;
  RecordEncoder().Append(Payload(1), &damaged);
  damaged[damaged.size() / 2] ^= 0x20;
  std::optional<RecordHeader> header = ParseRecordHeader(damaged);
  REQUIRE(header.has_value());
  CHECK(decoder.Decode(*header, damaged).status().code() == absl::StatusCode::kDataLoss);

  std::string good;
  RecordEncoder().Append(Payload(2), &good);
  header = ParseRecordHeader(good);
  REQUIRE(header.has_value());
  absl::StatusOr<std::string> decoded = decoder.Decode(*header, good);
  REQUIRE(decoded.ok());
  CHECK(*decoded == Payload(2));
}

}  // namespace
}  // namespace vigil::agent::spool
