#include "collector/api/prom_params.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/query/parser.h"
#include "common/time_parse.h"

namespace vigil::api {

absl::StatusOr<int64_t> ParseTimeParam(absl::string_view text) {
  double seconds = 0;
  // Years beyond 292 million overflow int64 milliseconds; Prometheus' own min/max
  // times are far inside that.
  if (absl::SimpleAtod(text, &seconds)) {
    if (std::isfinite(seconds) && std::fabs(seconds) < 9.2e15) {
      // As Prometheus: whole seconds, plus the fraction rounded to milliseconds.
      double whole = 0;
      const double fraction = std::modf(seconds, &whole);
      return static_cast<int64_t>(whole) * 1000 + std::llround(fraction * 1000);
    }
  } else if (absl::StatusOr<absl::Time> t = ParseTimestamp(text); t.ok()) {
    return absl::ToUnixMillis(*t);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cannot parse \"", text, "\" to a valid timestamp"));
}

absl::StatusOr<int64_t> ParseDurationParam(absl::string_view text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    if (!std::isfinite(seconds) || std::fabs(seconds) >= 9.2e15) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot parse \"", text, "\" to a valid duration. It overflows int64"));
    }
    return static_cast<int64_t>(std::llround(seconds * 1000));
  }
  // PromQL's duration syntax (the same as in a query: 1y, 1w, 1d, 1h30m, 100ms).
  absl::StatusOr<int64_t> ms = query::ParseDurationMs(text);
  if (!ms.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse \"", text, "\" to a valid duration"));
  }
  return ms;
}

absl::Status InvalidParameter(absl::string_view name, const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid parameter \"", name, "\": ", status.message()));
}

}  // namespace vigil::api
