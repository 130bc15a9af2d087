#include "collector/storage/rollup_codec.h"

#include "collector/storage/decimal_chunk.h"
#include "collector/storage/int_column.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

constexpr double RollupPoint::*kValueFields[] = {&RollupPoint::min, &RollupPoint::max,
                                                 &RollupPoint::sum, &RollupPoint::last};

}  // namespace

std::string EncodeRollupChunk(int64_t start_ms, std::span<const RollupPoint> points) {
  std::string out(1, static_cast<char>(kRollupChunkFormat));
  PutVarint(&out, points.size());
  std::vector<int64_t> integers(points.size());
  for (size_t i = 0; i < points.size(); ++i) integers[i] = points[i].start_ms;
  EncodeTimestampColumn(start_ms, integers, &out);
  std::vector<double> column(points.size());
  for (double RollupPoint::*field : kValueFields) {
    for (size_t i = 0; i < points.size(); ++i) column[i] = points[i].*field;
    EncodeValueColumn(column, &out);
  }
  for (size_t i = 0; i < points.size(); ++i) integers[i] = static_cast<int64_t>(points[i].count);
  EncodeIntColumn(integers, &out);
  return out;
}

absl::Status DecodeRollupChunk(int64_t start_ms, absl::string_view chunk,
                               std::vector<RollupPoint>* points) {
  if (chunk.empty() || static_cast<uint8_t>(chunk.front()) != kRollupChunkFormat) {
    return absl::DataLossError("not a rollup chunk");
  }
  chunk.remove_prefix(1);
  uint64_t count;
  if (!GetVarint(&chunk, &count) || count > kMaxColumnLength) {
    return absl::DataLossError("corrupt rollup chunk header");
  }
  std::vector<int64_t> integers;
  absl::Status s = DecodeTimestampColumn(start_ms, &chunk, count, &integers);
  if (!s.ok()) return s;
  std::vector<RollupPoint> decoded(count);
  for (size_t i = 0; i < count; ++i) decoded[i].start_ms = integers[i];
  std::vector<double> column;
  for (double RollupPoint::*field : kValueFields) {
    column.clear();
    s = DecodeValueColumn(&chunk, count, &column);
    if (!s.ok()) return s;
    for (size_t i = 0; i < count; ++i) decoded[i].*field = column[i];
  }
  integers.clear();
  s = DecodeIntColumn(&chunk, count, &integers);
  if (!s.ok()) return s;
  if (!chunk.empty()) return absl::DataLossError("bytes after the last rollup column");
  for (size_t i = 0; i < count; ++i) decoded[i].count = static_cast<uint64_t>(integers[i]);
  points->insert(points->end(), decoded.begin(), decoded.end());
  return absl::OkStatus();
}

}  // namespace vigil::storage
