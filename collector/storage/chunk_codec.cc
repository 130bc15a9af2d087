#include "collector/storage/chunk_codec.h"

#include "absl/strings/str_cat.h"
#include "collector/storage/double_bytes.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

absl::Status DecodePlainChunk(int64_t start_ms, absl::string_view chunk,
                              std::vector<int64_t>* timestamps_ms, std::vector<double>* values) {
  uint64_t count = 0;
  if (!GetVarint(&chunk, &count) || count > chunk.size()) {
    return absl::DataLossError("corrupt chunk header");
  }
  const size_t base = timestamps_ms->size();
  int64_t t = start_ms;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    if (!GetVarint(&chunk, &delta)) {
      timestamps_ms->resize(base);
      return absl::DataLossError("corrupt chunk timestamps");
    }
    // Unsigned arithmetic: wraps instead of overflowing on absurd deltas.
    t = static_cast<int64_t>(static_cast<uint64_t>(t) + static_cast<uint64_t>(UnZigZag(delta)));
    timestamps_ms->push_back(t);
  }
  if (chunk.size() != count * 8) {
    timestamps_ms->resize(base);
    return absl::DataLossError("corrupt chunk values");
  }
  for (uint64_t i = 0; i < count; ++i) values->push_back(GetDoubleLE(chunk.data() + i * 8));
  return absl::OkStatus();
}

absl::Status DecodeXorChunk(int64_t start_ms, absl::string_view chunk,
                            std::vector<int64_t>* timestamps_ms, std::vector<double>* values) {
  uint64_t count = 0;
  if (!GetVarint(&chunk, &count)) return absl::DataLossError("corrupt chunk header");
  return DecodeXorSamples(start_ms, chunk, count, timestamps_ms, values);
}

}  // namespace

std::string EncodeChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                        std::span<const double> values) {
  std::string xor_chunk = EncodeXorChunk(start_ms, timestamps_ms, values);
  if (timestamps_ms.size() > kMaxColumnLength) return xor_chunk;
  std::string columnar = EncodeColumnarChunk(start_ms, timestamps_ms, values);
  return columnar.size() < xor_chunk.size() ? columnar : xor_chunk;
}

std::string EncodeXorChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                           std::span<const double> values) {
  XorAppender appender(start_ms);
  for (size_t i = 0; i < timestamps_ms.size(); ++i) appender.Append(timestamps_ms[i], values[i]);
  return appender.Finish();
}

std::string EncodePlainChunk(int64_t start_ms, std::span<const int64_t> timestamps_ms,
                             std::span<const double> values) {
  std::string out;
  out.reserve(2 + timestamps_ms.size() * 10);
  out.push_back(static_cast<char>(kChunkFormatPlain));
  PutVarint(&out, timestamps_ms.size());
  int64_t previous = start_ms;
  for (int64_t t : timestamps_ms) {
    PutVarint(&out, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(t) -
                                                static_cast<uint64_t>(previous))));
    previous = t;
  }
  for (double v : values) PutDoubleLE(&out, v);
  return out;
}

absl::Status DecodeChunk(int64_t start_ms, absl::string_view chunk,
                         std::vector<int64_t>* timestamps_ms, std::vector<double>* values) {
  if (chunk.empty()) return absl::DataLossError("empty chunk");
  const uint8_t format = static_cast<uint8_t>(chunk.front());
  chunk.remove_prefix(1);
  switch (format) {
    case kChunkFormatPlain:
      return DecodePlainChunk(start_ms, chunk, timestamps_ms, values);
    case kChunkFormatXor:
      return DecodeXorChunk(start_ms, chunk, timestamps_ms, values);
    case kChunkFormatColumnar:
      return DecodeColumnarChunk(start_ms, chunk, timestamps_ms, values);
    default:
      return absl::DataLossError(absl::StrCat("unknown chunk format ", format));
  }
}

}  // namespace vigil::storage
