// Rollups: min, max, sum, count and last of a series over aligned buckets (1 minute
// and 1 hour), computed when a chunk window is written and read for long ranges.
//
// NaN samples are counted and make `sum` NaN (as Prometheus' sum_over_time does); `min`
// and `max` skip them unless every sample of the bucket is NaN. Staleness markers
// (double_bytes.h) are not samples and are left out, as Prometheus leaves them out of
// range vectors. `last` is the value of
// the newest sample.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "collector/storage/rollup_codec.h"

namespace vigil::storage {

enum class Resolution { kRaw, kMinute, kHour };

// Bucket width of a rollup resolution in ms (kRaw: 0).
int64_t ResolutionMs(Resolution r);
const char* ResolutionName(Resolution r);

// Adds one sample (ascending time) to a point; an empty point (count 0) takes it whole.
void AddToRollup(RollupPoint* point, double v);
// Merges `b` (later in time) into `a` (earlier); either may be empty.
void MergeRollup(RollupPoint* a, const RollupPoint& b);

// Appends one point per `bucket_ms`-aligned bucket that holds samples (ascending
// time; staleness markers skipped) to `out`.
void Aggregate(std::span<const int64_t> timestamps_ms, std::span<const double> values,
               int64_t bucket_ms, std::vector<RollupPoint>* out);

// Re-buckets points (ascending) into coarser `bucket_ms`-aligned buckets.
void Coarsen(std::span<const RollupPoint> points, int64_t bucket_ms, std::vector<RollupPoint>* out);

}  // namespace vigil::storage
