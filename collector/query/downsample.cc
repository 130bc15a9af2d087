#include "collector/query/downsample.h"

#include <algorithm>
#include <limits>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "collector/storage/window.h"

namespace vigil::query {
namespace {

using storage::Resolution;
using storage::RollupPoint;

double Value(const RollupPoint& p, Aggregation a) {
  switch (a) {
    case Aggregation::kAvg:
      return p.sum / static_cast<double>(p.count);
    case Aggregation::kMin:
      return p.min;
    case Aggregation::kMax:
      return p.max;
    case Aggregation::kSum:
      return p.sum;
    case Aggregation::kCount:
      return static_cast<double>(p.count);
    case Aggregation::kLast:
      return p.last;
  }
  return 0;
}

}  // namespace

absl::StatusOr<Aggregation> ParseAggregation(absl::string_view name) {
  if (name == "avg" || name.empty()) return Aggregation::kAvg;
  if (name == "min") return Aggregation::kMin;
  if (name == "max") return Aggregation::kMax;
  if (name == "sum") return Aggregation::kSum;
  if (name == "count") return Aggregation::kCount;
  if (name == "last") return Aggregation::kLast;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown aggregation \"", name, "\" (avg, min, max, sum, count or last)"));
}

Resolution ResolutionForStep(int64_t step_ms) {
  if (step_ms >= storage::kHourMs) return Resolution::kHour;
  if (step_ms >= storage::kMinuteMs) return Resolution::kMinute;
  return Resolution::kRaw;
}

absl::Status ReadReduced(const storage::Tsdb& tsdb, storage::SeriesId id, int64_t start_ms,
                         int64_t end_ms, size_t max_points, Aggregation aggregation,
                         size_t max_samples, ReducedSeries* out) {
  if (max_points == 0) return absl::InvalidArgumentError("max_points must be positive");
  if (start_ms > end_ms) return absl::InvalidArgumentError("start is after end");
  // Bucket arithmetic in 128 bits: any two int64 times are valid bounds, and the range
  // between them may be 2^64 ms wide.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const absl::int128 range = absl::int128(end_ms) - start_ms + 1;
  absl::int128 step = (range + max_points - 1) / max_points;
  out->resolution = ResolutionForStep(static_cast<int64_t>(std::min<absl::int128>(step, kMax)));
  const int64_t width = storage::ResolutionMs(out->resolution);
  absl::int128 first = start_ms;
  if (width > 0) {
    step = (step + width - 1) / width * width;
    first = storage::AlignDown(first, width);
  }
  out->step_ms = static_cast<int64_t>(std::min<absl::int128>(step, kMax));

  std::vector<RollupPoint> points;
  size_t decoded = 0;  // raw samples decoded (whole chunks), when reading raw
  if (out->resolution == Resolution::kRaw) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    storage::ReadCost cost;
    absl::Status read = tsdb.ReadRange(id, start_ms, end_ms, max_samples, &ts, &vs, &cost);
    if (!read.ok()) return read;
    decoded = cost.samples_decoded;
    // Raw samples are points of their own.
    points.reserve(ts.size());
    for (size_t i = 0; i < ts.size(); ++i) {
      points.push_back(RollupPoint{ts[i], vs[i], vs[i], vs[i], vs[i], 1});
    }
  } else {
    const int64_t from = static_cast<int64_t>(std::max<absl::int128>(first, kMin));
    absl::Status read = tsdb.ReadRollups(id, out->resolution, from, end_ms, max_samples, &points);
    if (!read.ok()) return read;
  }
  out->decoded = out->resolution == Resolution::kRaw ? decoded : points.size();
  // Buckets [first + k * step, first + (k + 1) * step).
  RollupPoint bucket;
  absl::int128 bucket_index = -1;  // points are at or after `first`: k >= 0
  auto flush = [&] {
    if (bucket.count == 0) return;
    out->timestamps_ms.push_back(bucket.start_ms);
    out->values.push_back(Value(bucket, aggregation));
  };
  for (const RollupPoint& p : points) {
    const absl::int128 k = (p.start_ms - first) / step;
    if (k != bucket_index) {
      flush();
      bucket = RollupPoint{};
      // Only a bucket that starts within one rollup width of INT64_MIN lies outside.
      bucket.start_ms = static_cast<int64_t>(std::max<absl::int128>(first + k * step, kMin));
      bucket_index = k;
    }
    storage::MergeRollup(&bucket, p);
  }
  flush();
  return absl::OkStatus();
}

}  // namespace vigil::query
