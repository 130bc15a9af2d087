#include "collector/ctl/time_flags.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/time_parse.h"

namespace vigil::ctl {

absl::StatusOr<absl::Time> TimeFlag(absl::string_view flag, absl::string_view text,
                                    absl::Time fallback) {
  if (text.empty()) return fallback;
  absl::StatusOr<absl::Time> t = ParseTimestamp(text);
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", t.status().message()));
  return t;
}

absl::StatusOr<TimeRange> RangeFlags(absl::string_view start, absl::string_view since,
                                     absl::string_view end, absl::Time now) {
  TimeRange range;
  absl::StatusOr<absl::Time> end_time = TimeFlag("--end", end, now);
  if (!end_time.ok()) return end_time.status();
  range.end = *end_time;
  if (!start.empty()) {
    absl::StatusOr<absl::Time> start_time = TimeFlag("--start", start, now);
    if (!start_time.ok()) return start_time.status();
    range.start = *start_time;
  } else if (!since.empty()) {
    absl::StatusOr<absl::Duration> ago = ParseDuration(since);
    if (!ago.ok())
      return absl::InvalidArgumentError(absl::StrCat("--since: ", ago.status().message()));
    range.start = range.end - *ago;
  } else {
    return absl::InvalidArgumentError("a range query needs --start or --since");
  }
  if (range.start > range.end) return absl::InvalidArgumentError("--start is after --end");
  return range;
}

absl::StatusOr<absl::Duration> StepFlag(absl::string_view step, const TimeRange& range) {
  if (step.empty()) {
    return std::max(absl::Seconds(1),
                    absl::Ceil((range.end - range.start) / 240, absl::Seconds(1)));
  }
  absl::StatusOr<absl::Duration> d = ParseDuration(step);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--step: ", d.status().message()));
  if (*d <= absl::ZeroDuration()) return absl::InvalidArgumentError("--step must be positive");
  return d;
}

}  // namespace vigil::ctl
