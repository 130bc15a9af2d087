// Tsdb start: the head rebuilt from the last snapshot plus the WAL records after it.
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "collector/storage/rocksdb_status.h"
#include "collector/storage/tsdb.h"
#include "collector/storage/wal_record.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::storage {

absl::Status Tsdb::RecoverHead() {
  uint64_t covered = 0;
  {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kHeadSnapshotKey, &value);
    if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "storage: read head snapshot mark");
    if (s.ok()) {
      if (value.size() != 8) return absl::DataLossError("storage: corrupt head snapshot mark");
      covered = GetBigEndian64(value.data());
    }
  }

  size_t restored = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), head_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    const SeriesId id = GetBigEndian64(it->key().data());
    absl::StatusOr<std::unique_ptr<HeadSeries>> series =
        HeadSeries::Deserialize(id, absl::string_view(it->value().data(), it->value().size()));
    if (!series.ok()) {
      // That series' open window is lost unless the WAL still holds it; say so, go on.
      LogError("storage: head snapshot of series ", id, ": ", series.status().message());
      continue;
    }
    head_.Insert(std::shared_ptr<HeadSeries>(std::move(*series)));
    ++restored;
  }
  VIGIL_RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: read head snapshot"));

  // Replay in sequence order. Records a series' snapshot already includes are skipped
  // by its last_wal_seq, so a record applies exactly once.
  uint64_t next = covered;
  size_t records = 0, samples = 0;
  WalRecord record;
  CommitResult ignored;
  SeriesPlan plan;
  it.reset(db_->NewIterator(rocksdb::ReadOptions(), wal_cf_));
  for (it->Seek(WalKey(covered)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    const uint64_t seq = GetBigEndian64(it->key().data());
    absl::Status decoded = record.Decode(absl::string_view(it->value().data(), it->value().size()));
    if (!decoded.ok()) {
      return absl::DataLossError(absl::StrCat("storage: WAL record ", seq, ": ", decoded.message(),
                                              " (RocksDB checksums passed: a bug, not a torn "
                                              "write; refusing to start rather than lose it)"));
    }
    rocksdb::WriteBatch batch;
    WindowWriter writer(columns_, &batch);
    for (const SeriesWrite& w : record.series()) {
      std::shared_ptr<HeadSeries> series = head_.FindOrCreate(w.id, record.host());
      {
        absl::MutexLock lock(&series->mu);
        if (series->last_wal_seq >= seq) continue;
      }
      VIGIL_RETURN_IF_ERROR(PlanSeries(series, w, /*live=*/false, 0, &writer, &ignored, &plan));
      ApplyPlan(plan, seq);
      samples += w.timestamps_ms.size();
    }
    VIGIL_RETURN_IF_ERROR(WriteBatch(&batch, /*sync=*/false, "replay WAL"));
    next = std::max(next, seq + 1);
    ++records;
  }
  VIGIL_RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: read WAL"));
  next_wal_seq_ = std::max<uint64_t>(next, 1);
  counters_.replayed_records = records;
  counters_.replayed_samples = samples;
  if (restored > 0 || records > 0) {
    LogInfo("storage: head rebuilt: ", restored, " series from the snapshot, ", records,
            " WAL records (", samples, " samples) replayed");
  }
  return absl::OkStatus();
}

}  // namespace vigil::storage
