// Range reads reduced to at most N points (what a dashboard or `vigilctl query
// --max-points` asks for), answered from the coarsest data that gives the same answer.
//
// The range is cut into equal buckets of `step` = ceil(range / max_points). When the step
// is at least an hour (a minute), the 1-hour (1-minute) rollups are read instead of raw
// samples: the step is rounded up to whole hours (minutes) and buckets are aligned to
// hour (minute) boundaries, so every bucket holds whole rollup points and its min, max,
// sum, count, last and avg are exactly those of the raw samples in it. The only
// difference from reading raw samples is that alignment: the first bucket may start up
// to one rollup width before `start`. Empty buckets are omitted.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/storage/rollup.h"
#include "collector/storage/tsdb.h"

namespace vigil::query {

enum class Aggregation { kAvg, kMin, kMax, kSum, kCount, kLast };
absl::StatusOr<Aggregation> ParseAggregation(absl::string_view name);

struct ReducedSeries {
  storage::Resolution resolution = storage::Resolution::kRaw;
  int64_t step_ms = 0;
  std::vector<int64_t> timestamps_ms;  // bucket starts
  std::vector<double> values;
  size_t decoded = 0;  // raw samples or rollup points read to compute them
};

// The resolution a reduced read with this step uses.
storage::Resolution ResolutionForStep(int64_t step_ms);

// Reads `id` over [start_ms, end_ms] in at most `max_points` buckets. `max_samples` caps
// what may be decoded (raw samples or rollup points).
absl::Status ReadReduced(const storage::Tsdb& tsdb, storage::SeriesId id, int64_t start_ms,
                         int64_t end_ms, size_t max_points, Aggregation aggregation,
                         size_t max_samples, ReducedSeries* out);

}  // namespace vigil::query
