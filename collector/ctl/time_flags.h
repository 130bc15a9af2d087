// The time flags of `vigilctl samples` and `vigilctl query`: --at, --start and --end
// (Unix seconds or RFC 3339), --since (a duration back from the end), --step. Pure:
// the caller passes `now`, so they are tested without a clock or a server.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil::ctl {

struct TimeRange {
  absl::Time start;
  absl::Time end;
};

// The time `text` names, or `fallback` when it is empty. Errors start with `flag`
// ("--end: ...").
absl::StatusOr<absl::Time> TimeFlag(absl::string_view flag, absl::string_view text,
                                    absl::Time fallback);

// --end (default `now`), and --start or else --since back from the end. Refuses a range
// with neither --start nor --since, and one that starts after it ends.
absl::StatusOr<TimeRange> RangeFlags(absl::string_view start, absl::string_view since,
                                     absl::string_view end, absl::Time now);

// --step, a positive duration; by default the range / 240, at least 1s.
absl::StatusOr<absl::Duration> StepFlag(absl::string_view step, const TimeRange& range);

}  // namespace vigil::ctl
