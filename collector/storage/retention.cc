#include "collector/storage/retention.h"

#include "absl/strings/string_view.h"
#include "collector/storage/keys.h"

namespace vigil::storage {

bool RetentionFilter::Filter(int /*level*/, const rocksdb::Slice& key,
                             const rocksdb::Slice& /*existing_value*/, std::string* /*new_value*/,
                             bool* /*value_changed*/) const {
  SeriesId id = 0;
  int64_t start_ms = 0;
  if (!ParseChunkKey(absl::string_view(key.data(), key.size()), &id, &start_ms)) return false;
  return Expired(start_ms, clock_->NowMs());
}

}  // namespace vigil::storage
