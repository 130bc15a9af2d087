// The series index: label set <-> series id, and postings (label pair -> ids) so that
// a selector finds its series without reading every series.
//
// All label sets are also held in memory (id -> labels, canonical -> id) for fast
// resolution on ingest; the postings are read from RocksDB on query.
//
// Thread-safe. Does not own the RocksDB handles (the Tsdb does).
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/keys.h"
#include "collector/storage/label_matcher.h"
#include "common/labels.h"

namespace vigil::storage {

class SeriesIndex {
 public:
  // Reads every series of the series_index column family into memory.
  static absl::StatusOr<std::unique_ptr<SeriesIndex>> Load(rocksdb::DB* db,
                                                           rocksdb::ColumnFamilyHandle* cf);

  // The id of `labels`, created if new. A new series' index entries are written
  // without sync; they become durable with the next synced write (the WAL is ordered),
  // which is the batch that first stores samples for it.
  absl::StatusOr<SeriesId> GetOrCreate(const LabelSet& labels);

  std::optional<LabelSet> Labels(SeriesId id) const;

  // Ids (ascending) of the series that match every matcher. At least one matcher must
  // not match the empty string. Fails with kResourceExhausted past `max_series`.
  absl::StatusOr<std::vector<SeriesId>> Select(std::span<const LabelMatcher> matchers,
                                               size_t max_series) const;

  size_t size() const;

 private:
  SeriesIndex(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}
  absl::StatusOr<std::vector<SeriesId>> Postings(const LabelMatcher& matcher) const;

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  mutable absl::Mutex mu_;
  SeriesId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, SeriesId> by_labels_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<SeriesId, LabelSet> by_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::storage
