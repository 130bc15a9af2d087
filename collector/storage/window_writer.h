// Writes closed chunk windows into a RocksDB WriteBatch: the window's chunk, merged
// with whatever is already stored for it (a window can close twice: a late sample, a
// replay after a crash), its 1-minute rollup points, and its hour's 1-hour point in
// that UTC day's record. Idempotent: writing the same samples twice stores the same
// bytes. Reads its own pending writes, so one batch may close several windows of a
// series (an agent's backlog).
//
// Not thread-safe; one per WriteBatch. The caller serializes writers of one series
// (the host commit lock). A stored record that cannot be decoded does not stop the
// write: it is kept under kQuarantinePrefix, logged and counted, and the window is
// written from the samples at hand. Does not own the DB, the column families or the batch.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "collector/storage/keys.h"
#include "collector/storage/rollup.h"

namespace vigil::storage {

// Records that could not be decoded when a window had to be rewritten are kept under
// this prefix in the default column family: "quarantine/<column family>/<key>".
inline constexpr char kQuarantinePrefix[] = "quarantine/";

struct ChunkColumns {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* chunks = nullptr;
  rocksdb::ColumnFamilyHandle* rollup_1m = nullptr;
  rocksdb::ColumnFamilyHandle* rollup_1h = nullptr;
  rocksdb::ColumnFamilyHandle* quarantine = nullptr;  // the default column family
};

class WindowWriter {
 public:
  WindowWriter(const ChunkColumns& columns, rocksdb::WriteBatch* batch)
      : columns_(columns), batch_(batch) {}

  // Samples: ascending, unique, all inside [window_start, window_start + span).
  // Returns how many of them were already stored (duplicates, dropped).
  absl::StatusOr<size_t> Write(SeriesId id, int64_t window_start, std::span<const int64_t> ts,
                               std::span<const double> vs);

  size_t chunks_written() const { return chunks_written_; }
  size_t samples_written() const { return samples_written_; }
  size_t minute_points_written() const { return minute_points_written_; }
  size_t hour_points_written() const { return hour_points_written_; }
  size_t records_quarantined() const { return quarantined_; }

 private:
  absl::Status StoredChunk(SeriesId id, int64_t window_start, std::vector<int64_t>* ts,
                           std::vector<double>* vs);
  absl::Status MinutePointsOfHour(SeriesId id, int64_t hour, std::vector<RollupPoint>* out);
  absl::Status HourPointsOfDay(SeriesId id, int64_t day, std::vector<RollupPoint>* out);
  void Quarantine(absl::string_view cf, absl::string_view key, absl::string_view value,
                  const absl::Status& why);

  struct Samples {
    std::vector<int64_t> ts;
    std::vector<double> vs;
  };
  const ChunkColumns columns_;
  rocksdb::WriteBatch* const batch_;
  absl::flat_hash_map<std::string, Samples> pending_chunks_;
  std::map<std::string, std::vector<RollupPoint>> pending_minutes_;  // ordered: by hour
  absl::flat_hash_map<std::string, std::vector<RollupPoint>> pending_hours_;
  size_t chunks_written_ = 0;
  size_t samples_written_ = 0;
  size_t minute_points_written_ = 0;
  size_t hour_points_written_ = 0;
  size_t quarantined_ = 0;
  std::vector<int64_t> stored_ts_, merged_ts_;
  std::vector<double> stored_vs_, merged_vs_;
};

}  // namespace vigil::storage
