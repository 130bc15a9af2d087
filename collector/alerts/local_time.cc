#include "collector/alerts/local_time.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/time_parse.h"

namespace vigil::alerts {
namespace {

struct WeekdayEntry {
  absl::Weekday weekday;
  absl::string_view name;
};
constexpr WeekdayEntry kWeekdays[] = {
    {absl::Weekday::monday, "monday"},       {absl::Weekday::tuesday, "tuesday"},
    {absl::Weekday::wednesday, "wednesday"}, {absl::Weekday::thursday, "thursday"},
    {absl::Weekday::friday, "friday"},       {absl::Weekday::saturday, "saturday"},
    {absl::Weekday::sunday, "sunday"},
};

}  // namespace

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  if (name == "Local") return absl::LocalTimeZone();
  absl::TimeZone tz;
  if (name.empty() || !absl::LoadTimeZone(name, &tz)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone \"", name,
                     "\" (an IANA name such as Asia/Shanghai or Europe/Berlin, or Local)"));
  }
  return tz;
}

bool ParseWeekday(absl::string_view text, absl::Weekday* weekday) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower.size() < 3) return false;
  for (const WeekdayEntry& entry : kWeekdays) {
    if (lower == entry.name || lower == entry.name.substr(0, 3)) {
      *weekday = entry.weekday;
      return true;
    }
  }
  return false;
}

absl::string_view WeekdayName(absl::Weekday weekday) {
  for (const WeekdayEntry& entry : kWeekdays) {
    if (entry.weekday == weekday) return entry.name;
  }
  return "?";
}

bool ParseMinuteOfDay(absl::string_view text, int* minute_of_day) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon > 2 || text.size() - colon - 1 != 2) {
    return false;
  }
  int hour = 0;
  int minute = 0;
  if (!absl::SimpleAtoi(text.substr(0, colon), &hour) ||
      !absl::SimpleAtoi(text.substr(colon + 1), &minute) || !absl::ascii_isdigit(text[0]) ||
      !absl::ascii_isdigit(text[colon + 1]) || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return false;
  }
  *minute_of_day = hour * 60 + minute;
  return true;
}

bool ParseLocalDateTime(absl::string_view text, absl::TimeZone tz, absl::Time* out) {
  for (const char* format : {"%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}) {
    std::string error;
    if (absl::ParseTime(format, text, tz, out, &error)) return true;
  }
  // Only a full RFC 3339 instant (with a date); a bare number is not a date-time here.
  if (text.find('T') == absl::string_view::npos) return false;
  absl::StatusOr<absl::Time> instant = ParseTimestamp(text);
  if (!instant.ok()) return false;
  *out = *instant;
  return true;
}

absl::Status GetZone(const ConfigNode& node, absl::string_view key, absl::TimeZone* out) {
  std::string name;
  if (absl::Status s = node.GetString(key, &name); !s.ok() || !node.Has(key)) return s;
  absl::StatusOr<absl::TimeZone> tz = LoadZone(name);
  if (!tz.ok()) return node.Error(key, tz.status().message());
  *out = *tz;
  return absl::OkStatus();
}

absl::Status GetMinuteOfDay(const ConfigNode& node, absl::string_view key, int* out) {
  std::string text;
  if (absl::Status s = node.GetString(key, &text); !s.ok() || !node.Has(key)) return s;
  if (!ParseMinuteOfDay(text, out)) {
    return node.Error(key,
                      absl::StrCat("must be a time of day HH:MM (24-hour), not \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::Status GetLocalDateTime(const ConfigNode& node, absl::string_view key, absl::TimeZone tz,
                              absl::Time* out) {
  std::string text;
  if (absl::Status s = node.GetString(key, &text); !s.ok() || !node.Has(key)) return s;
  if (!ParseLocalDateTime(text, tz, out)) {
    return node.Error(
        key,
        absl::StrCat("must be a local date and time \"YYYY-MM-DD HH:MM\", not \"", text, "\""));
  }
  return absl::OkStatus();
}

}  // namespace vigil::alerts
