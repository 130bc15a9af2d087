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
  const SelectorSeries& group = ev.loaded().Of(selector);
  VIGIL_RETURN_IF_ERROR(ev.ReserveSeries(group.labels.size()));
  std::vector<StepSeries> results(group.labels.size());
  std::vector<uint8_t> any(group.labels.size(), 0);
  VIGIL_RETURN_IF_ERROR(ev.loaded().ForEachSeries(
      selector, &ev.ctx(),
      [&](size_t k, const LabelSet& labels, const SelectedSeries& s) -> absl::Status {
        StepSeries result(labels, steps.count);
        size_t next = 0;  // first sample after the step's reference time
        for (size_t i = 0; i < steps.count; ++i) {
          const int64_t ref = steps.At(i) - selector.offset_ms;
          while (next < s.ts.size() && s.ts[next] <= ref) ++next;
          if (next == 0) continue;
          const size_t newest = next - 1;
          if (s.ts[newest] < ref - lookback || IsStaleMarker(s.vs[newest])) continue;
          result.Set(i, timestamps ? static_cast<double>(s.ts[newest]) / 1000 : s.vs[newest]);
          any[k] = 1;
        }
        results[k] = std::move(result);
        return absl::OkStatus();
      }));
  EvalValue out;
  out.type = ValueType::kInstantVector;
  for (size_t k = 0; k < results.size(); ++k) {
    if (any[k]) out.series.push_back(std::move(results[k]));
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
