// The engine's self metrics (engine.h lists them): evaluations by kind and status, a
// latency histogram by kind, samples decoded and series touched.
//
// Registered once per Engine; updates are lock-free (common/metrics.h). Does not own the
// registry.
#pragma once

#include "absl/status/status.h"
#include "collector/query/value.h"
#include "common/metrics.h"

namespace vigil::query {

enum class QueryKind { kInstant, kRange };

// The `status` label of an outcome: ok, bad_data, execution, too_expensive, timeout,
// internal (the names of Prometheus' error types where they exist).
const char* QueryStatusLabel(const absl::Status& status);

class EngineMetrics {
 public:
  // Registers the families in `registry`; fails if they exist already.
  static absl::StatusOr<std::unique_ptr<EngineMetrics>> Register(MetricsRegistry* registry);

  void Record(QueryKind kind, const absl::Status& status, const QueryStats& stats, double seconds);

 private:
  EngineMetrics() = default;
  static constexpr int kStatuses = 6;
  Counter* evaluations_[2][kStatuses] = {};
  Histogram* duration_[2] = {};
  Counter* samples_decoded_ = nullptr;
  Counter* series_touched_ = nullptr;
};

}  // namespace vigil::query
