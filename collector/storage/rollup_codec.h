// Encoding of one rollup chunk: the downsampled points (one per 1-minute or 1-hour
// window, keys.h) of one series, stored column by column so that each statistic gets
// the integer or value encoding that suits it (decimal_chunk.h, int_column.h).
//
// Layout: byte 0x04 (distinct from the sample-chunk formats of chunk_codec.h, so a
// rollup fed to DecodeChunk is rejected), varint count (<= kMaxColumnLength), a timestamp
// column of the window starts relative to the chunk's start, the min, max, sum and last
// value columns, then an integer column of the counts, and nothing after.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::storage {

inline constexpr uint8_t kRollupChunkFormat = 4;

// The statistics of the samples of one window.
struct RollupPoint {
  int64_t start_ms = 0;  // the window's start
  double min = 0;
  double max = 0;
  double sum = 0;
  double last = 0;
  uint64_t count = 0;  // samples in the window

  bool operator==(const RollupPoint&) const = default;
};

// Requires points.size() <= kMaxColumnLength (int_column.h).
std::string EncodeRollupChunk(int64_t start_ms, std::span<const RollupPoint> points);

// Appends the points of `chunk` to *points; kDataLoss, nothing appended, if corrupt.
absl::Status DecodeRollupChunk(int64_t start_ms, absl::string_view chunk,
                               std::vector<RollupPoint>* points);

}  // namespace vigil::storage
