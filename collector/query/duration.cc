// ParseDurationMs and FormatDurationMs (declared in parser.h): PromQL's duration syntax,
// as Prometheus' model.ParseDuration and model.Duration.String.
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "collector/query/parser.h"

namespace vigil::query {
namespace {

struct DurationUnit {
  absl::string_view name;
  int64_t ms;
};
// Biggest first: a duration writes its units in this order, each at most once.
constexpr DurationUnit kUnits[] = {
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
};

// Prometheus keeps durations in nanoseconds in an int64: about 292 years.
constexpr int64_t kMaxDurationMs = INT64_MAX / 1'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  if (text == "0") return 0;
  const auto invalid = [&]() {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a valid duration \"", text, "\" (write it like 5m, 1h30m, 100ms, 2d, 1w or 1y)"));
  };
  int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits of the smallest unit still allowed
  absl::string_view rest = text;
  while (!rest.empty()) {
    size_t i = 0;
    while (i < rest.size() && IsDigit(rest[i])) ++i;
    if (i == 0) return invalid();
    int64_t value = 0;
    for (size_t j = 0; j < i; ++j) {
      if (value > (kMaxDurationMs - (rest[j] - '0')) / 10) {
        return absl::InvalidArgumentError(absl::StrCat("duration \"", text, "\" is out of range"));
      }
      value = value * 10 + (rest[j] - '0');
    }
    rest.remove_prefix(i);
    size_t u = 0;
    while (u < rest.size() && !IsDigit(rest[u])) ++u;
    const absl::string_view unit_name = rest.substr(0, u);
    rest.remove_prefix(u);
    size_t unit = 0;
    while (unit < std::size(kUnits) && kUnits[unit].name != unit_name) ++unit;
    if (unit == std::size(kUnits)) {
      if (unit_name.empty()) return invalid();
      return absl::InvalidArgumentError(
          absl::StrCat("unknown unit \"", unit_name, "\" in duration \"", text, "\""));
    }
    if (unit < next_unit) return invalid();
    next_unit = unit + 1;
    if (value > (kMaxDurationMs - total) / kUnits[unit].ms) {
      return absl::InvalidArgumentError(absl::StrCat("duration \"", text, "\" is out of range"));
    }
    total += value * kUnits[unit].ms;
  }
  return total;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out.push_back('-');
    rest = 0 - rest;
  }
  for (const DurationUnit& unit : kUnits) {
    const uint64_t size = static_cast<uint64_t>(unit.ms);
    // Years and weeks only when they divide the rest exactly: 90d reads better than 12w6d.
    if ((unit.name == "y" || unit.name == "w") && rest % size != 0) continue;
    if (rest >= size) {
      absl::StrAppend(&out, rest / size, unit.name);
      rest %= size;
    }
  }
  return out;
}

}  // namespace vigil::query
