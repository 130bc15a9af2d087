#include "collector/alerts/oncall.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "collector/alerts/local_time.h"
#include "common/status.h"

namespace vigil::alerts {
namespace {

int64_t PeriodDays(const Rotation& rotation) {
  return rotation.handover == Rotation::Handover::kDaily ? 1 : 7;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The shift that contains `t`, or -1 before the first one.
int64_t ShiftIndex(const Rotation& rotation, absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return -1;
  const int64_t period = PeriodDays(rotation);
  // A first guess from local civil time, then exact by the shifts' instants (which
  // differ from the guess only around a DST change at the hand-over hour).
  const absl::CivilSecond local = rotation.tz.At(t).cs;
  const absl::CivilDay day(local - rotation.minute_of_day * 60);
  int64_t k = FloorDiv(day - rotation.start, period);
  k = std::max<int64_t>(k, -1);
  while (k >= 0 && ShiftStart(rotation, k) > t) --k;
  while (ShiftStart(rotation, k + 1) <= t) ++k;
  return k;
}

// The override covering `t` (the last listed wins), or null.
const Rotation::Override* OverrideAt(const Rotation& rotation, absl::Time t) {
  for (auto it = rotation.overrides.rbegin(); it != rotation.overrides.rend(); ++it) {
    if (it->start <= t && t < it->end) return &*it;
  }
  return nullptr;
}

const Person* FindPerson(const Rotation& rotation, absl::string_view name) {
  for (const Person& person : rotation.people) {
    if (person.name == name) return &person;
  }
  return nullptr;
}

absl::StatusOr<Person> ParsePerson(const ConfigNode& node) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"name", "phone", "email"}));
  Person person;
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &person.name));
  VIGIL_RETURN_IF_ERROR(node.GetString("phone", &person.phone));
  VIGIL_RETURN_IF_ERROR(node.GetString("email", &person.email));
  return person;
}

absl::StatusOr<Rotation> ParseRotation(const ConfigNode& node, absl::TimeZone default_tz) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys(
      {"name", "handover", "weekday", "at", "timezone", "start", "people", "overrides"}));
  Rotation rotation;
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &rotation.name));

  std::string handover;
  VIGIL_RETURN_IF_ERROR(node.RequireString("handover", &handover));
  if (handover == "daily") {
    rotation.handover = Rotation::Handover::kDaily;
  } else if (handover == "weekly") {
    rotation.handover = Rotation::Handover::kWeekly;
  } else {
    return node.Error("handover", absl::StrCat("must be daily or weekly, not \"", handover, "\""));
  }

  if (!node.Has("at")) return node.Error("at", "is required (the hand-over's local time, HH:MM)");
  VIGIL_RETURN_IF_ERROR(GetMinuteOfDay(node, "at", &rotation.minute_of_day));
  rotation.tz = default_tz;
  VIGIL_RETURN_IF_ERROR(GetZone(node, "timezone", &rotation.tz));

  std::string start;
  VIGIL_RETURN_IF_ERROR(node.RequireString("start", &start));
  if (!absl::ParseCivilTime(start, &rotation.start)) {
    return node.Error("start", absl::StrCat("must be a date YYYY-MM-DD, not \"", start, "\""));
  }
  rotation.weekday = absl::GetWeekday(rotation.start);

  if (node.Has("weekday")) {
    if (rotation.handover == Rotation::Handover::kDaily) {
      return node.Error("weekday", "is only for a weekly hand-over");
    }
    std::string text;
    VIGIL_RETURN_IF_ERROR(node.GetString("weekday", &text));
    absl::Weekday weekday;
    if (!ParseWeekday(text, &weekday)) {
      return node.Error("weekday", absl::StrCat("must be a day of the week, not \"", text, "\""));
    }
    if (weekday != rotation.weekday) {
      return node.Error("weekday", absl::StrCat("is ", WeekdayName(weekday), " but start ", start,
                                                " is a ", WeekdayName(rotation.weekday),
                                                "; the first shift starts on `start`"));
    }
  }

  if (!node.Has("people")) return node.Error("people", "is required (at least one person)");
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> people, node.Child("people").Elements());
  absl::flat_hash_set<std::string> names;
  for (const ConfigNode& element : people) {
    VIGIL_ASSIGN_OR_RETURN(Person person, ParsePerson(element));
    if (!names.insert(person.name).second) {
      return element.Error("name", absl::StrCat("\"", person.name, "\" is listed twice"));
    }
    rotation.people.push_back(std::move(person));
  }
  if (rotation.people.empty()) return node.Error("people", "must list at least one person");

  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> overrides, node.Child("overrides").Elements());
  for (const ConfigNode& element : overrides) {
    VIGIL_RETURN_IF_ERROR(element.CheckKeys({"start", "end", "person", "reason"}));
    Rotation::Override o;
    for (absl::string_view key : {"start", "end"}) {
      if (!element.Has(key)) return element.Error(key, "is required (\"YYYY-MM-DD HH:MM\")");
    }
    VIGIL_RETURN_IF_ERROR(GetLocalDateTime(element, "start", rotation.tz, &o.start));
    VIGIL_RETURN_IF_ERROR(GetLocalDateTime(element, "end", rotation.tz, &o.end));
    if (o.end <= o.start) return element.Error("end", "must be after start");
    VIGIL_RETURN_IF_ERROR(element.RequireString("person", &o.person));
    if (FindPerson(rotation, o.person) == nullptr) {
      return element.Error("person", absl::StrCat("\"", o.person, "\" is not one of rotation ",
                                                  rotation.name, "'s people"));
    }
    VIGIL_RETURN_IF_ERROR(element.GetString("reason", &o.reason));
    rotation.overrides.push_back(std::move(o));
  }
  return rotation;
}

}  // namespace

absl::StatusOr<std::vector<Rotation>> ParseRotations(const ConfigNode& oncall_sequence,
                                                     absl::TimeZone default_tz) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> elements, oncall_sequence.Elements());
  std::vector<Rotation> rotations;
  absl::flat_hash_set<std::string> names;
  for (const ConfigNode& element : elements) {
    VIGIL_ASSIGN_OR_RETURN(Rotation rotation, ParseRotation(element, default_tz));
    if (!names.insert(rotation.name).second) {
      return element.Error("name",
                           absl::StrCat("rotation \"", rotation.name, "\" is defined twice"));
    }
    rotations.push_back(std::move(rotation));
  }
  return rotations;
}

const Rotation* FindRotation(const std::vector<Rotation>& rotations, absl::string_view name) {
  for (const Rotation& rotation : rotations) {
    if (rotation.name == name) return &rotation;
  }
  return nullptr;
}

absl::Time ShiftStart(const Rotation& rotation, int64_t index) {
  const absl::CivilDay day = rotation.start + index * PeriodDays(rotation);
  return absl::FromCivil(
      absl::CivilMinute(day.year(), day.month(), day.day(), rotation.minute_of_day / 60,
                        rotation.minute_of_day % 60),
      rotation.tz);
}

Person OnDuty(const Rotation& rotation, absl::Time t, int position) {
  if (position == 0) {
    if (const Rotation::Override* o = OverrideAt(rotation, t)) {
      if (const Person* person = FindPerson(rotation, o->person)) return *person;
    }
  }
  const int64_t k = ShiftIndex(rotation, t);
  if (k < 0 || rotation.people.empty() || position < 0) return Person{};
  const int64_t n = static_cast<int64_t>(rotation.people.size());
  return rotation.people[static_cast<size_t>((k + position) % n)];
}

std::vector<Shift> Schedule(const Rotation& rotation, absl::Time from, absl::Time to) {
  std::vector<Shift> shifts;
  if (from >= to || rotation.people.empty()) return shifts;
  // Every instant in [from, to) where the primary may change.
  std::vector<absl::Time> points = {from, to};
  constexpr int64_t kMaxShifts = 100000;  // a bound for absurd ranges
  for (int64_t k = std::max<int64_t>(ShiftIndex(rotation, from) + 1, 0), n = 0; n < kMaxShifts;
       ++k, ++n) {
    const absl::Time start = ShiftStart(rotation, k);
    if (start >= to) break;
    points.push_back(start);
  }
  for (const Rotation::Override& o : rotation.overrides) {
    for (absl::Time t : {o.start, o.end}) {
      if (from < t && t < to) points.push_back(t);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const absl::Time a = points[i];
    const absl::Time b = points[i + 1];
    Shift shift{a, b, "", false, ""};
    if (const Rotation::Override* o = OverrideAt(rotation, a)) {
      shift.person = o->person;
      shift.override = true;
      shift.reason = o->reason;
    } else {
      const int64_t k = ShiftIndex(rotation, a);
      if (k < 0) continue;
      shift.person =
          rotation.people[static_cast<size_t>(k % static_cast<int64_t>(rotation.people.size()))]
              .name;
    }
    if (!shifts.empty()) {
      Shift& last = shifts.back();
      if (last.end == a && last.person == shift.person && last.override == shift.override &&
          last.reason == shift.reason) {
        last.end = b;
        continue;
      }
    }
    shifts.push_back(std::move(shift));
  }
  return shifts;
}

}  // namespace vigil::alerts
