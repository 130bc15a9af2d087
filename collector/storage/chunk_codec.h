// Encoding of one chunk: the samples of one series from the chunk's start time on (the
// start is in the chunk's key, keys.h, and not repeated in the chunk).
//
// The first byte names the format, so formats can be added and old chunks stay readable
// without a migration. All multi-byte integers below are LEB128 varints (common/varint.h)
// unless stated; "zigzag" marks signed ones.
//
//   format 1 "plain" (the first release; still decoded, no longer written by EncodeChunk):
//     byte 0x01, varint count, count zigzag timestamp deltas (the first relative to the
//     chunk start), then count 8-byte little-endian IEEE doubles.
//
//   format 2 "XOR" (xor_chunk.h, the head's streaming form):
//     byte 0x02, varint count, then the Gorilla bit stream of the count samples
//     (delta-of-delta timestamps in prefix-coded buckets, XOR-ed values with
//     leading/trailing-zero windows), most significant bit first, zero-padded to a byte.
//
//   format 3 "columnar" (decimal_chunk.h):
//     byte 0x03, varint count (<= kMaxColumnLength), a timestamp column, a value column:
//     timestamp column = integer column (int_column.h) of t - start_ms: a tag byte
//       (order | packing << 2), min(order, count) zigzag head values, then the
//       residuals (values, deltas or delta-of-deltas) as zigzag varints, bit-packed with
//       a frame of reference (optionally divided by their common divisor), or zero runs;
//     value column = tag byte 0 and an XOR value bit stream, or tag byte 1, a zigzag
//       decimal exponent and an integer column of decimal mantissas (bit-exact only).
//
// Every format round trips any int64 timestamps and every double bit pattern (NaN
// payloads, -0.0). Decoders treat their input as untrusted: corrupt input of any kind
// is kDataLoss, never a crash or an out-of-bounds read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collector/storage/decimal_chunk.h"
#include "collector/storage/xor_chunk.h"

namespace vigil::storage {

inline constexpr uint8_t kChunkFormatPlain = 1;

// The smaller of the format-2 and format-3 encodings (format 2 when the sizes tie or the
// chunk has more than kMaxColumnLength samples). Timestamps should be ascending; the
// spans must have equal sizes.
std::string EncodeChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                        std::span<const double> values);

// Format 2 alone (what XorAppender::Finish returns for the same samples).
std::string EncodeXorChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                           std::span<const double> values);

// Format 1, kept for tests and for reading what the first release wrote.
std::string EncodePlainChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                             std::span<const double> values);

// Appends the samples of `chunk` (any format above) to the vectors. Fails with
// kDataLoss on a corrupt chunk or an unknown format, and then appends nothing.
absl::Status DecodeChunk(int64_t start_ms, absl::string_view chunk,
                         std::vector<int64_t>* timestamps_ms, std::vector<double>* values);

}  // namespace vigil::storage
