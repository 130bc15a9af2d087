// Test data for the PromQL engine in Prometheus' promqltest notation, committed into a
// real Tsdb (temp dir, injected ManualClock) that a real Engine then queries:
//
//   load 1m
//     http_requests{job="api", instance="0"} 0+10x10 _ 5 stale
//     temperature 1 2 3 _x2 NaN Inf -Inf
//
// One series per line: labels in selector form, then values at t = 0, 1m, 2m, ...
// `a+bxn` is a, a+b, ... (n + 1 values; `a-bxn` counts down), `_` skips a step (`_xn`
// skips n), `stale` is a staleness marker, `axn` repeats a (n + 1 times).
//
// Times start at the Unix epoch, as in Prometheus' own tests, so that expected values
// can be taken over from there or worked out with round numbers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "collector/query/engine.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "tests/support/temp_dir.h"

namespace vigil::query::testing {

class PromqlFixture {
 public:
  explicit PromqlFixture(EngineOptions options = {});
  ~PromqlFixture();

  // Commits every `load <interval>` block of `text`; fails the test on a syntax error.
  void Load(absl::string_view text);
  // Commits one series' samples (ascending times).
  void Add(const LabelSet& labels, const std::vector<int64_t>& ts, const std::vector<double>& vs);
  // Writes the head's open windows to chunks and rollups (as the collector's periodic
  // maintenance does once series go quiet), by moving the clock past them.
  void Flush();

  // A new engine with other options over the same store (and the same registry).
  std::unique_ptr<Engine> MakeEngine(EngineOptions options) const;

  Engine& engine() { return *engine_; }
  storage::Tsdb& tsdb() { return *tsdb_; }
  ManualClock& clock() { return clock_; }
  MetricsRegistry& metrics() { return metrics_; }

 private:
  vigil::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<storage::Tsdb> tsdb_;
  MetricsRegistry metrics_;
  std::unique_ptr<Engine> engine_;
  uint64_t sequence_ = 0;
  int64_t newest_ms_ = 0;
};

// A result in a form tests compare easily: `name{a="1"} => 3 @ t` per point.
struct Sample {
  std::string labels;  // LabelSet::ToString(); "{}" for none
  int64_t t_ms = 0;
  double v = 0;
};

// Flattens a query result: vectors and matrices to their points (in result order),
// scalars to one sample with labels "scalar".
std::vector<Sample> Flatten(const QueryResult& result);

// Parses the labels of a test expectation, e.g. `x{a="b"}` or `{a="b"}`.
LabelSet ParseLabels(absl::string_view text);

// One expected element of an instant query's vector (labels as LabelSet::ToString
// prints them, "{}" for none; "scalar" for a scalar result).
struct Want {
  std::string labels;
  double v;
};

// Values equal as Prometheus' tests compare them: NaN equals NaN, otherwise within a
// relative 1e-12 (so hand-computed decimals like 0.1 + 0.2 pass).
bool SameValue(double want, double got);

// Runs `expr` at `t_s` seconds and checks the result: the same elements in any order
// (`ordered`: in this order).
void CheckInstant(Engine& engine, const std::string& expr, double t_s,
                  const std::vector<Want>& want, bool ordered = false);

// One row of a table-driven test: an expression, when, and the expected elements.
struct InstantCase {
  std::string expr;
  double t_s;
  std::vector<Want> want;
};
// CheckInstant for every row, against the fixture's engine.
void RunInstantCases(PromqlFixture& f, const std::vector<InstantCase>& cases);
// Runs `expr` as a range query (seconds) and checks every series' points; `want` maps
// labels to "value@t" lists in the order the engine returns (sorted by labels).
struct WantSeries {
  std::string labels;
  std::vector<std::pair<double, double>> points;  // (t seconds, value)
};
void CheckRange(Engine& engine, const std::string& expr, double start_s, double end_s,
                double step_s, const std::vector<WantSeries>& want);
// The error of a failing query: its code must be `code`; returns its message.
std::string ErrorOf(const absl::StatusOr<QueryResult>& result, absl::StatusCode code);
// ErrorOf the instant query `expr` at `t_s` seconds.
std::string QueryError(Engine& engine, const std::string& expr, double t_s, absl::StatusCode code);

}  // namespace vigil::query::testing
