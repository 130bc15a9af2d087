// A column of 64-bit integers in the cheapest of a few encodings: the building block of
// the columnar chunk formats (decimal_chunk.h: timestamps and decimal mantissas;
// rollup_codec.h: counts).
//
// Arithmetic wraps (two's complement), so any int64 sequence round trips, including
// jumps across the whole 64-bit range.
//
// The encoder first takes differences of `order` 0 (the values), 1 (deltas) or 2
// (delta-of-deltas), then packs the residuals one of four ways, and keeps the smallest
// of the twelve (ties go to the lower order, then the lower packing):
//   0 varint           zigzag varints, one per residual;
//   1 bitpack          frame of reference: the minimum residual as a zigzag varint, a
//                      width byte w (0..64), then every (residual - minimum) in w bits,
//                      most significant bit first, zero-padded to a byte. w == 0 stores
//                      a constant in O(1) bytes, e.g. regular timestamps (order 2: every
//                      delta-of-delta is 0);
//   2 zero-run         for residuals that are mostly zero (flat gauges at order 1, steady
//                      counters at order 2): pairs of (varint count of zeros, zigzag
//                      varint of the non-zero residual that follows), then, if the column
//                      ends in zeros, one last varint count of them;
//   3 scaled bitpack   bitpack, with a varint divisor d (the greatest common divisor of
//                      the offsets from the minimum) after the minimum, packing
//                      offset / d: page-granular memory gauges move in multiples of 4096.
// What each contributes on realistic host data is measured by bench/codec_study.h.
//
// Layout: one tag byte = order | packing << 2, then min(order, count) head values as
// zigzag varints (order 1: the first value; order 2: the first value and the first
// delta), then the count - heads packed residuals. The count is not stored: the
// enclosing chunk knows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::storage {

// Columns hold at most this many values. Constant columns take O(1) bytes whatever their
// length, so decoders cannot bound a count by the input's size: they reject counts above
// this before allocating (16 MiB of int64s at most). Encoders must not exceed it.
inline constexpr size_t kMaxColumnLength = size_t{1} << 20;

// One bit per (order, packing) candidate, bit index order * 4 + packing. The codec study
// restricts them to measure what each contributes; the store uses all.
inline constexpr uint32_t kIntColumnAllMethods = (1u << 12) - 1;
inline constexpr uint32_t IntColumnMethodBit(int order, int packing) {
  return 1u << (order * 4 + packing);
}

// Appends the encoding of `values` to *out, using the smallest method in `methods`
// (which must allow at least one).
void EncodeIntColumn(std::span<const int64_t> values, std::string* out,
                     uint32_t methods = kIntColumnAllMethods);

// Consumes one column of `count` values from the front of *in and appends them to *out.
// kDataLoss if the column is corrupt or truncated or count > kMaxColumnLength; *out then
// keeps its original size.
absl::Status DecodeIntColumn(absl::string_view* in, size_t count, std::vector<int64_t>* out);

}  // namespace vigil::storage
