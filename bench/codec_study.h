// The chunk codec study: how many bytes per sample each chunk encoding of
// collector/storage takes on realistic host data (host_data.h), raw and after the zstd
// block compression RocksDB applies on top.
//
// For each simulated host, every series is cut into chunks of `chunk_samples` samples
// and each chunk is encoded three ways:
//   xor      format 2 (XorAppender: Gorilla timestamps and values);
//   decimal  format 3 with a decimal value column (EncodeDecimalChunk), or, for chunks
//            whose values are not exactly decimal, the xor chunk (its coverage is
//            reported);
//   chosen   EncodeChunk: the smaller of format 2 and format 3, what the store writes.
// Raw sizes count each chunk's bytes plus its 16-byte RocksDB key. The zstd sizes
// approximate RocksDB's ZSTD block compression of the chunks column family: the keys
// and chunks of one series, in key order, are cut into groups of about each of
// `zstd_group_bytes` (a block) and each group is compressed on its own.
//
// Memory: one host's samples at a time, 8 bytes per sample.
// Thread-safety: the functions are reentrant.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/storage/int_column.h"

namespace vigil::bench {

struct CodecStudyOptions {
  int hosts = 4;
  int ticks = 7200;  // samples per series, one per second
  int series_per_host = 500;
  int chunk_samples = 600;
  uint64_t seed = 1;
  int64_t start_ms = 1795000000000;
  // Ticks the agent missed (a 2 s gap in every series of the host).
  double missed_tick_probability = 0.001;
  std::vector<int> zstd_group_bytes = {16 * 1024, 64 * 1024};
  int zstd_level = 3;  // RocksDB's default for kZSTD
  // Integer-column methods the decimal mantissas may use (int_column.h), to measure
  // what each contributes. With anything but all, `chosen` is the smaller of xor and
  // format 3 restricted likewise rather than EncodeChunk itself.
  uint32_t mantissa_methods = storage::kIntColumnAllMethods;
  // Decode every chosen chunk and compare it with the samples, bit for bit.
  bool verify = true;
};

struct EncodingSize {
  uint64_t raw_bytes = 0;            // chunks plus 16-byte keys
  std::vector<uint64_t> zstd_bytes;  // one per options.zstd_group_bytes
};

struct KindResult {
  std::string kind;  // SeriesKindName, or "overall"
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t chunks = 0;
  uint64_t decimal_chunks = 0;   // chunks whose values were exactly decimal
  uint64_t columnar_chosen = 0;  // chunks for which format 3 was chosen
  EncodingSize xor_chunks;
  EncodingSize decimal;
  EncodingSize chosen;
};

struct CodecStudyResult {
  CodecStudyOptions options;
  std::vector<KindResult> kinds;  // the kinds present, in SeriesKind order
  KindResult overall;
  // Consistency counters, all 0 unless the codecs are broken: chunks where the chosen
  // encoding was larger than xor or decimal, and chosen chunks that did not decode to
  // their samples.
  uint64_t chosen_not_smallest = 0;
  uint64_t decode_mismatches = 0;
};

// kInvalidArgument on bad options; kInternal if zstd fails.
absl::StatusOr<CodecStudyResult> RunCodecStudy(const CodecStudyOptions& options);

// A table of bytes per sample, one row per kind plus overall.
std::string FormatCodecStudy(const CodecStudyResult& result);

// The whole result, sizes in bytes and in bytes per sample.
nlohmann::json CodecStudyToJson(const CodecStudyResult& result);

}  // namespace vigil::bench
