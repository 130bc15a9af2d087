#include "collector/query/rollup_reads.h"

#include <algorithm>
#include <cmath>

#include "collector/query/prom_math.h"
#include "collector/storage/window.h"

namespace vigil::query {
namespace {

using storage::kHourMs;
using storage::kMinuteMs;
using storage::RollupPoint;

int64_t AlignUp(int64_t t, int64_t span) {
  const int64_t down = storage::AlignDown(t, span);
  return down == t ? t : down + span;
}

// Folds values (in time order) into what `f` needs; min/max as Prometheus'
// max_over_time (KeepMax, KeepMin).
struct Accumulator {
  RollupFunction f;
  uint64_t count = 0;
  double extreme = 0;
  double sum = 0, c = 0;
  double last = 0;

  void AddValue(double v) {
    AddExtreme(v);
    KahanAdd(v, &sum, &c);
    last = v;
    ++count;
  }
  void AddPoint(const RollupPoint& p) {
    if (p.count == 0) return;
    AddExtreme(f == RollupFunction::kMin ? p.min : p.max);
    KahanAdd(p.sum, &sum, &c);
    last = p.last;
    count += p.count;
  }
  // Before `count` counts `v`.
  void AddExtreme(double v) {
    if (count == 0) {
      extreme = v;
    } else if (f == RollupFunction::kMax) {
      extreme = KeepMax(extreme, v);
    } else if (f == RollupFunction::kMin) {
      extreme = KeepMin(extreme, v);
    }
  }
  double Sum() const { return KahanTotal(sum, c); }
};

void AddRaw(const RollupInputs& in, int64_t from, int64_t to, Accumulator* acc) {
  if (from >= to) return;
  auto begin = std::lower_bound(in.ts.begin(), in.ts.end(), from);
  auto end = std::lower_bound(begin, in.ts.end(), to);
  for (auto it = begin; it != end; ++it) {
    acc->AddValue(in.vs[static_cast<size_t>(it - in.ts.begin())]);
  }
}

void AddPoints(std::span<const RollupPoint> points, int64_t from, int64_t to, Accumulator* acc) {
  if (from >= to) return;
  auto begin = std::lower_bound(points.begin(), points.end(), from,
                                [](const RollupPoint& p, int64_t t) { return p.start_ms < t; });
  for (auto it = begin; it != points.end() && it->start_ms < to; ++it) acc->AddPoint(*it);
}

}  // namespace

WindowPieces CutWindow(int64_t start, int64_t end) {
  WindowPieces w;
  w.start = start;
  w.end_exclusive = end + 1;
  const int64_t a = AlignUp(start, kMinuteMs);
  const int64_t d = storage::AlignDown(w.end_exclusive, kMinuteMs);
  if (a >= d) {  // no whole minute: all raw
    w.minutes_begin = w.hours_begin = w.hours_end = w.minutes_end = w.end_exclusive;
    return w;
  }
  w.minutes_begin = a;
  w.minutes_end = d;
  const int64_t b = AlignUp(a, kHourMs);
  const int64_t c = storage::AlignDown(d, kHourMs);
  if (b >= c) {  // no whole hour: minutes only
    w.hours_begin = w.hours_end = d;
  } else {
    w.hours_begin = b;
    w.hours_end = c;
  }
  return w;
}

bool RollupFunctionOf(absl::string_view name, RollupFunction* out) {
  static constexpr struct {
    absl::string_view name;
    RollupFunction f;
  } kFunctions[] = {
      {"min_over_time", RollupFunction::kMin}, {"max_over_time", RollupFunction::kMax},
      {"sum_over_time", RollupFunction::kSum}, {"count_over_time", RollupFunction::kCount},
      {"avg_over_time", RollupFunction::kAvg}, {"last_over_time", RollupFunction::kLast},
  };
  for (const auto& entry : kFunctions) {
    if (entry.name == name) {
      *out = entry.f;
      return true;
    }
  }
  return false;
}

bool EvalRollupWindow(RollupFunction f, const WindowPieces& w, const RollupInputs& in,
                      double* out) {
  Accumulator acc{f};
  AddRaw(in, w.start, w.minutes_begin, &acc);
  AddPoints(in.minutes, w.minutes_begin, w.hours_begin, &acc);
  AddPoints(in.hours, w.hours_begin, w.hours_end, &acc);
  AddPoints(in.minutes, w.hours_end, w.minutes_end, &acc);
  AddRaw(in, w.minutes_end, w.end_exclusive, &acc);
  if (acc.count == 0) return false;
  switch (f) {
    case RollupFunction::kMin:
    case RollupFunction::kMax:
      *out = acc.extreme;
      break;
    case RollupFunction::kSum:
      *out = acc.Sum();
      break;
    case RollupFunction::kCount:
      *out = static_cast<double>(acc.count);
      break;
    case RollupFunction::kAvg:
      *out = acc.Sum() / static_cast<double>(acc.count);
      break;
    case RollupFunction::kLast:
      *out = acc.last;
      break;
  }
  return true;
}

}  // namespace vigil::query
