// Gorilla-style streaming compression (Pelkonen et al., "Gorilla: A Fast, Scalable,
// In-Memory Time Series Database", VLDB 2015): the in-memory head appends each sample
// as it arrives, and the finished stream is chunk format 2 (chunk_codec.h).
//
// Bit stream, per sample, most significant bit first (bit_stream.h):
//   timestamp: dod = (t - previous t) - (previous delta), wrapping 64-bit arithmetic,
//     where for the first sample the previous t is the chunk's start_ms and the previous
//     delta 0 (so its dod is t - start_ms). Buckets, widened from the paper's for
//     millisecond timestamps and arbitrary 64-bit jumps, each holding dod in two's
//     complement:
//       '0'                  dod == 0
//       '10'    + 7 bits     -64 <= dod < 64        (jitter of a few ms)
//       '110'   + 14 bits    -8192 <= dod < 8192    (the first delta of a 1 s series)
//       '1110'  + 20 bits    -2^19 <= dod < 2^19
//       '11110' + 32 bits    -2^31 <= dod < 2^31
//       '11111' + 64 bits    anything else
//   value: the first is its 64 raw IEEE bits; then x = bits XOR previous bits:
//       '0'                  x == 0
//       '10'  + m bits       x fits the previous window (leading zeros >= the window's,
//                            trailing zeros >= the window's): its m meaningful bits
//       '11'  + 5 bits leading zeros (capped at 31) + 6 bits m (0 means 64) + m bits:
//                            a new window. The encoder also opens a new window when
//                            that is smaller than reusing a much wider one.
//
// Values are kept as bit patterns: NaN payloads and the sign of -0.0 round trip.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/storage/bit_stream.h"

namespace vigil::storage {

inline constexpr uint8_t kChunkFormatXor = 2;

// Samples of one series being appended, in Gorilla form.
//
// Thread-safety: none; the head serializes access to each series. Copyable and movable.
class XorAppender {
 public:
  // `start_ms` is the chunk's start (its key time); every timestamp is >= it.
  explicit XorAppender(int64_t start_ms) : start_ms_(start_ms) {}

  // Appends one sample. Timestamps must be strictly ascending (callers drop the rest).
  void Append(int64_t t_ms, double v);

  int64_t start_ms() const { return start_ms_; }
  uint64_t count() const { return count_; }
  // Valid when count() > 0.
  int64_t first_timestamp_ms() const { return first_t_; }
  int64_t last_timestamp_ms() const { return prev_t_; }
  double last_value() const;
  // Heap and object bytes held, for the head's memory accounting.
  size_t memory_bytes() const { return sizeof(*this) + bits_.memory_bytes(); }

  // The samples so far as a chunk of format 2: byte 2, varint count, then the bit stream,
  // zero-padded to whole bytes. Decode with DecodeChunk(start_ms(), ...).
  std::string Finish() const;

  // Appends the samples so far to the vectors (the head's query path).
  void DecodeSamples(std::vector<int64_t>* timestamps_ms, std::vector<double>* values) const;

  // The appender's complete state, for head snapshots: Deserialize() restores it in O(1)
  // (no re-decoding), and appending to the restored appender produces exactly the bytes
  // the original would have. Layout: byte 1 (version), zigzag varints start_ms, first t,
  // previous t, previous delta, varint count, 8 bytes previous value bits (little-endian),
  // byte leading, byte trailing (0xff 0xff: no window yet), varint bit count, the bytes.
  std::string Serialize() const;
  static absl::StatusOr<XorAppender> Deserialize(absl::string_view data);

 private:
  int64_t start_ms_;
  int64_t first_t_ = 0;
  int64_t prev_t_ = start_ms_;
  int64_t prev_delta_ = 0;
  uint64_t count_ = 0;
  uint64_t prev_bits_ = 0;
  uint8_t leading_ = 0xff;  // the current XOR window; 0xff: none yet
  uint8_t trailing_ = 0xff;
  BitWriter bits_;
};

// Decodes `count` samples from a format-2 bit stream (the bytes after the header) and
// appends them to the vectors. kDataLoss, with nothing appended, if the stream is
// truncated or does not end within its last byte (trailing bytes are corruption).
absl::Status DecodeXorSamples(int64_t start_ms, absl::string_view stream, uint64_t count,
                              std::vector<int64_t>* timestamps_ms, std::vector<double>* values);

// The value half of the scheme on its own, for columnar formats (decimal_chunk.h):
// appends the bit stream of `values` (first raw, then XORs), padded to a byte.
void EncodeXorValues(std::span<const double> values, std::string* out);
// Consumes the stream of `count` values from the front of *in; appends to *values.
absl::Status DecodeXorValues(absl::string_view* in, size_t count, std::vector<double>* values);

}  // namespace vigil::storage
