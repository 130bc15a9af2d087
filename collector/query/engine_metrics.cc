#include "collector/query/engine_metrics.h"

#include "common/status.h"

namespace vigil::query {
namespace {

constexpr const char* kStatusNames[] = {"ok",      "bad_data", "execution", "too_expensive",
                                        "timeout", "internal"};
constexpr const char* kKindNames[] = {"instant", "range"};

int StatusIndex(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
      return 1;
    case absl::StatusCode::kFailedPrecondition:
      return 2;
    case absl::StatusCode::kResourceExhausted:
      return 3;
    case absl::StatusCode::kDeadlineExceeded:
      return 4;
    default:
      return 5;
  }
}

}  // namespace

const char* QueryStatusLabel(const absl::Status& status) {
  return kStatusNames[StatusIndex(status)];
}

absl::StatusOr<std::unique_ptr<EngineMetrics>> EngineMetrics::Register(MetricsRegistry* registry) {
  std::unique_ptr<EngineMetrics> m(new EngineMetrics());
  VIGIL_ASSIGN_OR_RETURN(
      CounterFamily * evaluations,
      registry->AddCounterFamily("vigil_query_evaluations_total",
                                 "PromQL evaluations by kind (instant, range) and outcome.",
                                 {"kind", "status"}));
  VIGIL_ASSIGN_OR_RETURN(
      HistogramFamily * duration,
      registry->AddHistogramFamily(
          "vigil_query_duration_seconds", "Time to parse and evaluate a PromQL query.", {"kind"},
          {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}));
  VIGIL_ASSIGN_OR_RETURN(
      m->samples_decoded_,
      registry->AddCounter("vigil_query_samples_decoded_total",
                           "Raw samples and rollup points PromQL queries read from storage."));
  VIGIL_ASSIGN_OR_RETURN(
      m->series_touched_,
      registry->AddCounter("vigil_query_series_touched_total", "Series PromQL queries selected."));
  for (int k = 0; k < 2; ++k) {
    m->duration_[k] = duration->WithLabels({kKindNames[k]});
    for (int s = 0; s < kStatuses; ++s) {
      m->evaluations_[k][s] = evaluations->WithLabels({kKindNames[k], kStatusNames[s]});
    }
  }
  return m;
}

void EngineMetrics::Record(QueryKind kind, const absl::Status& status, const QueryStats& stats,
                           double seconds) {
  const int k = kind == QueryKind::kInstant ? 0 : 1;
  evaluations_[k][StatusIndex(status)]->Inc();
  duration_[k]->Observe(seconds);
  samples_decoded_->Add(stats.samples_decoded);
  series_touched_->Add(stats.series_touched);
}

}  // namespace vigil::query
