#include "collector/storage/window_writer.h"

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "collector/storage/chunk_codec.h"
#include "collector/storage/rocksdb_status.h"
#include "collector/storage/sample_merge.h"
#include "collector/storage/series_record.h"
#include "collector/storage/window.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::storage {
namespace {

absl::Status Corrupt(absl::string_view what, SeriesId id, int64_t t, const absl::Status& s) {
  return absl::DataLossError(absl::StrCat(what, " of series ", id, " at ", t, ": ", s.message()));
}

}  // namespace

absl::Status WindowWriter::StoredChunk(SeriesId id, int64_t window_start, std::vector<int64_t>* ts,
                                       std::vector<double>* vs) {
  ts->clear();
  vs->clear();
  const std::string key = ChunkKey(id, window_start);
  if (auto it = pending_chunks_.find(key); it != pending_chunks_.end()) {
    *ts = it->second.ts;
    *vs = it->second.vs;
    return absl::OkStatus();
  }
  rocksdb::PinnableSlice value;
  rocksdb::Status s = columns_.db->Get(rocksdb::ReadOptions(), columns_.chunks, key, &value);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return FromRocksDb(s, "storage: read chunk");
  absl::Status decoded =
      DecodeChunk(window_start, absl::string_view(value.data(), value.size()), ts, vs);
  if (!decoded.ok()) {
    // The window is about to be rewritten: keep the undecodable bytes for a human and go
    // on as if nothing were stored, rather than refuse this host's data for good.
    Quarantine("chunks", key, absl::string_view(value.data(), value.size()),
               Corrupt("chunk", id, window_start, decoded));
    ts->clear();
    vs->clear();
  }
  return absl::OkStatus();
}

void WindowWriter::Quarantine(absl::string_view cf, absl::string_view key, absl::string_view value,
                              const absl::Status& why) {
  std::string quarantine_key = absl::StrCat(kQuarantinePrefix, cf, "/");
  quarantine_key.append(key.data(), key.size());
  batch_->Put(columns_.quarantine, quarantine_key, rocksdb::Slice(value.data(), value.size()));
  ++quarantined_;
  LogError("storage: ", why.message(), "; the stored record is kept under the quarantine key \"",
           absl::CHexEscape(quarantine_key),
           "\" of the default column family and the window is "
           "rewritten from the samples at hand");
}

absl::Status WindowWriter::MinutePointsOfHour(SeriesId id, int64_t hour,
                                              std::vector<RollupPoint>* out) {
  // Stored windows of the hour, overlaid with this batch's pending ones, in time order.
  std::map<int64_t, std::vector<RollupPoint>> windows;
  std::unique_ptr<rocksdb::Iterator> it(
      columns_.db->NewIterator(rocksdb::ReadOptions(), columns_.rollup_1m));
  int64_t start = 0;
  for (it->Seek(ChunkKey(id, hour)); AtSeriesRecord(*it, id, &start) && start < hour + kHourMs;
       it->Next()) {
    std::vector<RollupPoint> points;
    absl::Status decoded = DecodeRollupChunk(start, RecordValue(*it), &points);
    if (!decoded.ok()) {
      // Left in place (it is not rewritten here); the hour's point leaves it out.
      LogError("storage: ", Corrupt("1-minute rollup", id, start, decoded).message(),
               "; the hour's point is computed without it");
      continue;
    }
    windows[start] = std::move(points);
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "storage: read rollups");
  // Keys sort as (series, time): only this hour's pending windows are visited.
  for (auto p = pending_minutes_.lower_bound(ChunkKey(id, hour));
       p != pending_minutes_.end() && p->first < ChunkKey(id, hour + kHourMs); ++p) {
    SeriesId key_id = 0;
    int64_t window = 0;
    ParseChunkKey(p->first, &key_id, &window);
    windows[window] = p->second;
  }
  out->clear();
  for (const auto& [window, points] : windows)
    out->insert(out->end(), points.begin(), points.end());
  return absl::OkStatus();
}

absl::Status WindowWriter::HourPointsOfDay(SeriesId id, int64_t day,
                                           std::vector<RollupPoint>* out) {
  out->clear();
  const std::string key = ChunkKey(id, day);
  if (auto it = pending_hours_.find(key); it != pending_hours_.end()) {
    *out = it->second;
    return absl::OkStatus();
  }
  rocksdb::PinnableSlice value;
  rocksdb::Status s = columns_.db->Get(rocksdb::ReadOptions(), columns_.rollup_1h, key, &value);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return FromRocksDb(s, "storage: read rollup");
  absl::Status decoded = DecodeRollupChunk(day, absl::string_view(value.data(), value.size()), out);
  if (!decoded.ok()) {
    Quarantine("rollup_1h", key, absl::string_view(value.data(), value.size()),
               Corrupt("1-hour rollup", id, day, decoded));
    out->clear();
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> WindowWriter::Write(SeriesId id, int64_t window_start,
                                           std::span<const int64_t> ts,
                                           std::span<const double> vs) {
  if (ts.empty()) return 0;
  VIGIL_RETURN_IF_ERROR(StoredChunk(id, window_start, &stored_ts_, &stored_vs_));
  const size_t duplicates = MergeSamples(stored_ts_, stored_vs_, ts, vs, &merged_ts_, &merged_vs_);
  if (duplicates == ts.size()) return duplicates;  // nothing new: the stored chunk stands

  const std::string chunk_key = ChunkKey(id, window_start);
  batch_->Put(columns_.chunks, chunk_key, EncodeChunk(window_start, merged_ts_, merged_vs_));
  pending_chunks_[chunk_key] = Samples{merged_ts_, merged_vs_};
  ++chunks_written_;
  samples_written_ += ts.size() - duplicates;

  // 1-minute points of the window.
  std::vector<RollupPoint> minutes;
  Aggregate(merged_ts_, merged_vs_, kMinuteMs, &minutes);
  batch_->Put(columns_.rollup_1m, chunk_key, EncodeRollupChunk(window_start, minutes));
  minute_points_written_ += minutes.size();
  pending_minutes_[chunk_key] = minutes;

  // The hour's point, from every window of the hour, in its day's record.
  const int64_t hour = AlignDown(window_start, kHourMs);
  const int64_t day = AlignDown(window_start, kDayMs);
  std::vector<RollupPoint> hour_minutes;
  VIGIL_RETURN_IF_ERROR(MinutePointsOfHour(id, hour, &hour_minutes));
  std::vector<RollupPoint> hour_point;
  Coarsen(hour_minutes, kHourMs, &hour_point);
  std::vector<RollupPoint> day_points;
  VIGIL_RETURN_IF_ERROR(HourPointsOfDay(id, day, &day_points));
  auto pos = std::lower_bound(day_points.begin(), day_points.end(), hour,
                              [](const RollupPoint& p, int64_t t) { return p.start_ms < t; });
  if (pos != day_points.end() && pos->start_ms == hour) pos = day_points.erase(pos);
  if (!hour_point.empty()) day_points.insert(pos, hour_point.front());
  const std::string day_key = ChunkKey(id, day);
  batch_->Put(columns_.rollup_1h, day_key, EncodeRollupChunk(day, day_points));
  pending_hours_[day_key] = std::move(day_points);
  ++hour_points_written_;
  return duplicates;
}

}  // namespace vigil::storage
