// Tsdb reads: raw samples and rollup points, head and RocksDB merged.
#include <rocksdb/snapshot.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "collector/storage/chunk_codec.h"
#include "collector/storage/rocksdb_status.h"
#include "collector/storage/sample_merge.h"
#include "collector/storage/series_record.h"
#include "collector/storage/tsdb.h"
#include "collector/storage/window.h"

namespace vigil::storage {
namespace {

absl::Status TooManySamples(size_t max_samples) {
  return absl::ResourceExhaustedError(
      absl::StrCat("the query decodes more than ", max_samples,
                   " samples (the query.max_samples limit); narrow the time range"));
}

}  // namespace

int64_t Tsdb::RetentionMs(Resolution resolution) const {
  const RetentionOptions& r = options_.retention;
  return resolution == Resolution::kRaw      ? r.raw_ms
         : resolution == Resolution::kMinute ? r.minute_ms
                                             : r.hour_ms;
}

int64_t Tsdb::RetentionCutoff(Resolution resolution) const {
  return options_.clock->NowMs() - RetentionMs(resolution);
}

absl::Status Tsdb::ReadRange(SeriesId id, int64_t start_ms, int64_t end_ms, size_t max_samples,
                             std::vector<int64_t>* timestamps_ms, std::vector<double>* values,
                             ReadCost* cost) const {
  ReadCost ignored;
  if (cost == nullptr) cost = &ignored;
  start_ms = std::max(start_ms, RetentionCutoff(Resolution::kRaw));
  if (start_ms > end_ms) return absl::OkStatus();

  // The head first: a window that closes meanwhile is then read again from RocksDB
  // (and merged away), never missed.
  std::vector<int64_t> head_ts;
  std::vector<double> head_vs;
  if (std::shared_ptr<HeadSeries> series = head_.Find(id)) {
    absl::MutexLock lock(&series->mu);
    if (series->open() && series->window_start() <= end_ms) series->Samples(&head_ts, &head_vs);
  }
  size_t decoded = head_ts.size();
  cost->samples_decoded += head_ts.size();
  if (decoded > max_samples) return TooManySamples(max_samples);

  std::vector<int64_t> disk_ts, chunk_ts;
  std::vector<double> disk_vs, chunk_vs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), columns_.chunks));
  // The chunk that starts at or before start_ms may hold samples inside the range.
  it->SeekForPrev(ChunkKey(id, start_ms));
  int64_t chunk_start = 0;
  if (!AtSeriesRecord(*it, id, &chunk_start)) it->Seek(ChunkKey(id, start_ms));
  bool ordered = true;
  for (; AtSeriesRecord(*it, id, &chunk_start) && chunk_start <= end_ms; it->Next()) {
    chunk_ts.clear();
    chunk_vs.clear();
    absl::Status chunk = DecodeChunk(chunk_start, RecordValue(*it), &chunk_ts, &chunk_vs);
    if (!chunk.ok()) {
      return absl::DataLossError(
          absl::StrCat("series ", id, " chunk at ", chunk_start, ": ", chunk.message()));
    }
    decoded += chunk_ts.size();
    cost->samples_decoded += chunk_ts.size();
    ++cost->chunks_decoded;
    if (decoded > max_samples) return TooManySamples(max_samples);
    for (size_t i = 0; i < chunk_ts.size(); ++i) {
      if (chunk_ts[i] < start_ms || chunk_ts[i] > end_ms) continue;
      if (!disk_ts.empty() && chunk_ts[i] <= disk_ts.back()) ordered = false;
      disk_ts.push_back(chunk_ts[i]);
      disk_vs.push_back(chunk_vs[i]);
    }
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "storage: read chunks");
  // Chunks of the first release may overlap in time (an agent whose clock stepped back).
  if (!ordered) SortUnique(&disk_ts, &disk_vs);

  size_t keep_begin = 0, keep_end = head_ts.size();
  while (keep_begin < keep_end && head_ts[keep_begin] < start_ms) ++keep_begin;
  while (keep_end > keep_begin && head_ts[keep_end - 1] > end_ms) --keep_end;
  std::vector<int64_t> merged_ts;
  std::vector<double> merged_vs;
  MergeSamples(disk_ts, disk_vs, std::span(head_ts).subspan(keep_begin, keep_end - keep_begin),
               std::span(head_vs).subspan(keep_begin, keep_end - keep_begin), &merged_ts,
               &merged_vs);
  timestamps_ms->insert(timestamps_ms->end(), merged_ts.begin(), merged_ts.end());
  values->insert(values->end(), merged_vs.begin(), merged_vs.end());
  return absl::OkStatus();
}

absl::Status Tsdb::ReadRollups(SeriesId id, Resolution resolution, int64_t start_ms, int64_t end_ms,
                               size_t max_points, std::vector<RollupPoint>* points) const {
  if (resolution == Resolution::kRaw) {
    return absl::InvalidArgumentError("ReadRollups needs the 1m or 1h resolution");
  }
  const int64_t bucket = ResolutionMs(resolution);
  // (The clamp first: AlignDown of a start near INT64_MIN would overflow.)
  start_ms = AlignDown(std::max(start_ms, RetentionCutoff(resolution)), bucket);
  if (start_ms > end_ms) return absl::OkStatus();
  // Records cover at most an hour (1m: one chunk window) or a day (1h).
  const int64_t record_span = resolution == Resolution::kMinute ? kHourMs : kDayMs;
  rocksdb::ColumnFamilyHandle* cf =
      resolution == Resolution::kMinute ? columns_.rollup_1m : columns_.rollup_1h;

  // The head's open window, aggregated on the fly (it has no rollup record yet).
  std::vector<int64_t> head_ts;
  std::vector<double> head_vs;
  int64_t head_window = 0;
  if (std::shared_ptr<HeadSeries> series = head_.Find(id)) {
    absl::MutexLock lock(&series->mu);
    if (series->open() && series->window_start() <= end_ms) {
      series->Samples(&head_ts, &head_vs);
      head_window = series->window_start();
    }
  }
  // RocksDB is read at one instant after the head. If the head's window is on disk by
  // then (it closed meanwhile: the chunk, its 1-minute record and its hour's point are
  // written in one batch before the head forgets it), the disk already counts the head's
  // samples, and unlike raw samples rollup points cannot be merged away by timestamp.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::vector<RollupPoint> head_points;
  if (!head_ts.empty()) {
    rocksdb::PinnableSlice closed;
    const rocksdb::Status s =
        db_->Get(read_options, columns_.rollup_1m, ChunkKey(id, head_window), &closed);
    if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "storage: read rollups");
    if (s.IsNotFound()) Aggregate(head_ts, head_vs, bucket, &head_points);
  }

  std::vector<RollupPoint> stored, record;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf));
  int64_t record_start = 0;
  for (it->Seek(ChunkKey(id, AlignDown(start_ms, record_span) - record_span));
       AtSeriesRecord(*it, id, &record_start) && record_start <= end_ms; it->Next()) {
    record.clear();
    absl::Status decoded = DecodeRollupChunk(record_start, RecordValue(*it), &record);
    if (!decoded.ok()) {
      return absl::DataLossError(absl::StrCat("series ", id, " ", ResolutionName(resolution),
                                              " rollup at ", record_start, ": ",
                                              decoded.message()));
    }
    for (const RollupPoint& p : record) {
      if (p.start_ms < start_ms || p.start_ms > end_ms) continue;
      if (stored.size() >= max_points) {
        return absl::ResourceExhaustedError(absl::StrCat("the query reads more than ", max_points,
                                                         " rollup points; narrow the time range"));
      }
      stored.push_back(p);
    }
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "storage: read rollups");

  // Stored points and the head's: a 1-hour bucket can have both (the hour's closed
  // windows and its open one), so points of one bucket merge.
  std::vector<RollupPoint> merged;
  merged.reserve(stored.size() + head_points.size());
  size_t a = 0, b = 0;
  while (a < stored.size() || b < head_points.size()) {
    const RollupPoint* next;
    if (b == head_points.size() ||
        (a < stored.size() && stored[a].start_ms <= head_points[b].start_ms)) {
      next = &stored[a++];
    } else {
      next = &head_points[b++];
    }
    if (next->start_ms < start_ms || next->start_ms > end_ms) continue;
    if (!merged.empty() && merged.back().start_ms == next->start_ms) {
      MergeRollup(&merged.back(), *next);
    } else {
      merged.push_back(*next);
    }
  }
  if (merged.size() > max_points) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the query reads more than ", max_points, " rollup points"));
  }
  points->insert(points->end(), merged.begin(), merged.end());
  return absl::OkStatus();
}

}  // namespace vigil::storage
