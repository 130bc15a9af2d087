#include "bench/codec_study.h"

#include <catch2/catch.hpp>
#include <string>

namespace vigil::bench {
namespace {

CodecStudyOptions Small() {
  CodecStudyOptions o;
  o.hosts = 2;
  o.ticks = 700;
  o.series_per_host = 120;
  o.chunk_samples = 120;
  o.zstd_group_bytes = {4096, 16384};
  return o;
}

TEST_CASE("The codec study's numbers are consistent") {
  absl::StatusOr<CodecStudyResult> r = RunCodecStudy(Small());
  REQUIRE(r.ok());
  CHECK(r->chosen_not_smallest == 0);
  CHECK(r->decode_mismatches == 0);
  const KindResult& all = r->overall;
  CHECK(all.series == 240);
  CHECK(all.samples == 240 * 700);
  CHECK(all.chunks == 240 * 6);  // 5 chunks of 120 and one of 100 per series
  uint64_t series = 0, samples = 0, chosen = 0;
  for (const KindResult& k : r->kinds) {
    INFO(k.kind);
    series += k.series;
    samples += k.samples;
    chosen += k.chosen.raw_bytes;
    CHECK(k.decimal_chunks <= k.chunks);
    CHECK(k.columnar_chosen <= k.chunks);
    // The store's choice is never worse than either encoding, chunk by chunk.
    CHECK(k.chosen.raw_bytes <= k.xor_chunks.raw_bytes);
    CHECK(k.chosen.raw_bytes <= k.decimal.raw_bytes);
    // Every chunk carries at least its key and a format byte and count.
    CHECK(k.chosen.raw_bytes >= k.chunks * 18);
    REQUIRE(k.chosen.zstd_bytes.size() == 2);
    CHECK(k.chosen.zstd_bytes[0] > 0);
  }
  CHECK(series == all.series);
  CHECK(samples == all.samples);
  CHECK(chosen == all.chosen.raw_bytes);
  // On realistic data the decimal and chosen encodings beat Gorilla clearly.
  CHECK(all.chosen.raw_bytes * 2 < all.xor_chunks.raw_bytes);
  CHECK(all.decimal_chunks * 10 > all.chunks * 8);
}

TEST_CASE("The codec study is deterministic and renders as a table and JSON") {
  absl::StatusOr<CodecStudyResult> a = RunCodecStudy(Small());
  absl::StatusOr<CodecStudyResult> b = RunCodecStudy(Small());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(CodecStudyToJson(*a) == CodecStudyToJson(*b));
  const std::string table = FormatCodecStudy(*a);
  CHECK_THAT(table, Catch::Contains("cpu_seconds"));
  CHECK_THAT(table, Catch::Contains("overall"));
  CHECK_THAT(table, Catch::Contains("z16K"));
  const nlohmann::json j = CodecStudyToJson(*a);
  CHECK(j["overall"]["samples"] == a->overall.samples);
  CHECK(j["overall"]["chosen"]["raw_bytes"] == a->overall.chosen.raw_bytes);
  CHECK(j["kinds"].size() == a->kinds.size());
  CHECK(j["options"]["chunk_samples"] == 120);
}

TEST_CASE("Restricting the mantissa encodings never helps, and bad options are rejected") {
  CodecStudyOptions varints = Small();
  varints.mantissa_methods = storage::IntColumnMethodBit(0, 0) | storage::IntColumnMethodBit(1, 0) |
                             storage::IntColumnMethodBit(2, 0);
  absl::StatusOr<CodecStudyResult> all = RunCodecStudy(Small());
  absl::StatusOr<CodecStudyResult> restricted = RunCodecStudy(varints);
  REQUIRE(all.ok());
  REQUIRE(restricted.ok());
  CHECK(restricted->decode_mismatches == 0);
  CHECK(all->overall.decimal.raw_bytes < restricted->overall.decimal.raw_bytes);

  CodecStudyOptions bad = Small();
  bad.chunk_samples = 0;
  CHECK(RunCodecStudy(bad).status().code() == absl::StatusCode::kInvalidArgument);
  bad = Small();
  bad.zstd_group_bytes = {0};
  CHECK(RunCodecStudy(bad).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::bench
