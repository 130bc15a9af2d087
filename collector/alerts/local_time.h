// Wall-clock values as people write them in the alerting configuration: time zones
// ("Asia/Shanghai", "Local"), weekdays ("monday"), times of day ("09:00") and local
// date-times ("2026-10-01 09:00"). Shared by on-call rotations and maintenance windows,
// which both live in local time so that a hand-over stays at 09:00 across DST changes.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/config_node.h"

namespace vigil::alerts {

// An IANA zone name from the system's tzdata, or "Local" for the machine's zone.
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

// "monday" .. "sunday" (also "mon" .. "sun"), case-insensitive.
bool ParseWeekday(absl::string_view text, absl::Weekday* weekday);
absl::string_view WeekdayName(absl::Weekday weekday);  // "monday"

// "HH:MM" (24-hour) -> minutes after midnight.
bool ParseMinuteOfDay(absl::string_view text, int* minute_of_day);

// "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD" (midnight) in `tz`, or an
// RFC 3339 instant with its own offset. A local time skipped by a DST change is read
// with the offset before the change, as absl does.
bool ParseLocalDateTime(absl::string_view text, absl::TimeZone tz, absl::Time* out);

// Config getters in ConfigNode's style: absent keys leave `*out` unchanged; errors name
// the file, line and key.
absl::Status GetZone(const ConfigNode& node, absl::string_view key, absl::TimeZone* out);
absl::Status GetMinuteOfDay(const ConfigNode& node, absl::string_view key, int* out);
absl::Status GetLocalDateTime(const ConfigNode& node, absl::string_view key, absl::TimeZone tz,
                              absl::Time* out);

}  // namespace vigil::alerts
