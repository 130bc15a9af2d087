// Retention per resolution, enforced by a RocksDB compaction filter: a chunk or rollup
// record whose whole time span is older than its resolution's retention is dropped the
// next time a compaction reads it, so expiring data costs no extra writes. Data not yet
// compacted away is hidden from reads by the same cutoff (Tsdb::RetentionCutoff), and
// RocksDB's periodic compaction bounds how long expired bytes stay on disk.
//
// Thread-safe (RocksDB calls it from its background threads). Does not own the clock.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <cstdint>

#include "common/clock.h"

namespace vigil::storage {

class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  // `key_span_ms`: how much time one record covers from the time in its key (records
  // are <series id><start time>, keys.h).
  RetentionFilter(const Clock* clock, int64_t retention_ms, int64_t key_span_ms, const char* name)
      : clock_(clock), retention_ms_(retention_ms), key_span_ms_(key_span_ms), name_(name) {}

  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return name_; }

  // Whether a record starting at `start_ms` has wholly expired at `now_ms`.
  bool Expired(int64_t start_ms, int64_t now_ms) const {
    return start_ms + key_span_ms_ <= now_ms - retention_ms_;
  }

 private:
  const Clock* const clock_;
  const int64_t retention_ms_;
  const int64_t key_span_ms_;
  const char* const name_;
};

}  // namespace vigil::storage
