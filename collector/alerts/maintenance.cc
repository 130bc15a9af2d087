#include "collector/alerts/maintenance.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "collector/alerts/alert_matchers.h"
#include "collector/alerts/local_time.h"
#include "common/status.h"

namespace vigil::alerts {
namespace {

// Recurring windows last at most a week, so occurrences that started more than this
// many days before an instant cannot contain it.
constexpr int kMaxDurationDays = 7;

bool StartsOn(const MaintenanceWindow& window, absl::CivilDay day) {
  if (window.recurrence == MaintenanceWindow::Recurrence::kDaily) return true;
  const absl::Weekday weekday = absl::GetWeekday(day);
  return std::find(window.weekdays.begin(), window.weekdays.end(), weekday) !=
         window.weekdays.end();
}

absl::Time OccurrenceStart(const MaintenanceWindow& window, absl::CivilDay day) {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(),
                                           window.start_minute / 60, window.start_minute % 60),
                         window.tz);
}

// Calls visit(start, end) for the occurrences that start on local days in
// [day(t) - before_days, day(t) + after_days].
template <typename Visit>
void ForOccurrencesAround(const MaintenanceWindow& window, absl::Time t, int before_days,
                          int after_days, Visit visit) {
  if (window.recurrence == MaintenanceWindow::Recurrence::kOnce) {
    visit(window.once_start, window.once_end);
    return;
  }
  const absl::CivilDay today(window.tz.At(t).cs);
  for (absl::CivilDay day = today - before_days; day <= today + after_days; ++day) {
    if (!StartsOn(window, day)) continue;
    const absl::Time start = OccurrenceStart(window, day);
    visit(start, start + window.duration);
  }
}

absl::StatusOr<MaintenanceWindow> ParseWindow(const ConfigNode& node, absl::TimeZone default_tz) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"name", "matchers", "weekdays", "every", "start", "end",
                                        "duration", "timezone", "comment"}));
  MaintenanceWindow window;
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &window.name));
  VIGIL_RETURN_IF_ERROR(node.GetString("matchers", &window.matchers_text));
  if (node.Has("matchers")) {
    absl::StatusOr<std::vector<storage::LabelMatcher>> matchers =
        ParseAlertMatchers(window.matchers_text);
    if (!matchers.ok()) return node.Error("matchers", matchers.status().message());
    window.matchers = *std::move(matchers);
  }
  window.tz = default_tz;
  VIGIL_RETURN_IF_ERROR(GetZone(node, "timezone", &window.tz));
  VIGIL_RETURN_IF_ERROR(node.GetString("comment", &window.comment));

  const bool has_weekdays = node.Has("weekdays");
  const bool has_every = node.Has("every");
  if (has_weekdays && has_every) {
    return node.Error("every", "give either weekdays or every, not both");
  }
  if (!node.Has("start")) {
    return node.Error("start", has_weekdays || has_every
                                   ? "is required (the local start time, HH:MM)"
                                   : "is required (\"YYYY-MM-DD HH:MM\" for a one-off window, "
                                     "or HH:MM with weekdays or every: day)");
  }

  if (has_weekdays || has_every) {
    if (has_every) {
      std::string every;
      VIGIL_RETURN_IF_ERROR(node.GetString("every", &every));
      if (every != "day")
        return node.Error("every", absl::StrCat("must be day, not \"", every, "\""));
      window.recurrence = MaintenanceWindow::Recurrence::kDaily;
    } else {
      window.recurrence = MaintenanceWindow::Recurrence::kWeekly;
      std::vector<std::string> days;
      VIGIL_RETURN_IF_ERROR(node.GetStringList("weekdays", &days));
      if (days.empty()) return node.Error("weekdays", "must list at least one day");
      for (const std::string& text : days) {
        absl::Weekday weekday;
        if (!ParseWeekday(text, &weekday)) {
          return node.Error("weekdays", absl::StrCat("\"", text, "\" is not a day of the week"));
        }
        window.weekdays.push_back(weekday);
      }
    }
    if (node.Has("end")) {
      return node.Error("end", "is for a one-off window; a recurring one takes a duration");
    }
    VIGIL_RETURN_IF_ERROR(GetMinuteOfDay(node, "start", &window.start_minute));
    if (!node.Has("duration")) return node.Error("duration", "is required (e.g. 2h)");
    VIGIL_RETURN_IF_ERROR(node.GetDuration("duration", &window.duration));
    if (window.duration <= absl::ZeroDuration() ||
        window.duration > absl::Hours(24 * kMaxDurationDays)) {
      return node.Error("duration", "must be more than 0 and at most 7d");
    }
    return window;
  }

  // One-off: start and end (or duration) as local date-times.
  window.recurrence = MaintenanceWindow::Recurrence::kOnce;
  VIGIL_RETURN_IF_ERROR(GetLocalDateTime(node, "start", window.tz, &window.once_start));
  if (node.Has("end") == node.Has("duration")) {
    return node.Error("end", "a one-off window takes either end or duration");
  }
  if (node.Has("end")) {
    VIGIL_RETURN_IF_ERROR(GetLocalDateTime(node, "end", window.tz, &window.once_end));
    if (window.once_end <= window.once_start) return node.Error("end", "must be after start");
  } else {
    VIGIL_RETURN_IF_ERROR(node.GetDuration("duration", &window.duration));
    if (window.duration <= absl::ZeroDuration())
      return node.Error("duration", "must be more than 0");
    window.once_end = window.once_start + window.duration;
  }
  window.duration = window.once_end - window.once_start;
  return window;
}

}  // namespace

bool MaintenanceWindow::Matches(const LabelSet& labels) const {
  return MatchesAll(matchers, labels);
}

bool MaintenanceWindow::ActiveAt(absl::Time t, absl::Time* end) const {
  bool active = false;
  absl::Time latest_end = absl::InfinitePast();
  ForOccurrencesAround(*this, t, kMaxDurationDays + 1, 0, [&](absl::Time s, absl::Time e) {
    if (s <= t && t < e) {
      active = true;
      latest_end = std::max(latest_end, e);
    }
  });
  if (active && end != nullptr) *end = latest_end;
  return active;
}

absl::StatusOr<std::vector<MaintenanceWindow>> ParseMaintenanceWindows(
    const ConfigNode& windows_sequence, absl::TimeZone default_tz) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> elements, windows_sequence.Elements());
  std::vector<MaintenanceWindow> windows;
  absl::flat_hash_set<std::string> names;
  for (const ConfigNode& element : elements) {
    VIGIL_ASSIGN_OR_RETURN(MaintenanceWindow window, ParseWindow(element, default_tz));
    if (!names.insert(window.name).second) {
      return element.Error(
          "name", absl::StrCat("maintenance window \"", window.name, "\" is defined twice"));
    }
    windows.push_back(std::move(window));
  }
  return windows;
}

const MaintenanceWindow* ActiveWindow(const std::vector<MaintenanceWindow>& windows,
                                      const LabelSet& alert_labels, absl::Time t) {
  for (const MaintenanceWindow& window : windows) {
    if (window.ActiveAt(t) && window.Matches(alert_labels)) return &window;
  }
  return nullptr;
}

absl::Time NextChange(const std::vector<MaintenanceWindow>& windows, absl::Time t) {
  absl::Time next = absl::InfiniteFuture();
  for (const MaintenanceWindow& window : windows) {
    // Any occurrence that ends after t started at most a week before; the next start
    // is at most a week (and a DST day) away.
    ForOccurrencesAround(window, t, kMaxDurationDays + 1, kMaxDurationDays + 1,
                         [&](absl::Time s, absl::Time e) {
                           if (s > t) next = std::min(next, s);
                           if (e > t) next = std::min(next, e);
                         });
  }
  return next;
}

}  // namespace vigil::alerts
