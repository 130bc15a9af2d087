// The functions of a range vector, each over the samples of one series in one window,
// with Prometheus 2.x's arithmetic: rate/increase/delta (extrapolatedRate), irate,
// idelta, deriv, predict_linear, resets, changes, the *_over_time family,
// quantile_over_time.
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::query {

enum class RangeFunction {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kSumOverTime,
  kCountOverTime,
  kLastOverTime,
  kQuantileOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kAbsentOverTime,
};

// False if `name` is not a function of a range vector.
bool RangeFunctionOf(absl::string_view name, RangeFunction* out);

// One series' samples in one window (not empty; staleness markers already dropped).
struct RangeWindow {
  std::span<const int64_t> ts;
  std::span<const double> vs;
  int64_t range_start_ms = 0;  // t - offset - range
  int64_t range_end_ms = 0;    // t - offset
  int64_t eval_ms = 0;         // t
  int64_t range_ms = 0;
  // The function's scalar argument at this step: predict_linear's duration,
  // quantile_over_time's quantile.
  double param = 0;
  // Optional, for rate, increase and resets: the positions p in the series' sample
  // array where a counter reset happens (value[p] < value[p - 1]), ascending, and the
  // window's first position in that array, so that a window is not scanned for resets.
  const std::vector<uint32_t>* resets = nullptr;
  size_t first_index = 0;
};

// The counter resets of a series' samples (see RangeWindow::resets).
std::vector<uint32_t> CounterResets(std::span<const double> vs);

// The function's value for the window; *has is false when it has none (e.g. rate of a
// single sample). Fails only on a NaN quantile (as Prometheus).
absl::Status EvalRangeFunction(RangeFunction f, const RangeWindow& w, double* out, bool* has);

}  // namespace vigil::query
