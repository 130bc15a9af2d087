// Walking the records of one series in a column family keyed <series id><time> (keys.h:
// chunks and rollups), with a RocksDB iterator.
#pragma once

#include <rocksdb/iterator.h>

#include <cstdint>

#include "absl/strings/string_view.h"
#include "collector/storage/keys.h"

namespace vigil::storage {

// Whether `it` stands on a record of series `id`; if so, *time is the record's key time.
inline bool AtSeriesRecord(const rocksdb::Iterator& it, SeriesId id, int64_t* time) {
  SeriesId key_id = 0;
  return it.Valid() &&
         ParseChunkKey(absl::string_view(it.key().data(), it.key().size()), &key_id, time) &&
         key_id == id;
}

inline absl::string_view RecordValue(const rocksdb::Iterator& it) {
  return absl::string_view(it.value().data(), it.value().size());
}

}  // namespace vigil::storage
