// On-call rotations: who is on duty at a given instant, and the schedule over a range
// (`vigilctl oncall`). A rotation hands over daily or weekly at a local time of day in
// its own time zone, so the hand-over stays at 09:00 local across DST changes. Shifts
// are numbered from `start`: shift k begins at `start` + k days (daily) or weeks
// (weekly) at `minute_of_day`, and belongs to people[k % people.size()].
// Overrides (holidays, swaps) replace the primary only; where overrides overlap, the
// one listed later wins.
//
// Value types and pure functions of their arguments (time comes from the caller);
// thread-safe for concurrent readers.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/config_node.h"

namespace vigil::alerts {

struct Person {
  std::string name;
  std::string phone;  // "" = none
  std::string email;  // "" = none
};

struct Rotation {
  enum class Handover { kDaily, kWeekly };
  struct Override {
    absl::Time start;    // inclusive
    absl::Time end;      // exclusive
    std::string person;  // one of `people` by name
    std::string reason;
  };

  std::string name;
  std::vector<Person> people;  // never empty once parsed
  Handover handover = Handover::kWeekly;
  absl::Weekday weekday = absl::Weekday::monday;  // weekly: the day of `start`
  int minute_of_day = 9 * 60;                     // the hand-over's local time
  absl::TimeZone tz;
  absl::CivilDay start;             // the first shift starts on this day, with people[0]
  std::vector<Override> overrides;  // in config order
};

// The `oncall:` list of the alerting section. `default_tz` is alerting.timezone.
// Errors name the file, line and key: unknown keys, a weekday that is not `start`'s,
// an override's person who is not in the rotation, duplicate names.
absl::StatusOr<std::vector<Rotation>> ParseRotations(const ConfigNode& oncall_sequence,
                                                     absl::TimeZone default_tz);

// The rotation by name, or null.
const Rotation* FindRotation(const std::vector<Rotation>& rotations, absl::string_view name);

// Who is on duty at `t`: position 0 is the primary (an override replaces them),
// position 1 the secondary (the next person in the rotation after the scheduled
// primary), and so on. Before the rotation's first shift (and at an infinite time)
// nobody is: the Person returned then has an empty name (an override still applies).
Person OnDuty(const Rotation& rotation, absl::Time t, int position = 0);

// A stretch of time with one primary on duty.
struct Shift {
  absl::Time start;
  absl::Time end;
  std::string person;
  bool override = false;
  std::string reason;  // the override's reason
};

// The primary's shifts that overlap [from, to), clipped to it, in time order; adjacent
// stretches with the same person and cause are merged. Time before the first shift is
// left out.
std::vector<Shift> Schedule(const Rotation& rotation, absl::Time from, absl::Time to);

// The instant shift `index` begins (index 0 = the first shift).
absl::Time ShiftStart(const Rotation& rotation, int64_t index);

}  // namespace vigil::alerts
