#include "collector/ingest/series_runs.h"

#include <algorithm>

namespace vigil::ingest {

void SeriesRuns::Build(const v1::Batch& batch,
                       const absl::flat_hash_map<uint64_t, storage::SeriesId>& series) {
  run_of_.clear();
  for (size_t i = 0; i < used_; ++i) {
    runs_[i].timestamps_ms.clear();
    runs_[i].values.clear();
  }
  used_ = 0;
  writes_.clear();
  stored_ = 0;
  rejected_ = 0;

  std::vector<storage::SeriesId> order;  // stored ids in first-seen order
  for (const v1::SampleGroup& group : batch.groups()) {
    if (group.series_ids_size() != group.values_size()) {
      rejected_ += static_cast<uint32_t>(std::max(group.series_ids_size(), group.values_size()));
      continue;
    }
    const int64_t t = group.timestamp_ms();
    for (int i = 0; i < group.series_ids_size(); ++i) {
      auto known = series.find(group.series_ids(i));
      if (known == series.end()) {
        ++rejected_;
        continue;
      }
      auto [slot, inserted] = run_of_.try_emplace(known->second, used_);
      if (inserted) {
        if (used_ == runs_.size()) runs_.emplace_back();
        ++used_;
        order.push_back(known->second);
      }
      Run& run = runs_[slot->second];
      if (!run.timestamps_ms.empty() && t <= run.timestamps_ms.back()) {
        ++rejected_;
        continue;
      }
      run.timestamps_ms.push_back(t);
      run.values.push_back(group.values(i));
      ++stored_;
    }
  }
  for (storage::SeriesId id : order) {
    const Run& run = runs_[run_of_[id]];
    if (run.timestamps_ms.empty()) continue;
    writes_.push_back(storage::SeriesWrite{id, run.timestamps_ms, run.values});
  }
}

}  // namespace vigil::ingest
