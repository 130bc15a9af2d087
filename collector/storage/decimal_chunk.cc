#include "collector/storage/decimal_chunk.h"

#include <bit>
#include <cmath>

#include "collector/storage/xor_chunk.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

enum ValueColumnKind : uint8_t { kXorValues = 0, kDecimalValues = 1 };

// The mantissa of `v` at exponent `e` if v is exactly that decimal.
bool MantissaAt(double v, int e, int64_t* mantissa) {
  static constexpr double kPow10[kMaxDecimalExponent + 1] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const double x = e >= 0 ? v / kPow10[e] : v * kPow10[-e];
  // Also rejects NaN and the infinities.
  if (!(std::fabs(x) <= static_cast<double>(kMaxDecimalMantissa))) return false;
  const int64_t m = std::llrint(x);
  // Bit equality: -0.0 (which would decode as +0.0) is not exact.
  if (std::bit_cast<uint64_t>(FromDecimal(m, e)) != std::bit_cast<uint64_t>(v)) return false;
  *mantissa = m;
  return true;
}

}  // namespace

std::optional<DecimalValues> ToDecimal(std::span<const double> values) {
  DecimalValues out;
  if (values.empty()) return out;
  // The common exponent only goes down: a value that fits at e also fits at every
  // smaller e until its mantissa outgrows 2^53 (checked again in the second pass).
  int e = kMaxDecimalExponent;
  int64_t m;
  for (double v : values) {
    while (!MantissaAt(v, e, &m)) {
      if (--e < -kMaxDecimalExponent) return std::nullopt;
    }
  }
  out.exponent = e;
  out.mantissas.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!MantissaAt(values[i], e, &out.mantissas[i])) return std::nullopt;
  }
  return out;
}

void EncodeTimestampColumn(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                           std::string* out) {
  std::vector<int64_t> relative(timestamps_ms.size());
  for (size_t i = 0; i < timestamps_ms.size(); ++i) {
    relative[i] = static_cast<int64_t>(static_cast<uint64_t>(timestamps_ms[i]) -
                                       static_cast<uint64_t>(start_ms));
  }
  EncodeIntColumn(relative, out);
}

absl::Status DecodeTimestampColumn(int64_t start_ms, absl::string_view* in, size_t count,
                                   std::vector<int64_t>* timestamps_ms) {
  const size_t base = timestamps_ms->size();
  absl::Status s = DecodeIntColumn(in, count, timestamps_ms);
  if (!s.ok()) return s;
  for (size_t i = base; i < timestamps_ms->size(); ++i) {
    (*timestamps_ms)[i] = static_cast<int64_t>(static_cast<uint64_t>((*timestamps_ms)[i]) +
                                               static_cast<uint64_t>(start_ms));
  }
  return absl::OkStatus();
}

bool EncodeDecimalValueColumn(std::span<const double> values, std::string* out,
                              const ColumnOptions& options) {
  std::optional<DecimalValues> decimal = ToDecimal(values);
  if (!decimal.has_value()) return false;
  out->push_back(static_cast<char>(kDecimalValues));
  PutVarint(out, ZigZag(decimal->exponent));
  EncodeIntColumn(decimal->mantissas, out, options.mantissa_methods);
  return true;
}

void EncodeValueColumn(std::span<const double> values, std::string* out,
                       const ColumnOptions& options) {
  std::string xor_column(1, static_cast<char>(kXorValues));
  EncodeXorValues(values, &xor_column);
  const size_t base = out->size();
  if (EncodeDecimalValueColumn(values, out, options) && out->size() - base <= xor_column.size()) {
    return;
  }
  out->resize(base);
  out->append(xor_column);
}

absl::Status DecodeValueColumn(absl::string_view* in, size_t count, std::vector<double>* values) {
  if (in->empty()) return absl::DataLossError("value column missing");
  const uint8_t kind = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  if (kind == kXorValues) return DecodeXorValues(in, count, values);
  if (kind != kDecimalValues) return absl::DataLossError("unknown value column encoding");
  uint64_t zigzag_exponent;
  if (!GetVarint(in, &zigzag_exponent)) return absl::DataLossError("value column truncated");
  const int64_t exponent = UnZigZag(zigzag_exponent);
  if (exponent < -kMaxDecimalExponent || exponent > kMaxDecimalExponent) {
    return absl::DataLossError("decimal exponent out of range");
  }
  std::vector<int64_t> mantissas;
  absl::Status s = DecodeIntColumn(in, count, &mantissas);
  if (!s.ok()) return s;
  const size_t base = values->size();
  values->resize(base + count);
  double* out = values->data() + base;
  const int e = static_cast<int>(exponent);
  for (size_t i = 0; i < count; ++i) out[i] = FromDecimal(mantissas[i], e);
  return absl::OkStatus();
}

std::optional<std::string> EncodeDecimalChunk(int64_t start_ms,
                                              std::span<const int64_t> timestamps_ms,
                                              std::span<const double> values,
                                              const ColumnOptions& options) {
  if (timestamps_ms.size() > kMaxColumnLength) return std::nullopt;
  std::string out(1, static_cast<char>(kChunkFormatColumnar));
  PutVarint(&out, timestamps_ms.size());
  EncodeTimestampColumn(start_ms, timestamps_ms, &out);
  if (!EncodeDecimalValueColumn(values, &out, options)) return std::nullopt;
  return out;
}

std::string EncodeColumnarChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                                std::span<const double> values, const ColumnOptions& options) {
  std::string out(1, static_cast<char>(kChunkFormatColumnar));
  PutVarint(&out, timestamps_ms.size());
  EncodeTimestampColumn(start_ms, timestamps_ms, &out);
  EncodeValueColumn(values, &out, options);
  return out;
}

absl::Status DecodeColumnarChunk(int64_t start_ms, absl::string_view body,
                                 std::vector<int64_t>* timestamps_ms, std::vector<double>* values) {
  uint64_t count;
  if (!GetVarint(&body, &count) || count > kMaxColumnLength) {
    return absl::DataLossError("corrupt chunk header");
  }
  const size_t ts_base = timestamps_ms->size();
  const size_t vs_base = values->size();
  absl::Status s = DecodeTimestampColumn(start_ms, &body, count, timestamps_ms);
  if (s.ok()) s = DecodeValueColumn(&body, count, values);
  if (s.ok() && !body.empty()) s = absl::DataLossError("bytes after the last column");
  if (!s.ok()) {
    timestamps_ms->resize(ts_base);
    values->resize(vs_base);
    return s;
  }
  return absl::OkStatus();
}

}  // namespace vigil::storage
