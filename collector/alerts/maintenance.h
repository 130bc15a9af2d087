// Maintenance windows: planned work (a nightly RMAN backup, a patch night) during
// which matching alerts are recorded but not notified. A window recurs on chosen
// weekdays or every day at a local start time for a duration (which may cross
// midnight), or happens once between two local date-times. Occurrences are half-open:
// [start, start + duration).
//
// Value types and pure functions (time comes from the caller); thread-safe for
// concurrent readers.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/storage/label_matcher.h"
#include "common/config_node.h"
#include "common/labels.h"

namespace vigil::alerts {

struct MaintenanceWindow {
  enum class Recurrence { kOnce, kDaily, kWeekly };

  std::string name;
  std::vector<storage::LabelMatcher> matchers;  // empty: every alert
  std::string matchers_text;                    // as written; "" when absent
  Recurrence recurrence = Recurrence::kWeekly;
  std::vector<absl::Weekday> weekdays;  // kWeekly: the days an occurrence starts on
  int start_minute = 0;                 // kDaily, kWeekly: local start time of day
  absl::Duration duration;              // kDaily, kWeekly
  absl::Time once_start;                // kOnce
  absl::Time once_end;                  // kOnce
  absl::TimeZone tz;
  std::string comment;

  // True if `labels` match the window's matchers.
  bool Matches(const LabelSet& labels) const;
  // True if an occurrence contains `t`; if so and `end` is not null, sets `*end` to
  // when the latest-ending such occurrence ends.
  bool ActiveAt(absl::Time t, absl::Time* end = nullptr) const;
};

// The `maintenance_windows:` list of the alerting section. `default_tz` is
// alerting.timezone. Errors name the file, line and key.
absl::StatusOr<std::vector<MaintenanceWindow>> ParseMaintenanceWindows(
    const ConfigNode& windows_sequence, absl::TimeZone default_tz);

// The first window (in config order) that is active at `t` and matches the alert's
// labels, or null.
const MaintenanceWindow* ActiveWindow(const std::vector<MaintenanceWindow>& windows,
                                      const LabelSet& alert_labels, absl::Time t);

// The first instant after `t` at which some window starts or ends (whatever the
// labels), so that a caller can re-check its alerts then; InfiniteFuture() if none.
absl::Time NextChange(const std::vector<MaintenanceWindow>& windows, absl::Time t);

}  // namespace vigil::alerts
