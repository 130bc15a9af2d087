#include "collector/query/range_functions.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "collector/query/eval_context.h"
#include "collector/query/prom_math.h"
#include "common/status.h"

namespace vigil::query {
namespace {

// Calls fn(position in window) for each counter reset inside the window, in order.
template <typename Fn>
void ForEachReset(const RangeWindow& w, Fn fn) {
  const size_t n = w.ts.size();
  if (w.resets == nullptr) {
    for (size_t i = 1; i < n; ++i) {
      if (w.vs[i] < w.vs[i - 1]) fn(i);
    }
    return;
  }
  const size_t begin = w.first_index + 1, end = w.first_index + n;
  for (auto it = std::lower_bound(w.resets->begin(), w.resets->end(), begin);
       it != w.resets->end() && *it < end; ++it) {
    fn(*it - w.first_index);
  }
}

// Go's time.Duration.Seconds() of a whole number of milliseconds.
double DurationSeconds(int64_t ms) {
  return static_cast<double>(ms / 1000) + static_cast<double>((ms % 1000) * 1'000'000) / 1e9;
}

// Prometheus 2.x extrapolatedRate: the increase between the first and last sample
// (counter resets add the value before the reset), extrapolated to the window's edges
// when the first/last sample is within 1.1 average intervals of them, by half an
// interval otherwise, and for counters never below zero.
bool ExtrapolatedRate(const RangeWindow& w, bool is_counter, bool is_rate, double* out) {
  const size_t n = w.ts.size();
  if (n < 2) return false;
  double result = w.vs[n - 1] - w.vs[0];
  if (is_counter) ForEachReset(w, [&](size_t i) { result += w.vs[i - 1]; });
  double to_start = static_cast<double>(w.ts[0] - w.range_start_ms) / 1000;
  const double to_end = static_cast<double>(w.range_end_ms - w.ts[n - 1]) / 1000;
  const double sampled = static_cast<double>(w.ts[n - 1] - w.ts[0]) / 1000;
  const double average = sampled / static_cast<double>(n - 1);
  if (is_counter && result > 0 && w.vs[0] >= 0) {
    // Counters cannot be negative: extrapolate no further back than the zero point.
    const double to_zero = sampled * (w.vs[0] / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average / 2;
  interval += to_end < threshold ? to_end : average / 2;
  double factor = interval / sampled;
  if (is_rate) factor /= DurationSeconds(w.range_ms);
  *out = result * factor;
  return true;
}

// irate / idelta: from the last two samples.
bool InstantValue(const RangeWindow& w, bool is_rate, double* out) {
  const size_t n = w.ts.size();
  if (n < 2) return false;
  const double last = w.vs[n - 1], previous = w.vs[n - 2];
  double result = is_rate && last < previous ? last : last - previous;  // a reset: from 0
  const int64_t interval = w.ts[n - 1] - w.ts[n - 2];
  if (interval == 0) return false;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  *out = result;
  return true;
}

// Least squares over (seconds since intercept_ms, value), Kahan-summed, as Prometheus'
// linearRegression; a constant series has slope 0 (NaN if it is constantly infinite).
void LinearRegression(const RangeWindow& w, int64_t intercept_ms, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = w.vs[0];
  bool const_y = true;
  for (size_t i = 0; i < w.ts.size(); ++i) {
    const double v = w.vs[i];
    if (const_y && i > 0 && v != init_y) const_y = false;
    n += 1.0;
    const double x = static_cast<double>(w.ts[i] - intercept_ms) / 1e3;
    KahanAdd(x, &sum_x, &c_x);
    KahanAdd(v, &sum_y, &c_y);
    KahanAdd(x * v, &sum_xy, &c_xy);
    KahanAdd(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = kNaN;
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

double AvgOverTime(std::span<const double> vs) {
  double mean = 0, count = 0, c = 0;
  for (double v : vs) {
    count++;
    if (std::isinf(mean)) {
      // Inf plus anything finite, or Inf of the same sign, stays what it is (the update
      // below would make Inf - Inf = NaN).
      if (std::isinf(v) && (mean > 0) == (v > 0)) continue;
      if (!std::isinf(v) && !std::isnan(v)) continue;
    }
    KahanAdd(v / count - mean / count, &mean, &c);
  }
  return KahanTotal(mean, c);
}

double SumOverTime(std::span<const double> vs) {
  double sum = 0, c = 0;
  for (double v : vs) KahanAdd(v, &sum, &c);
  return KahanTotal(sum, c);
}

// Welford's variance with Kahan-summed mean and squares, as Prometheus.
double StdvarOverTime(std::span<const double> vs) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (double v : vs) {
    count++;
    const double delta = v - (mean + c_mean);
    KahanAdd(delta / count, &mean, &c_mean);
    KahanAdd(delta * (v - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

}  // namespace

std::vector<uint32_t> CounterResets(std::span<const double> vs) {
  std::vector<uint32_t> out;
  for (size_t i = 1; i < vs.size(); ++i) {
    if (vs[i] < vs[i - 1]) out.push_back(static_cast<uint32_t>(i));
  }
  return out;
}

bool RangeFunctionOf(absl::string_view name, RangeFunction* out) {
  static constexpr struct {
    absl::string_view name;
    RangeFunction f;
  } kFunctions[] = {
      {"rate", RangeFunction::kRate},
      {"increase", RangeFunction::kIncrease},
      {"delta", RangeFunction::kDelta},
      {"irate", RangeFunction::kIrate},
      {"idelta", RangeFunction::kIdelta},
      {"deriv", RangeFunction::kDeriv},
      {"predict_linear", RangeFunction::kPredictLinear},
      {"resets", RangeFunction::kResets},
      {"changes", RangeFunction::kChanges},
      {"avg_over_time", RangeFunction::kAvgOverTime},
      {"min_over_time", RangeFunction::kMinOverTime},
      {"max_over_time", RangeFunction::kMaxOverTime},
      {"sum_over_time", RangeFunction::kSumOverTime},
      {"count_over_time", RangeFunction::kCountOverTime},
      {"last_over_time", RangeFunction::kLastOverTime},
      {"quantile_over_time", RangeFunction::kQuantileOverTime},
      {"stddev_over_time", RangeFunction::kStddevOverTime},
      {"stdvar_over_time", RangeFunction::kStdvarOverTime},
      {"absent_over_time", RangeFunction::kAbsentOverTime},
  };
  for (const auto& entry : kFunctions) {
    if (entry.name == name) {
      *out = entry.f;
      return true;
    }
  }
  return false;
}

absl::Status EvalRangeFunction(RangeFunction f, const RangeWindow& w, double* out, bool* has) {
  *has = false;
  const size_t n = w.ts.size();
  if (n == 0) return absl::OkStatus();
  switch (f) {
    case RangeFunction::kRate:
      *has = ExtrapolatedRate(w, true, true, out);
      break;
    case RangeFunction::kIncrease:
      *has = ExtrapolatedRate(w, true, false, out);
      break;
    case RangeFunction::kDelta:
      *has = ExtrapolatedRate(w, false, false, out);
      break;
    case RangeFunction::kIrate:
      *has = InstantValue(w, true, out);
      break;
    case RangeFunction::kIdelta:
      *has = InstantValue(w, false, out);
      break;
    case RangeFunction::kDeriv: {
      if (n < 2) break;
      double slope, intercept;
      // Relative to the first sample's time, against float precision loss (as Prometheus).
      LinearRegression(w, w.ts[0], &slope, &intercept);
      *out = slope;
      *has = true;
      break;
    }
    case RangeFunction::kPredictLinear: {
      if (n < 2) break;
      double slope, intercept;
      LinearRegression(w, w.eval_ms, &slope, &intercept);
      *out = slope * w.param + intercept;
      *has = true;
      break;
    }
    case RangeFunction::kResets: {
      int resets = 0;
      ForEachReset(w, [&](size_t) { ++resets; });
      *out = resets;
      *has = true;
      break;
    }
    case RangeFunction::kChanges: {
      int changes = 0;
      for (size_t i = 1; i < n; ++i) {
        const double cur = w.vs[i], prev = w.vs[i - 1];
        if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++changes;
      }
      *out = changes;
      *has = true;
      break;
    }
    case RangeFunction::kAvgOverTime:
      *out = AvgOverTime(w.vs);
      *has = true;
      break;
    case RangeFunction::kMinOverTime: {
      double min = w.vs[0];
      for (double v : w.vs) min = KeepMin(min, v);
      *out = min;
      *has = true;
      break;
    }
    case RangeFunction::kMaxOverTime: {
      double max = w.vs[0];
      for (double v : w.vs) max = KeepMax(max, v);
      *out = max;
      *has = true;
      break;
    }
    case RangeFunction::kSumOverTime:
      *out = SumOverTime(w.vs);
      *has = true;
      break;
    case RangeFunction::kCountOverTime:
      *out = static_cast<double>(n);
      *has = true;
      break;
    case RangeFunction::kLastOverTime:
      *out = w.vs[n - 1];
      *has = true;
      break;
    case RangeFunction::kQuantileOverTime: {
      std::vector<double> values(w.vs.begin(), w.vs.end());
      *out = Quantile(w.param, &values);
      *has = true;
      break;
    }
    case RangeFunction::kStddevOverTime:
      *out = std::sqrt(StdvarOverTime(w.vs));
      *has = true;
      break;
    case RangeFunction::kStdvarOverTime:
      *out = StdvarOverTime(w.vs);
      *has = true;
      break;
    case RangeFunction::kAbsentOverTime:
      *out = 1;
      *has = true;
      break;
  }
  return absl::OkStatus();
}

}  // namespace vigil::query
