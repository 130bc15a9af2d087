#include "common/time_parse.h"

#include <cctype>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vigil {

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  if (text == "0") return absl::ZeroDuration();
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  absl::Duration total = absl::ZeroDuration();
  absl::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid duration \"", text, "\": expected a number like 30s, 5m, 1h, 7d"));
    }
    double number = 0;
    if (!absl::SimpleAtod(rest.substr(0, digits), &number)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid duration \"", text, "\""));
    }
    rest.remove_prefix(digits);
    size_t unit_len = 0;
    while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len]))) {
      ++unit_len;
    }
    const absl::string_view unit = rest.substr(0, unit_len);
    rest.remove_prefix(unit_len);
    absl::Duration scale;
    if (unit == "ms")
      scale = absl::Milliseconds(1);
    else if (unit == "s")
      scale = absl::Seconds(1);
    else if (unit == "m")
      scale = absl::Minutes(1);
    else if (unit == "h")
      scale = absl::Hours(1);
    else if (unit == "d")
      scale = absl::Hours(24);
    else if (unit == "w")
      scale = absl::Hours(24 * 7);
    else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid duration \"", text, "\": unit must be one of ms, s, m, h, d, w"));
    }
    total += number * scale;
  }
  return total;
}

absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds)) {
    return absl::FromUnixMillis(static_cast<int64_t>(std::llround(seconds * 1000)));
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid time \"", text, "\": expected Unix seconds or RFC 3339 (2026-11-23T20:00:00Z)"));
}

std::string FormatTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string FormatDuration(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace vigil
