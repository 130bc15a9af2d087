#include "collector/storage/head.h"

namespace vigil::storage {

std::shared_ptr<HeadSeries> Head::Find(SeriesId id) const {
  Shard& shard = ShardOf(id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.series.find(id);
  return it == shard.series.end() ? nullptr : it->second;
}

std::shared_ptr<HeadSeries> Head::FindOrCreate(SeriesId id, const std::string& host) {
  Shard& shard = ShardOf(id);
  absl::MutexLock lock(&shard.mu);
  std::shared_ptr<HeadSeries>& slot = shard.series[id];
  if (slot == nullptr) slot = std::make_shared<HeadSeries>(id, host);
  return slot;
}

void Head::Insert(std::shared_ptr<HeadSeries> series) {
  Shard& shard = ShardOf(series->id());
  absl::MutexLock lock(&shard.mu);
  shard.series[series->id()] = std::move(series);
}

void Head::Remove(const std::shared_ptr<HeadSeries>& series) {
  Shard& shard = ShardOf(series->id());
  absl::MutexLock lock(&shard.mu);
  auto it = shard.series.find(series->id());
  if (it != shard.series.end() && it->second == series) shard.series.erase(it);
}

size_t Head::size() const {
  size_t n = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.series.size();
  }
  return n;
}

std::vector<std::shared_ptr<HeadSeries>> Head::All() const {
  std::vector<std::shared_ptr<HeadSeries>> out;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [id, series] : shard.series) out.push_back(series);
  }
  return out;
}

}  // namespace vigil::storage
