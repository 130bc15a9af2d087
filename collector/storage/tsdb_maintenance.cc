// Tsdb upkeep: closing the windows of silent series, head snapshots, compaction and the
// figures the collector reports about its storage.
#include <rocksdb/write_batch.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "collector/storage/rocksdb_status.h"
#include "collector/storage/tsdb.h"
#include "collector/storage/window.h"
#include "common/status.h"

namespace vigil::storage {

absl::Status Tsdb::Maintain() {
  absl::MutexLock maintain_lock(&maintain_mu_);
  const int64_t now_ms = options_.clock->NowMs();
  const int64_t span = options_.chunk_span_ms;

  // Series whose open window ended more than a window ago: nothing more is expected in
  // it (a later sample goes straight to its chunk), so it is written and the series
  // leaves memory until it reports again.
  std::map<std::string, std::vector<std::shared_ptr<HeadSeries>>> silent;  // by host
  for (std::shared_ptr<HeadSeries>& series : head_.All()) {
    absl::MutexLock lock(&series->mu);
    if (!series->open() || series->window_start() + 2 * span <= now_ms) {
      silent[series->host()].push_back(std::move(series));
    }
  }
  // A window that cannot be written (say, a corrupt chunk stored for it) stays in the head
  // and is retried at the next sweep; the other series and the snapshot go on, or one bad
  // record would stop every eviction and snapshot, and the head and WAL would grow for
  // good. The first such error is returned.
  absl::Status first_error;
  for (auto& [host_name, list] : silent) {
    HostState* host = HostStateOf(host_name);
    absl::MutexLock host_lock(&host->mu);
    rocksdb::WriteBatch batch;
    WindowWriter writer(columns_, &batch);
    std::vector<int64_t> ts;
    std::vector<double> vs;
    std::vector<std::shared_ptr<HeadSeries>> evicted;
    for (std::shared_ptr<HeadSeries>& series : list) {
      absl::MutexLock lock(&series->mu);
      // Re-checked: a commit may have moved the window on since the scan.
      if (series->open() && series->window_start() + 2 * span > now_ms) continue;
      if (series->open()) {
        ts.clear();
        vs.clear();
        series->Samples(&ts, &vs);
        batch.SetSavePoint();
        absl::StatusOr<size_t> written = writer.Write(series->id(), series->window_start(), ts, vs);
        if (!written.ok()) {
          (void)batch.RollbackToSavePoint();  // none of the window's records
          if (first_error.ok()) first_error = written.status();
          continue;
        }
        (void)batch.PopSavePoint();
      }
      batch.Delete(head_cf_, HeadKey(series->id()));
      evicted.push_back(series);
    }
    // Unsynced: until the next (synced) snapshot, the WAL still rebuilds these windows.
    if (absl::Status s = WriteBatch(&batch, /*sync=*/false, "close silent series"); !s.ok()) {
      if (first_error.ok()) first_error = s;
      continue;
    }
    for (std::shared_ptr<HeadSeries>& series : evicted) {
      {
        absl::MutexLock lock(&series->mu);
        series->Close();
      }
      head_.Remove(series);
      index_->Forget(series->id());
    }
    CountWrites(writer);
    counters_.series_evicted.fetch_add(evicted.size(), std::memory_order_relaxed);
  }

  if (now_ms - last_snapshot_at_ms_ >= options_.head_snapshot_interval_ms) {
    maintain_mu_.Unlock();
    absl::Status snapshot = SnapshotHead();
    maintain_mu_.Lock();
    if (first_error.ok()) first_error = snapshot;
  }
  return first_error;
}

absl::Status Tsdb::SnapshotHead() {
  // Two snapshots at once could write an older mark after a newer one trimmed the WAL.
  absl::MutexLock one_at_a_time(&snapshot_writer_mu_);
  const absl::Time started = absl::Now();
  uint64_t covered = 0;
  {
    // Every commit holding a sequence below `covered` has updated the head by now.
    absl::WriterMutexLock lock(&snapshot_mu_);
    covered = next_wal_seq_.load();
  }
  rocksdb::WriteBatch batch;
  size_t in_batch = 0;
  for (const std::shared_ptr<HeadSeries>& series : head_.All()) {
    {
      absl::MutexLock lock(&series->mu);
      if (!series->open()) continue;
      batch.Put(head_cf_, HeadKey(series->id()), series->Serialize());
    }
    if (++in_batch == 4096) {
      VIGIL_RETURN_IF_ERROR(WriteBatch(&batch, /*sync=*/false, "write head snapshot"));
      batch.Clear();
      in_batch = 0;
    }
  }
  std::string mark;
  PutBigEndian64(&mark, covered);
  batch.Put(kHeadSnapshotKey, mark);
  // Synced: the snapshot, and everything written before it, is durable before the WAL
  // records it replaces are deleted.
  VIGIL_RETURN_IF_ERROR(WriteBatch(&batch, /*sync=*/true, "write head snapshot"));
  rocksdb::Status s =
      db_->DeleteRange(rocksdb::WriteOptions(), wal_cf_, WalKey(0), WalKey(covered));
  VIGIL_RETURN_IF_ERROR(FromRocksDb(s, "storage: trim WAL"));
  counters_.head_snapshots.fetch_add(1, std::memory_order_relaxed);
  counters_.last_snapshot_ms = absl::ToInt64Milliseconds(absl::Now() - started);
  absl::MutexLock lock(&maintain_mu_);
  last_snapshot_at_ms_ = options_.clock->NowMs();
  return absl::OkStatus();
}

absl::Status Tsdb::CompactAll() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    VIGIL_RETURN_IF_ERROR(FromRocksDb(db_->CompactRange(options, cf, nullptr, nullptr),
                                      absl::StrCat("storage: compact ", cf->GetName())));
  }
  return absl::OkStatus();
}

uint64_t Tsdb::DiskBytes(Resolution resolution) const {
  rocksdb::ColumnFamilyHandle* cf = resolution == Resolution::kRaw      ? columns_.chunks
                                    : resolution == Resolution::kMinute ? columns_.rollup_1m
                                                                        : columns_.rollup_1h;
  uint64_t bytes = 0;
  db_->GetIntProperty(cf, "rocksdb.total-sst-files-size", &bytes);
  return bytes;
}

uint64_t Tsdb::RocksDbProperty(const std::string& property, bool sum) const {
  uint64_t total = 0;
  if (!sum) {
    db_->GetIntProperty(property, &total);
    return total;
  }
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(cf, property, &v)) total += v;
  }
  return total;
}

uint64_t Tsdb::WalBytes() const {
  uint64_t sst = 0, memtable = 0;
  db_->GetIntProperty(wal_cf_, "rocksdb.total-sst-files-size", &sst);
  db_->GetIntProperty(wal_cf_, "rocksdb.cur-size-all-mem-tables", &memtable);
  return sst + memtable;
}

}  // namespace vigil::storage
