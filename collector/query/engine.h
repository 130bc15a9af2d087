// The PromQL engine: evaluates an expression (parser.h) against the time-series store
// at one instant or at every step of a range, with Prometheus' semantics:
//
// - An instant selector at time t takes each series' newest sample in
//   [t - lookback_delta, t] (5 minutes by default); a series whose newest sample there
//   is a staleness marker (Prometheus' special NaN) is absent.
// - A range selector `x[r]` at t takes the samples in [t - r, t] (both ends included,
//   as Prometheus 2.x). `offset o` shifts both by o.
// - A range query evaluates at start, start + step, ... <= end; the result of every
//   step is that of an instant query at that time.
// - rate/increase/delta extrapolate to the window's edges exactly as Prometheus'
//   extrapolatedRate; counter resets (a value below the previous one) add the previous
//   value; irate uses the last two samples; functions and arithmetic drop __name__.
// - *_over_time with a range of at least `rollup_min_range_ms` read the 1-minute and
//   1-hour rollups for the whole minutes and hours inside the window and raw samples
//   only for its ragged edges: min, max, count and last are exactly those of the raw
//   samples; sum and avg differ at most in the last bits (the additions happen in a
//   different order). quantile_over_time, stddev, rate & co always read raw samples.
//   (A window reaching back past the raw retention still gets the older minutes and
//   hours from the rollups, which are kept longer.)
//
// Limits (QueryLimits) are checked while evaluating: more series selected than
// max_series, more samples decoded than max_samples, more points held in evaluation
// results than max_samples (series x steps, as Prometheus' max_samples counts them),
// longer than the timeout, or more steps than max_points each fail the query with a
// message that names the limit and the figure. Status codes: kInvalidArgument (parse/type errors,
// bad times or step), kResourceExhausted (a limit on series, samples or points), kDeadlineExceeded
// (the timeout), kFailedPrecondition (an execution error Prometheus also reports at run time:
// many-to-many matching, duplicate series after label changes), kInternal (storage).
//
// Thread-safe: any number of queries run at once; each reads the store concurrently with
// ingestion. Does not own the Tsdb or the registry.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/query/ast.h"
#include "collector/query/value.h"
#include "collector/storage/tsdb.h"
#include "common/metrics.h"

namespace vigil::query {

// What one query may cost (the collector's `query:` section).
struct QueryLimits {
  size_t max_series = 10'000;       // series selected, all selectors of the query together
  size_t max_samples = 50'000'000;  // raw samples + rollup points decoded; and points held
  absl::Duration timeout = absl::Minutes(2);
  size_t max_points = 11'000;  // steps of a range query, as Prometheus
};

struct EngineOptions {
  QueryLimits limits;
  int64_t lookback_delta_ms = 5 * 60'000;
  // *_over_time ranges at least this long read rollups for the whole minutes and hours
  // they contain (see above); 0 disables rollups.
  int64_t rollup_min_range_ms = 60 * 60'000;
};

class Engine {
 public:
  // Without `metrics` the engine keeps no self metrics. Registers in `metrics`:
  //   vigil_query_evaluations_total{kind="instant|range",status="ok|bad_data|execution|
  //     too_expensive|timeout|internal"}
  //   vigil_query_duration_seconds{kind} (histogram)
  //   vigil_query_samples_decoded_total, vigil_query_series_touched_total
  Engine(const storage::Tsdb* tsdb, EngineOptions options, MetricsRegistry* metrics = nullptr);
  ~Engine();

  // `timeout`: a caller's own deadline (the HTTP `timeout` parameter); the smaller of it
  // and limits.timeout applies.
  absl::StatusOr<QueryResult> Instant(absl::string_view query, int64_t time_ms,
                                      absl::Duration timeout = absl::InfiniteDuration()) const;
  // step_ms > 0, start_ms <= end_ms, at most limits.max_points steps.
  absl::StatusOr<QueryResult> Range(absl::string_view query, int64_t start_ms, int64_t end_ms,
                                    int64_t step_ms,
                                    absl::Duration timeout = absl::InfiniteDuration()) const;
  // For alert rules and reports, which parse once and evaluate often. With `scope`,
  // every selector also applies that matcher: an alert rule evaluated for the one host
  // whose data just arrived reads only that host's series.
  absl::StatusOr<QueryResult> InstantExpr(const Expr& expr, int64_t time_ms,
                                          const storage::LabelMatcher* scope = nullptr) const;

  const EngineOptions& options() const { return options_; }

 private:
  struct Metrics;
  const storage::Tsdb* const tsdb_;
  const EngineOptions options_;
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace vigil::query
