// Encoding of one chunk: the samples of one series from the chunk's start time on.
//
// The first byte names the format, so formats can be added (the compressed chunks
// of the storage issue) and old chunks stay readable without a migration.
//   format 1 "plain": varint count, then count zigzag-varint timestamp deltas (the
//   first relative to the chunk start in the key), then count 8-byte little-endian
//   IEEE doubles.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::storage {

inline constexpr uint8_t kChunkFormatPlain = 1;

// Timestamps must be ascending (equal allowed); `start_ms` must be <= the first.
std::string EncodePlainChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                             std::span<const double> values);

// Appends the samples of `chunk` to the vectors. Fails with kDataLoss on a corrupt chunk
// or an unknown format.
absl::Status DecodeChunk(int64_t start_ms, absl::string_view chunk,
                         std::vector<int64_t>* timestamps_ms, std::vector<double>* values);

}  // namespace vigil::storage
