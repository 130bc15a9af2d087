// The series index: label set <-> series id, and postings (label pair -> ids) so that
// a selector finds its series without reading every series.
//
// Everything lives in the series_index column family (keys.h). The label sets of the
// series in the head are also cached in memory for ingest; a series that leaves the
// head is forgotten (Forget), so series churn (a filesystem unmounted, a process gone)
// does not grow memory. Lookups that miss the cache read RocksDB.
//
// Thread-safe. Does not own the RocksDB handles (the Tsdb does).
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/keys.h"
#include "collector/storage/label_matcher.h"
#include "common/labels.h"

namespace vigil::storage {

// What one Select read, for tests and for a caller's cost accounting.
struct SelectCost {
  size_t postings_read = 0;   // posting keys visited (including ones stepped over)
  size_t values_matched = 0;  // distinct label values a regex or negative matcher ran on
  size_t label_sets_checked = 0;
};

class SeriesIndex {
 public:
  // Reads where ids continue; label sets are read on demand.
  static absl::StatusOr<std::unique_ptr<SeriesIndex>> Load(rocksdb::DB* db,
                                                           rocksdb::ColumnFamilyHandle* cf);

  // The id of `labels`, created if new, and cached. A new series' index entries are
  // written without sync; they become durable with the next synced write (the WAL is
  // ordered), which is the batch that first stores samples for it.
  absl::StatusOr<SeriesId> GetOrCreate(const LabelSet& labels);

  // The labels of `id` (cache, else RocksDB); nullopt if unknown or unreadable.
  std::optional<LabelSet> Labels(SeriesId id) const;

  // Drops `id` from the in-memory cache (it stays in RocksDB).
  void Forget(SeriesId id);

  // Ids (ascending) of the series that match every matcher (an absent label has the
  // value ""). Matchers that cannot match an absent label intersect the postings of
  // their matching values, the most selective kinds first; the others subtract the
  // postings of their non-matching values. Once fewer than kCheckLabelsBelow series are
  // left, the remaining matchers are checked against those series' label sets instead.
  // A regex or negative matcher costs one match per distinct value of its label, plus
  // the postings of the values it keeps. At least one matcher must not match the empty
  // string. kResourceExhausted past `max_series`. Adds what it read to `*cost` if given.
  absl::StatusOr<std::vector<SeriesId>> Select(std::span<const LabelMatcher> matchers,
                                               size_t max_series, SelectCost* cost = nullptr) const;

  // Below this many candidate series, Select reads label sets rather than postings: a
  // cached label set costs about what a few postings do, and the remaining matchers'
  // postings can number in the hundreds of thousands (a regex on `instance`).
  static constexpr size_t kCheckLabelsBelow = 4096;
  // Postings of a rejected value stepped over one by one before seeking past the rest.
  static constexpr int kPostingsSteppedOver = 8;

  // The distinct label names (metric name "__name__" included) of every series the
  // index knows, sorted; at most `limit` (`*truncated` tells whether there were more).
  // Reads only the postings' keys: one seek per distinct name.
  absl::StatusOr<std::vector<std::string>> LabelNames(size_t limit, bool* truncated) const;
  // The distinct values of label `name`, sorted, at most `limit`: one seek per value.
  absl::StatusOr<std::vector<std::string>> LabelValues(absl::string_view name, size_t limit,
                                                       bool* truncated) const;

  size_t cached() const;
  // Series ever created.
  uint64_t total() const;

 private:
  SeriesIndex(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}
  // Ids (ascending, unique) of series having label `name` with a value for which
  // `want(matcher.Matches(value))` holds.
  absl::StatusOr<std::vector<SeriesId>> Postings(const LabelMatcher& matcher, bool want,
                                                 SelectCost* cost) const;
  // Removes from `ids` the series whose label set fails any of `matchers`.
  absl::Status KeepMatching(std::span<const LabelMatcher* const> matchers,
                            std::vector<SeriesId>* ids, SelectCost* cost) const;

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  mutable absl::Mutex mu_;
  SeriesId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, SeriesId> by_labels_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<SeriesId, std::string> by_id_ ABSL_GUARDED_BY(mu_);  // canonical labels
};

}  // namespace vigil::storage
