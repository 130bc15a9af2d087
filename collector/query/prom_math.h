// Floating-point helpers with the exact semantics of the Go functions Prometheus uses
// (math.Max/Min special cases, Kahan-Neumaier summation, Log2/Log10 formulas), so that
// Vigil's answers match Prometheus' bit for bit where the operations are the same.
//
// Stateless; thread-safe.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/storage/double_bytes.h"

namespace vigil::query {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

using storage::IsStaleMarker;
using storage::kStaleMarkerBits;

// Go's math.Max: +Inf wins over NaN; max(+0, -0) = +0.
inline double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// Go's math.Min: -Inf wins over NaN; min(+0, -0) = -0.
inline double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// Prometheus' kahanSumInc (Neumaier's variant): adds `inc` to (sum, c).
inline void KahanAdd(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

// The total of a Kahan sum (sum, c): an infinite sum as it is (adding c would turn
// Inf into NaN).
inline double KahanTotal(double sum, double c) { return std::isinf(sum) ? sum : sum + c; }

// One step of Prometheus' max_over_time and max aggregation (min): `v` replaces `kept` if greater
// (smaller) or if `kept` is NaN, so NaN wins only if every value is NaN, and the first of
// equal values is kept.
inline double KeepMax(double kept, double v) { return v > kept || std::isnan(kept) ? v : kept; }
inline double KeepMin(double kept, double v) { return v < kept || std::isnan(kept) ? v : kept; }

// Go's math.Pow: special cases as C's pow, but integer powers by repeated squaring of
// the mantissa (so x^3 rounds as Go rounds it, not as glibc's correctly rounded pow).
double GoPow(double x, double y);

// Go's math.Log2 and math.Log10 formulas.
double GoLog2(double x);
double GoLog10(double x);

// Go's int64(f) on amd64: truncation, and the "integer indefinite" value for NaN and
// out-of-range values.
int64_t GoFloatToInt64(double f);

// Prometheus' quantile() (the aggregation and quantile_over_time): no values or a NaN q
// is NaN, q < 0 is -Inf, q > 1 +Inf, otherwise linear interpolation between the closest
// ranks after sorting `values` as Go's sort.Sort does with NaN "less" than everything.
double Quantile(double q, std::vector<double>* values);

// Go's %v of a float64 (fmt's 'g' with the shortest digits: 1e+06, 0.5, NaN, +Inf), for
// messages worded as Prometheus words them.
std::string GoFormatFloat(double v);

}  // namespace vigil::query
