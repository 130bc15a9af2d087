// Turns the sample groups of one batch (one group per instant, columnar by series) into
// one ascending run of samples per stored series, which is what storage writes as a
// chunk.
//
// A sample is rejected (and counted) when its agent series id is unknown on this stream,
// when its group's ids and values differ in length, or when it is not later than the
// previous sample of the same series in the batch (groups out of time order, or a
// series twice in one group).
//
// Not thread-safe; one per ingest stream, reused from batch to batch to keep its buffers.
#pragma once

#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "collector/storage/tsdb.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::ingest {

class SeriesRuns {
 public:
  // `series` maps the agent's series ids to stored ids.
  void Build(const v1::Batch& batch,
             const absl::flat_hash_map<uint64_t, storage::SeriesId>& series);

  // Valid until the next Build(); points into this object.
  std::span<const storage::SeriesWrite> writes() const { return writes_; }
  uint32_t stored() const { return stored_; }
  uint32_t rejected() const { return rejected_; }

 private:
  struct Run {
    std::vector<int64_t> timestamps_ms;
    std::vector<double> values;
  };
  absl::flat_hash_map<storage::SeriesId, size_t> run_of_;  // stored id -> index in runs_
  std::vector<Run> runs_;                                  // capacity kept across batches
  size_t used_ = 0;
  std::vector<storage::SeriesWrite> writes_;
  uint32_t stored_ = 0;
  uint32_t rejected_ = 0;
};

}  // namespace vigil::ingest
