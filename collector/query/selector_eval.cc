// Instant selectors at every step: each series' newest sample in
// [t - offset - lookback_delta, t - offset], unless that sample is a staleness marker.
#include "collector/query/evaluator.h"
#include "collector/query/prom_math.h"
#include "common/status.h"

namespace vigil::query {
namespace {

// Per series and step, the newest sample's value, or its time in seconds (`timestamps`;
// the labels stay as they are: timestamp() drops the name).
absl::StatusOr<EvalValue> Lookback(Evaluator& ev, const VectorSelector& selector, bool timestamps) {
  const Steps& steps = ev.steps();
  const int64_t lookback = ev.ctx().options().lookback_delta_ms;
  EvalValue out;
  out.type = ValueType::kInstantVector;
  for (const SelectedSeries& s : ev.loaded().Of(selector).series) {
    StepSeries result(s.labels, steps.count);
    bool any = false;
    size_t next = 0;  // first sample after the step's reference time
    for (size_t i = 0; i < steps.count; ++i) {
      const int64_t ref = steps.At(i) - selector.offset_ms;
      while (next < s.ts.size() && s.ts[next] <= ref) ++next;
      if (next == 0) continue;
      const size_t newest = next - 1;
      if (s.ts[newest] < ref - lookback || IsStaleMarker(s.vs[newest])) continue;
      result.Set(i, timestamps ? static_cast<double>(s.ts[newest]) / 1000 : s.vs[newest]);
      any = true;
    }
    VIGIL_RETURN_IF_ERROR(ev.ctx().Tick(steps.count));
    if (any) out.series.push_back(std::move(result));
  }
  return out;
}

}  // namespace

absl::StatusOr<EvalValue> EvalVectorSelector(Evaluator& ev, const VectorSelector& selector) {
  return Lookback(ev, selector, /*timestamps=*/false);
}

absl::StatusOr<EvalValue> EvalSelectorTimestamps(Evaluator& ev, const VectorSelector& selector) {
  return Lookback(ev, selector, /*timestamps=*/true);
}

}  // namespace vigil::query
