#include "common/sample_value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vigil {

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The shortest digits that read back as `value`, as Go's strconv.FormatFloat(v, f, -1)
  // chooses them; Prometheus prints 'f' form, or 'e' form below 1e-6 and from 1e21 on.
  char buf[64];
  const std::to_chars_result sci =
      std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  const std::string text(buf, sci.ptr);  // "-1.2345e+07"
  const double magnitude = std::fabs(value);
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) return text;

  const size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  const bool negative = text[0] == '-';
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i) {
    if (text[i] != '.') digits += text[i];
  }
  // value = 0.d1d2d3... * 10^(exponent + 1)
  const int point = exponent + 1;  // digits before the decimal point
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point));
    out += '.';
    out += digits.substr(static_cast<size_t>(point));
  }
  if (out == "-0") return "-0";
  return out;
}

}  // namespace vigil
