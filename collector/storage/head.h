// The in-memory heads of all series, by series id. Sharded by id so that ingest streams
// of different hosts and queries rarely wait on one another.
//
// Thread-safe. Series are shared_ptrs so a query may keep reading one that a sweep has
// just removed.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/head_series.h"

namespace vigil::storage {

class Head {
 public:
  std::shared_ptr<HeadSeries> Find(SeriesId id) const;
  std::shared_ptr<HeadSeries> FindOrCreate(SeriesId id, const std::string& host);
  void Insert(std::shared_ptr<HeadSeries> series);
  // Removes `series` if it is still the head of its id.
  void Remove(const std::shared_ptr<HeadSeries>& series);
  size_t size() const;
  std::vector<std::shared_ptr<HeadSeries>> All() const;

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<SeriesId, std::shared_ptr<HeadSeries>> series ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(SeriesId id) const { return shards_[(id * 0x9E3779B97F4A7C15ull) >> 58]; }
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace vigil::storage
