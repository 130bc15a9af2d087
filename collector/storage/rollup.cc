#include "collector/storage/rollup.h"

#include <cmath>

#include "collector/storage/double_bytes.h"
#include "collector/storage/window.h"

namespace vigil::storage {

int64_t ResolutionMs(Resolution r) {
  switch (r) {
    case Resolution::kRaw:
      return 0;
    case Resolution::kMinute:
      return kMinuteMs;
    case Resolution::kHour:
      return kHourMs;
  }
  return 0;
}

const char* ResolutionName(Resolution r) {
  switch (r) {
    case Resolution::kRaw:
      return "raw";
    case Resolution::kMinute:
      return "1m";
    case Resolution::kHour:
      return "1h";
  }
  return "?";
}

void AddToRollup(RollupPoint* p, double v) {
  if (p->count == 0) {
    p->min = p->max = p->sum = p->last = v;
    p->count = 1;
    return;
  }
  if (!std::isnan(v)) {
    if (v < p->min || std::isnan(p->min)) p->min = v;
    if (v > p->max || std::isnan(p->max)) p->max = v;
  }
  p->sum += v;
  p->last = v;
  ++p->count;
}

void MergeRollup(RollupPoint* a, const RollupPoint& b) {
  if (b.count == 0) return;
  if (a->count == 0) {
    const int64_t start = a->start_ms;
    *a = b;
    a->start_ms = start;
    return;
  }
  if (!std::isnan(b.min) && (b.min < a->min || std::isnan(a->min))) a->min = b.min;
  if (!std::isnan(b.max) && (b.max > a->max || std::isnan(a->max))) a->max = b.max;
  a->sum += b.sum;
  a->last = b.last;
  a->count += b.count;
}

void Aggregate(std::span<const int64_t> timestamps_ms, std::span<const double> values,
               int64_t bucket_ms, std::vector<RollupPoint>* out) {
  RollupPoint* current = nullptr;
  for (size_t i = 0; i < timestamps_ms.size(); ++i) {
    if (IsStaleMarker(values[i])) continue;
    const int64_t bucket = AlignDown(timestamps_ms[i], bucket_ms);
    if (current == nullptr || current->start_ms != bucket) {
      out->push_back(RollupPoint{});
      current = &out->back();
      current->start_ms = bucket;
    }
    AddToRollup(current, values[i]);
  }
}

void Coarsen(std::span<const RollupPoint> points, int64_t bucket_ms,
             std::vector<RollupPoint>* out) {
  RollupPoint* current = nullptr;
  for (const RollupPoint& p : points) {
    if (p.count == 0) continue;
    const int64_t bucket = AlignDown(p.start_ms, bucket_ms);
    if (current == nullptr || current->start_ms != bucket) {
      out->push_back(RollupPoint{});
      current = &out->back();
      current->start_ms = bucket;
    }
    MergeRollup(current, p);
  }
}

}  // namespace vigil::storage
