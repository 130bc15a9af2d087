#include "common/sample_value.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace vigil {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double Parse(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  REQUIRE(end == text.c_str() + text.size());
  return v;
}

// Significant digits of a decimal rendering ("1.50e+02" -> 2, "100" -> 1, "0.001" -> 1).
int SignificantDigits(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c == 'e' || c == 'E') break;
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

// The shortest round-trip digits from the standard library (scientific, so that large
// integers are not printed with all their exact digits), for comparison.
std::string ShortestReference(double v) {
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  REQUIRE(r.ec == std::errc());
  return std::string(buf, r.ptr);
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }

TEST_CASE("FormatSampleValue renders special values as Prometheus does") {
  CHECK(FormatSampleValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(FormatSampleValue(-std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(FormatSampleValue(std::numeric_limits<double>::signaling_NaN()) == "NaN");
  CHECK(FormatSampleValue(kInf) == "+Inf");
  CHECK(FormatSampleValue(-kInf) == "-Inf");
}

TEST_CASE("FormatSampleValue renders zero and negative zero") {
  CHECK(FormatSampleValue(0.0) == "0");
  // -0 keeps its sign, as Go's strconv.FormatFloat (and so Prometheus) prints it; it reads
  // back as -0.0, which compares equal to 0 but keeps the sign bit.
  CHECK(FormatSampleValue(-0.0) == "-0");
  CHECK(std::signbit(Parse(FormatSampleValue(-0.0))));
}

TEST_CASE("FormatSampleValue renders ordinary values exactly") {
  struct Case {
    double value;
    const char* want;
  };
  const std::vector<Case> cases = {
      {1, "1"},
      {-1, "-1"},
      {2, "2"},
      {42, "42"},
      {0.1, "0.1"},
      {0.5, "0.5"},
      {-2.5, "-2.5"},
      {0.3, "0.3"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1.0 / 3, "0.3333333333333333"},
      {0.001, "0.001"},
      {123.456, "123.456"},
      {12345678, "12345678"},
      {1795466815.123, "1795466815.123"},
      {9007199254740993.0, "9007199254740992"},  // 2^53 + 1 is not a double
      {9007199254740992.0, "9007199254740992"},  // 2^53
      {9007199254740991.0, "9007199254740991"},  // 2^53 - 1
      {4503599627370497.0, "4503599627370497"},
      {1e-300, "1e-300"},
      {-1e-300, "-1e-300"},
      {1.5e-7, "1.5e-07"},
      {std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
      {std::numeric_limits<double>::denorm_min(), "5e-324"},
  };
  for (const Case& c : cases) {
    INFO(c.want);
    CHECK(FormatSampleValue(c.value) == c.want);
  }
}

TEST_CASE("FormatSampleValue round trips integers up to 2^53 digit for digit") {
  // Integers print as themselves.
  std::mt19937_64 rng(53);
  for (int i = 0; i < 2000; ++i) {
    int64_t n = static_cast<int64_t>(rng() % (uint64_t{1} << 53)) + 1;
    const double v = static_cast<double>(n);
    INFO(n);
    const std::string text = FormatSampleValue(v);
    CHECK(text == std::to_string(n));
    CHECK(Parse(text) == v);
  }
}

TEST_CASE("FormatSampleValue is the shortest rendering that reads back the same double") {
  std::mt19937_64 rng(20261123);
  std::uniform_real_distribution<double> unit(-1e6, 1e6);
  std::vector<double> values;
  for (int i = 0; i < 5000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (std::isfinite(v)) values.push_back(v);
    values.push_back(unit(rng));
    values.push_back(std::round(unit(rng) * 1000) / 1000);  // typical gauge values
  }
  for (double v : values) {
    const std::string text = FormatSampleValue(v);
    INFO(text << " (reference " << ShortestReference(v) << ")");
    const double back = Parse(text);
    CHECK(SameBits(back, v));
    CHECK(SignificantDigits(text) == SignificantDigits(ShortestReference(v)));
  }
}

// Regression: "%g" printed round numbers in exponent form ("1e+02" for 100). Prometheus
// prints strconv.FormatFloat(v, 'f', -1, 64), with an exponent only below 1e-6 or from 1e21.
TEST_CASE("FormatSampleValue prints round numbers in plain decimal like Prometheus") {
  struct Case {
    double value;
    const char* want;
  };
  const std::vector<Case> cases = {
      {10, "10"},
      {100, "100"},
      {-100, "-100"},
      {1000, "1000"},
      {1e6, "1000000"},
      {8589934592.0 * 2, "17179869184"},  // fine either way: no trailing zero
      {1500, "1500"},
      {1e15, "1000000000000000"},
      {9007199254740990.0, "9007199254740990"},
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {0.00001, "0.00001"},
      {0.000001, "0.000001"},
      {1e-7, "1e-07"},
  };
  for (const Case& c : cases) {
    INFO(c.want);
    CHECK(FormatSampleValue(c.value) == c.want);
  }
}

}  // namespace
}  // namespace vigil
