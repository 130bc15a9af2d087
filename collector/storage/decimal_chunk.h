// Columnar chunks (format 3) whose values are, where possible, exact decimals: after
// VictoriaMetrics' observation that most monitoring values are decimal numbers with few
// digits (2-decimal CPU seconds, integer byte counts), so a chunk's values become int64
// mantissas with one common decimal exponent, and then integer columns (int_column.h)
// whose deltas or delta-of-deltas pack into a few bits. Unlike VictoriaMetrics, nothing
// is rounded: a value that does not decode to the very same bits keeps the column in
// XOR form (xor_chunk.h).
//
// Decimal semantics: mantissa m and exponent e (-22 <= e <= 22) decode to
//   e >= 0:  double(m) * 10^e        e < 0:  double(m) / 10^e'  (e' = -e)
// with 10^|e| exact in a double, so one correctly rounded IEEE operation: the value is
// deterministic on every conforming platform. The encoder accepts a column only if every
// value decodes bit-exactly and |m| <= 2^53; so NaN, +-Inf, -0.0, values needing 16+
// significant digits (0.1 + 0.2) and values outside the exponent range make it decline.
//
// Layouts (count is stored by the enclosing chunk, not the column):
//   timestamp column: EncodeIntColumn of (t - start_ms), wrapping. Regular timestamps
//     (order 2, bitpack width 0) take 6 bytes whatever their count.
//   value column: one tag byte, then
//     0 (XOR):      EncodeXorValues' bit stream;
//     1 (decimal):  zigzag varint exponent, then EncodeIntColumn of the mantissas.
//   chunk format 3: byte 3, varint count (<= kMaxColumnLength), timestamp column, value
//     column, and nothing after.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collector/storage/int_column.h"

namespace vigil::storage {

inline constexpr uint8_t kChunkFormatColumnar = 3;
inline constexpr int kMaxDecimalExponent = 22;
inline constexpr int64_t kMaxDecimalMantissa = int64_t{1} << 53;

struct DecimalValues {
  int exponent = 0;
  std::vector<int64_t> mantissas;
};

// The values as mantissas with one common exponent (the largest that represents them
// all, so mantissas have no common trailing zeros); nullopt if any value is not exactly
// representable. Empty input gives exponent 0 and no mantissas.
std::optional<DecimalValues> ToDecimal(std::span<const double> values);

inline double FromDecimal(int64_t mantissa, int exponent) {
  static constexpr double kPow10[kMaxDecimalExponent + 1] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return exponent >= 0 ? static_cast<double>(mantissa) * kPow10[exponent]
                       : static_cast<double>(mantissa) / kPow10[-exponent];
}

// Encoder knobs, for the codec study; the store uses the defaults.
struct ColumnOptions {
  // Which integer-column methods the decimal mantissas may use (int_column.h).
  uint32_t mantissa_methods = kIntColumnAllMethods;
};

// Timestamps, any int64 sequence (ascending in practice), relative to start_ms.
void EncodeTimestampColumn(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                           std::string* out);
absl::Status DecodeTimestampColumn(int64_t start_ms, absl::string_view* in, size_t count,
                                   std::vector<int64_t>* timestamps_ms);

// Values in the smaller of decimal (when exact) and XOR form.
void EncodeValueColumn(std::span<const double> values, std::string* out,
                       const ColumnOptions& options = {});
// Decimal form only; false (nothing appended) if the values are not exactly decimal.
bool EncodeDecimalValueColumn(std::span<const double> values, std::string* out,
                              const ColumnOptions& options = {});
// Consumes one value column of `count` values; kDataLoss, nothing appended, if corrupt.
absl::Status DecodeValueColumn(absl::string_view* in, size_t count, std::vector<double>* values);

// A format-3 chunk with a decimal value column; nullopt if the values are not exactly
// decimal or there are more than kMaxColumnLength samples.
std::optional<std::string> EncodeDecimalChunk(int64_t start_ms,
                                              std::span<const int64_t> timestamps_ms,
                                              std::span<const double> values,
                                              const ColumnOptions& options = {});
// A format-3 chunk with the smaller value column. Requires at most kMaxColumnLength
// samples.
std::string EncodeColumnarChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                                std::span<const double> values, const ColumnOptions& options = {});

// Decodes the body of a format-3 chunk (after the format byte). All or nothing.
absl::Status DecodeColumnarChunk(int64_t start_ms, absl::string_view body,
                                 std::vector<int64_t>* timestamps_ms, std::vector<double>* values);

}  // namespace vigil::storage
