#include "collector/storage/wal_record.h"

#include "absl/strings/str_cat.h"
#include "collector/storage/double_bytes.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

constexpr uint8_t kWalFormat = 1;

}  // namespace

std::string EncodeWalRecord(absl::string_view host, std::span<const SeriesWrite> series) {
  size_t samples = 0;
  for (const SeriesWrite& w : series) samples += w.timestamps_ms.size();
  std::string out;
  out.reserve(16 + host.size() + series.size() * 6 + samples * 11);
  out.push_back(static_cast<char>(kWalFormat));
  PutVarint(&out, host.size());
  out.append(host.data(), host.size());
  size_t nonempty = 0;
  for (const SeriesWrite& w : series) nonempty += w.timestamps_ms.empty() ? 0 : 1;
  PutVarint(&out, nonempty);
  for (const SeriesWrite& w : series) {
    if (w.timestamps_ms.empty()) continue;
    PutVarint(&out, w.id);
    PutVarint(&out, w.timestamps_ms.size());
    uint64_t previous = 0;
    for (int64_t t : w.timestamps_ms) {
      PutVarint(&out, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(t) - previous)));
      previous = static_cast<uint64_t>(t);
    }
    for (double v : w.values) PutDoubleLE(&out, v);
  }
  return out;
}

absl::Status WalRecord::Decode(absl::string_view in) {
  host_.clear();
  timestamps_.clear();
  values_.clear();
  writes_.clear();
  auto fail = [this](absl::string_view what) {
    host_.clear();
    timestamps_.clear();
    values_.clear();
    writes_.clear();
    return absl::DataLossError(absl::StrCat("corrupt WAL record: ", what));
  };
  if (in.empty() || static_cast<uint8_t>(in.front()) != kWalFormat) return fail("unknown format");
  in.remove_prefix(1);
  uint64_t host_size = 0;
  if (!GetVarint(&in, &host_size) || host_size > in.size()) return fail("host");
  host_.assign(in.data(), host_size);
  in.remove_prefix(host_size);
  uint64_t series = 0;
  // Each series takes at least 11 bytes (id, count, one timestamp, one value).
  if (!GetVarint(&in, &series) || series > in.size() / 11) return fail("series count");
  struct Span {
    SeriesId id;
    size_t begin, size;
  };
  std::vector<Span> spans;
  spans.reserve(series);
  for (uint64_t s = 0; s < series; ++s) {
    uint64_t id = 0, count = 0;
    if (!GetVarint(&in, &id) || !GetVarint(&in, &count) || count == 0 || count > in.size() / 9) {
      return fail("series header");
    }
    const size_t begin = timestamps_.size();
    uint64_t t = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t delta = 0;
      if (!GetVarint(&in, &delta)) return fail("timestamps");
      t += static_cast<uint64_t>(UnZigZag(delta));
      if (i > 0 && static_cast<int64_t>(t) <= timestamps_.back()) return fail("timestamp order");
      timestamps_.push_back(static_cast<int64_t>(t));
    }
    if (in.size() < count * 8) return fail("values");
    for (uint64_t i = 0; i < count; ++i) values_.push_back(GetDoubleLE(in.data() + i * 8));
    in.remove_prefix(count * 8);
    spans.push_back(Span{id, begin, count});
  }
  if (!in.empty()) return fail("trailing bytes");
  writes_.reserve(spans.size());
  for (const Span& s : spans) {
    writes_.push_back(SeriesWrite{s.id,
                                  std::span<const int64_t>(timestamps_).subspan(s.begin, s.size),
                                  std::span<const double>(values_).subspan(s.begin, s.size)});
  }
  return absl::OkStatus();
}

}  // namespace vigil::storage
