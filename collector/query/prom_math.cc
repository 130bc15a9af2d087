#include "collector/query/prom_math.h"

#include <bit>
#include <charconv>

#include "collector/query/go_sort.h"

namespace vigil::query {
namespace {

// Go folds 1/Ln2 and 1/Ln10 exactly at compile time; these are those values rounded once.
constexpr double kInvLn2 = 1.44269504088896340735992468100189213742664595415298593;
constexpr double kInvLn10 = 0.434294481903251827651128918916605082294397005803666566;

}  // namespace

namespace {

bool IsOddInt(double x) {
  if (std::fabs(x) >= 9007199254740992.0) return false;  // 2^53: all even
  double xi;
  const double xf = std::modf(x, &xi);
  return xf == 0 && (static_cast<int64_t>(xi) & 1) == 1;
}

}  // namespace

double GoPow(double x, double y) {
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0) {
    if (y < 0) return std::signbit(x) && IsOddInt(y) ? -kInf : kInf;
    if (y > 0) return std::signbit(x) && IsOddInt(y) ? x : 0;
  }
  if (std::isinf(y)) {
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return kInf;
  }
  if (std::isinf(x)) {
    if (x < 0) return GoPow(1 / x, -y);  // Pow(-0, -y)
    if (y < 0) return 0;
    if (y > 0) return kInf;
  }
  if (y == 0.5) return std::sqrt(x);
  if (y == -0.5) return 1 / std::sqrt(x);

  double yi;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return kNaN;
  if (yi >= 9223372036854775808.0) {  // 2^63: overflow or underflow but for x == -1
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return kInf;
  }
  double a1 = 1.0;
  int ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = std::exp(yf * std::log(x));
  }
  int xe = 0;
  double x1 = std::frexp(x, &xe);
  for (int64_t i = static_cast<int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      ae += xe;  // catastrophic overflow: ldexp decides
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < .5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return std::ldexp(a1, ae);
}

double GoLog2(double x) {
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  // Go: exact for powers of two.
  if (frac == 0.5) return static_cast<double>(exp - 1);
  return std::log(frac) * kInvLn2 + static_cast<double>(exp);
}

double GoLog10(double x) { return std::log(x) * kInvLn10; }

int64_t GoFloatToInt64(double f) {
  // cvttsd2si yields INT64_MIN for NaN and anything outside the int64 range.
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(f);
}

double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::vector<double>& v = *values;
  gosort::Sort(
      static_cast<int>(v.size()), [&](int i, int j) { return std::isnan(v[i]) || v[i] < v[j]; },
      [&](int i, int j) { std::swap(v[i], v[j]); });
  const double n = static_cast<double>(v.size());
  const double rank = q * (n - 1);
  const double lower = GoMax(0, std::floor(rank));
  const double upper = GoMin(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return v[static_cast<size_t>(lower)] * (1 - weight) + v[static_cast<size_t>(upper)] * weight;
}

std::string GoFormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Go's 'g' with the shortest digits: exponent form below 1e-4 and from 1e6 (precision 6
  // decides for shortest), with at least two exponent digits, as C++'s to_chars writes.
  const double magnitude = std::fabs(v);
  const bool exponent = magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e6);
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), v,
                    exponent ? std::chars_format::scientific : std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

}  // namespace vigil::query
