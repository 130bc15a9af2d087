#include "collector/storage/head_series.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "collector/storage/double_bytes.h"
#include "collector/storage/sample_merge.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

constexpr uint8_t kSnapshotFormat = 1;

}  // namespace

int64_t HeadSeries::last_timestamp() const {
  return chunk_.has_value() && chunk_->count() > 0 ? chunk_->last_timestamp_ms() : window_start_;
}

size_t HeadSeries::sample_count() const {
  return (chunk_.has_value() ? chunk_->count() : 0) + late_.size();
}

size_t HeadSeries::memory_bytes() const {
  return sizeof(*this) + host_.capacity() + (chunk_.has_value() ? chunk_->memory_bytes() : 0) +
         late_.capacity() * sizeof(late_[0]);
}

void HeadSeries::Samples(std::vector<int64_t>* timestamps_ms, std::vector<double>* values) const {
  if (!chunk_.has_value()) return;
  if (late_.empty()) {
    chunk_->DecodeSamples(timestamps_ms, values);
    return;
  }
  std::vector<int64_t> ts, late_ts, merged_ts;
  std::vector<double> vs, late_vs, merged_vs;
  chunk_->DecodeSamples(&ts, &vs);
  for (const auto& [t, v] : late_) {
    late_ts.push_back(t);
    late_vs.push_back(v);
  }
  MergeSamples(ts, vs, late_ts, late_vs, &merged_ts, &merged_vs);
  timestamps_ms->insert(timestamps_ms->end(), merged_ts.begin(), merged_ts.end());
  values->insert(values->end(), merged_vs.begin(), merged_vs.end());
}

bool HeadSeries::Contains(int64_t t) const {
  auto late =
      std::lower_bound(late_.begin(), late_.end(), t,
                       [](const std::pair<int64_t, double>& s, int64_t x) { return s.first < x; });
  if (late != late_.end() && late->first == t) return true;
  if (!chunk_.has_value() || chunk_->count() == 0 || t < chunk_->first_timestamp_ms() ||
      t > chunk_->last_timestamp_ms()) {
    return false;
  }
  std::vector<int64_t> ts;
  std::vector<double> vs;
  chunk_->DecodeSamples(&ts, &vs);
  return std::binary_search(ts.begin(), ts.end(), t);
}

void HeadSeries::Open(int64_t window_start) {
  window_start_ = window_start;
  chunk_.emplace(window_start);
  late_.clear();
}

void HeadSeries::Append(int64_t t, double v) { chunk_->Append(t, v); }

void HeadSeries::AddLate(int64_t t, double v) {
  auto pos =
      std::lower_bound(late_.begin(), late_.end(), t,
                       [](const std::pair<int64_t, double>& s, int64_t x) { return s.first < x; });
  late_.insert(pos, {t, v});
}

void HeadSeries::Close() {
  chunk_.reset();
  late_.clear();
  late_.shrink_to_fit();
}

std::string HeadSeries::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kSnapshotFormat));
  PutVarint(&out, host_.size());
  out.append(host_);
  PutVarint(&out, last_wal_seq);
  PutVarint(&out, ZigZag(window_start_));
  const std::string chunk = chunk_.has_value() ? chunk_->Serialize() : std::string();
  PutVarint(&out, chunk.size());
  out.append(chunk);
  PutVarint(&out, late_.size());
  for (const auto& [t, v] : late_) {
    PutVarint(&out, ZigZag(t));
    PutVarint(&out, DoubleBits(v));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<HeadSeries>> HeadSeries::Deserialize(SeriesId id,
                                                                    absl::string_view in) {
  auto corrupt = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("corrupt head snapshot: ", what));
  };
  if (in.empty() || static_cast<uint8_t>(in.front()) != kSnapshotFormat) {
    return corrupt("unknown format");
  }
  in.remove_prefix(1);
  uint64_t host_size = 0, wal_seq = 0, window = 0, chunk_size = 0, late = 0;
  if (!GetVarint(&in, &host_size) || host_size > in.size()) return corrupt("host");
  auto series = std::make_unique<HeadSeries>(id, std::string(in.substr(0, host_size)));
  in.remove_prefix(host_size);
  if (!GetVarint(&in, &wal_seq) || !GetVarint(&in, &window) || !GetVarint(&in, &chunk_size) ||
      chunk_size > in.size()) {
    return corrupt("header");
  }
  absl::MutexLock lock(&series->mu);
  series->last_wal_seq = wal_seq;
  series->window_start_ = UnZigZag(window);
  if (chunk_size > 0) {
    absl::StatusOr<XorAppender> chunk = XorAppender::Deserialize(in.substr(0, chunk_size));
    if (!chunk.ok()) return corrupt(chunk.status().message());
    series->chunk_.emplace(std::move(*chunk));
  }
  in.remove_prefix(chunk_size);
  if (!GetVarint(&in, &late) || late > in.size() / 2) return corrupt("late samples");
  for (uint64_t i = 0; i < late; ++i) {
    uint64_t t = 0, bits = 0;
    if (!GetVarint(&in, &t) || !GetVarint(&in, &bits)) return corrupt("late sample");
    series->late_.emplace_back(UnZigZag(t), DoubleFromBits(bits));
  }
  if (!in.empty()) return corrupt("trailing bytes");
  return series;
}

}  // namespace vigil::storage
