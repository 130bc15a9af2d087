// The state one query's evaluation shares across its nodes: the store, the options, the
// steps, the deadline, and the cost so far against the limits (engine.h). Also the
// errors the evaluator reports, so that every message names what was exceeded or wrong.
//
// One per query. The cost counters are atomic so that series may be loaded from two
// threads; everything else is read-only after construction.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/query/engine.h"
#include "collector/query/eval_value.h"
#include "collector/storage/tsdb.h"

namespace vigil::query {

class EvalContext {
 public:
  // `timeout`: the query's whole time budget (the smaller of the limit and the caller's),
  // counted from `started`; `timeout_from_limit` says which of the two it is (for the
  // message).
  EvalContext(const storage::Tsdb& tsdb, const EngineOptions& options, Steps steps,
              absl::Time started, absl::Duration timeout, bool timeout_from_limit);

  const storage::Tsdb& tsdb() const { return tsdb_; }
  const EngineOptions& options() const { return options_; }
  // A matcher every selector of the query also applies (an alert rule evaluated for
  // one host: instance="db1"); null for none. Not owned; outlives the evaluation.
  void set_scope(const storage::LabelMatcher* scope) { scope_ = scope; }
  const storage::LabelMatcher* scope() const { return scope_; }
  const Steps& steps() const { return steps_; }

  // kDeadlineExceeded once the time budget is spent.
  absl::Status CheckDeadline() const;
  // For loops: reads the clock once every few thousand units of `work`.
  absl::Status Tick(size_t work = 1) {
    work_since_check_ += work;
    if (work_since_check_ < kCheckEvery) return absl::OkStatus();
    work_since_check_ = 0;
    return CheckDeadline();
  }

  // Counts selected series / decoded samples (raw samples and rollup points) and fails
  // with kResourceExhausted once a limit is exceeded.
  absl::Status AddSeries(size_t n);
  absl::Status AddSamples(size_t n);
  // Counts points held in evaluation results (series x steps of every node's value, as
  // Prometheus' max_samples counts them) against the same limit, so that a query over
  // many series and steps fails before it exhausts memory.
  absl::Status AddPoints(size_t n);
  // How many more may be decoded before the limit is exceeded.
  size_t SampleBudget() const;
  size_t SeriesBudget() const;
  absl::Status TooManySeries() const;
  absl::Status TooManySamples() const;

  size_t series_touched() const { return series_.load(std::memory_order_relaxed); }
  size_t samples_decoded() const { return samples_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kCheckEvery = 4096;

  const storage::Tsdb& tsdb_;
  const EngineOptions& options_;
  const Steps steps_;
  const absl::Time deadline_;
  const absl::Duration timeout_;
  const bool timeout_from_limit_;
  size_t work_since_check_ = 0;
  const storage::LabelMatcher* scope_ = nullptr;
  std::atomic<size_t> series_{0};
  std::atomic<size_t> samples_{0};
  size_t points_ = 0;
};

// An error Prometheus reports while executing a query (HTTP 422 "execution"), e.g.
// many-to-many matching: kFailedPrecondition.
absl::Status ExecutionError(absl::string_view message);

// "vector cannot contain metrics with the same labelset", as Prometheus words it.
absl::Status DuplicateLabelsetError();

// Go's labels.Labels.String(): {__name__="x", a="b"} (used in Prometheus' messages).
std::string GoLabelsString(const LabelSet& labels);

}  // namespace vigil::query
