#include "collector/alerts/oncall.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/alerts/local_time.h"
#include "common/config_node.h"

namespace vigil::alerts {
namespace {

absl::StatusOr<std::vector<Rotation>> Parse(const std::string& yaml,
                                            absl::TimeZone default_tz = absl::UTCTimeZone()) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "alerting.yaml");
  REQUIRE(root.ok());
  return ParseRotations(root->Child("oncall"), default_tz);
}

Rotation ParseOne(const std::string& yaml) {
  absl::StatusOr<std::vector<Rotation>> rotations = Parse(yaml);
  INFO(rotations.status().ToString());
  REQUIRE(rotations.ok());
  REQUIRE(rotations->size() == 1);
  return rotations->front();
}

absl::Time Local(const std::string& text, const char* zone) {
  absl::TimeZone tz;
  REQUIRE(absl::LoadTimeZone(zone, &tz));
  absl::Time t;
  REQUIRE(ParseLocalDateTime(text, tz, &t));
  return t;
}

absl::Time Utc(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error));
  return t;
}

constexpr char kWeekly[] = R"(
oncall:
  - name: dba
    handover: weekly
    weekday: monday
    at: "09:00"
    timezone: Asia/Shanghai
    start: 2026-01-05
    people:
      - {name: Zhang Wei, phone: "13800000001", email: zhang@hospital.cn}
      - {name: Li Na, phone: "13800000002"}
      - {name: Wang Fang, email: wang@hospital.cn}
)";

TEST_CASE("weekly rotation hands over at the set local time on the set weekday", "[oncall]") {
  const Rotation r = ParseOne(kWeekly);
  CHECK(r.people[0].phone == "13800000001");
  CHECK(r.people[0].email == "zhang@hospital.cn");
  CHECK(r.people[1].email.empty());
  constexpr char kZone[] = "Asia/Shanghai";
  CHECK(OnDuty(r, Local("2026-01-05 09:00", kZone)).name == "Zhang Wei");
  CHECK(OnDuty(r, Local("2026-01-12 08:59", kZone)).name == "Zhang Wei");
  CHECK(OnDuty(r, Local("2026-01-12 09:00", kZone)).name == "Li Na");
  CHECK(OnDuty(r, Local("2026-01-12 09:00", kZone)).phone == "13800000002");
  CHECK(OnDuty(r, Local("2026-01-19 08:59", kZone)).name == "Li Na");
  CHECK(OnDuty(r, Local("2026-01-19 09:00", kZone)).name == "Wang Fang");
  CHECK(OnDuty(r, Local("2026-01-26 09:00", kZone)).name == "Zhang Wei");  // wraps around
  // 09:00 in Shanghai is 01:00 UTC, whatever the machine's zone.
  CHECK(OnDuty(r, Utc("2026-01-12T00:59:59Z")).name == "Zhang Wei");
  CHECK(OnDuty(r, Utc("2026-01-12T01:00:00Z")).name == "Li Na");
}

TEST_CASE("the secondary is the next person after the scheduled primary", "[oncall]") {
  const Rotation r = ParseOne(kWeekly);
  constexpr char kZone[] = "Asia/Shanghai";
  const absl::Time t = Local("2026-01-19 10:00", kZone);  // Wang Fang's week
  CHECK(OnDuty(r, t, 0).name == "Wang Fang");
  CHECK(OnDuty(r, t, 1).name == "Zhang Wei");
  CHECK(OnDuty(r, t, 2).name == "Li Na");
}

TEST_CASE("nobody is on duty before the rotation's first shift", "[oncall]") {
  const Rotation r = ParseOne(kWeekly);
  CHECK(OnDuty(r, Local("2026-01-05 08:59", "Asia/Shanghai")).name.empty());
  CHECK(OnDuty(r, Local("2025-12-01 12:00", "Asia/Shanghai"), 1).name.empty());
  CHECK(OnDuty(r, absl::InfinitePast()).name.empty());
  CHECK(OnDuty(r, absl::InfiniteFuture()).name.empty());
  const std::vector<Shift> shifts = Schedule(r, Local("2026-01-04 00:00", "Asia/Shanghai"),
                                             Local("2026-01-06 00:00", "Asia/Shanghai"));
  REQUIRE(shifts.size() == 1);
  CHECK(shifts[0].start == Local("2026-01-05 09:00", "Asia/Shanghai"));
  CHECK(shifts[0].person == "Zhang Wei");
}

TEST_CASE("daily hand-over stays at 09:00 local across Berlin's DST changes", "[oncall]") {
  const Rotation r = ParseOne(R"(
oncall:
  - name: ops
    handover: daily
    at: "09:00"
    timezone: Europe/Berlin
    start: 2026-03-27
    people: [{name: A}, {name: B}]
)");
  constexpr char kZone[] = "Europe/Berlin";
  // Clocks go forward on Sunday 2026-03-29 at 02:00.
  CHECK(OnDuty(r, Local("2026-03-27 09:00", kZone)).name == "A");
  CHECK(OnDuty(r, Local("2026-03-28 08:59", kZone)).name == "A");
  CHECK(OnDuty(r, Local("2026-03-28 09:00", kZone)).name == "B");
  CHECK(OnDuty(r, Local("2026-03-29 08:59", kZone)).name == "B");
  CHECK(OnDuty(r, Local("2026-03-29 09:00", kZone)).name == "A");
  CHECK(OnDuty(r, Local("2026-03-30 09:00", kZone)).name == "B");
  // In UTC, the hand-over moved an hour earlier: 08:00Z in winter, 07:00Z in summer.
  CHECK(ShiftStart(r, 1) == Utc("2026-03-28T08:00:00Z"));
  CHECK(ShiftStart(r, 2) == Utc("2026-03-29T07:00:00Z"));
  CHECK(OnDuty(r, Utc("2026-03-29T06:59:59Z")).name == "B");
  CHECK(OnDuty(r, Utc("2026-03-29T07:00:00Z")).name == "A");
  // Clocks go back on Sunday 2026-10-25 at 03:00: 212 days after the start, so A's day.
  CHECK(OnDuty(r, Local("2026-10-25 08:59", kZone)).name == "B");
  CHECK(OnDuty(r, Local("2026-10-25 09:00", kZone)).name == "A");
  CHECK(OnDuty(r, Utc("2026-10-25T08:00:00Z")).name == "A");
  CHECK(OnDuty(r, Utc("2026-10-25T07:59:59Z")).name == "B");

  const std::vector<Shift> shifts =
      Schedule(r, Local("2026-03-28 00:00", kZone), Local("2026-03-30 00:00", kZone));
  REQUIRE(shifts.size() == 3);
  CHECK(shifts[0].person == "A");
  CHECK(shifts[0].start == Local("2026-03-28 00:00", kZone));  // clipped to `from`
  CHECK(shifts[1].person == "B");
  CHECK(shifts[1].end - shifts[1].start == absl::Hours(23));  // the short day
  CHECK(shifts[2].person == "A");
  CHECK(shifts[2].end == Local("2026-03-30 00:00", kZone));
}

constexpr char kHolidays[] = R"(
oncall:
  - name: dba
    handover: weekly
    at: "09:00"
    timezone: Asia/Shanghai
    start: 2026-09-28
    people: [{name: A}, {name: B}, {name: C}]
    overrides:
      - {start: "2026-10-01 09:00", end: "2026-10-08 09:00", person: C, reason: National Day}
)";

TEST_CASE("a holiday override replaces the primary only, for its time", "[oncall]") {
  const Rotation r = ParseOne(kHolidays);
  CHECK(r.weekday == absl::Weekday::monday);  // from start
  constexpr char kZone[] = "Asia/Shanghai";
  CHECK(OnDuty(r, Local("2026-10-01 08:59", kZone)).name == "A");
  CHECK(OnDuty(r, Local("2026-10-01 09:00", kZone)).name == "C");
  CHECK(OnDuty(r, Local("2026-10-01 09:00", kZone), 1).name == "B");  // A's secondary
  CHECK(OnDuty(r, Local("2026-10-06 12:00", kZone)).name == "C");     // B's week
  CHECK(OnDuty(r, Local("2026-10-08 08:59", kZone)).name == "C");
  CHECK(OnDuty(r, Local("2026-10-08 09:00", kZone)).name == "B");

  const std::vector<Shift> shifts =
      Schedule(r, Local("2026-09-28 00:00", kZone), Local("2026-10-13 00:00", kZone));
  REQUIRE(shifts.size() == 4);
  CHECK(shifts[0].start == Local("2026-09-28 09:00", kZone));
  CHECK(shifts[0].end == Local("2026-10-01 09:00", kZone));
  CHECK(shifts[0].person == "A");
  CHECK_FALSE(shifts[0].override);
  CHECK(shifts[1].end == Local("2026-10-08 09:00", kZone));
  CHECK(shifts[1].person == "C");
  CHECK(shifts[1].override);
  CHECK(shifts[1].reason == "National Day");
  CHECK(shifts[2].person == "B");
  CHECK(shifts[2].end == Local("2026-10-12 09:00", kZone));
  CHECK(shifts[3].person == "C");
  CHECK_FALSE(shifts[3].override);
}

TEST_CASE("of overlapping overrides the one listed later wins", "[oncall]") {
  const Rotation r = ParseOne(std::string(kHolidays) + R"(
      - {start: "2026-10-03", end: "2026-10-04", person: B, reason: swap}
)");
  constexpr char kZone[] = "Asia/Shanghai";
  CHECK(OnDuty(r, Local("2026-10-02 23:59", kZone)).name == "C");
  CHECK(OnDuty(r, Local("2026-10-03 00:00", kZone)).name == "B");
  CHECK(OnDuty(r, Local("2026-10-04 00:00", kZone)).name == "C");
}

TEST_CASE("the default time zone applies when a rotation names none", "[oncall]") {
  absl::TimeZone shanghai;
  REQUIRE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  absl::StatusOr<std::vector<Rotation>> r = Parse(R"(
oncall:
  - {name: x, handover: daily, at: "09:00", start: 2026-01-01, people: [{name: A}, {name: B}]}
)",
                                                  shanghai);
  REQUIRE(r.ok());
  CHECK(OnDuty(r->front(), Utc("2026-01-02T00:59:00Z")).name == "A");
  CHECK(OnDuty(r->front(), Utc("2026-01-02T01:00:00Z")).name == "B");
}

TEST_CASE("rotation config errors name the file, line and key", "[oncall]") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"oncall:\n  - {name: x, handover: weekly, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A}], overrides: [{start: \"2026-02-01 09:00\", end: \"2026-02-02 09:00\", person: "
       "Z}]}\n",
       "alerting.yaml:2: oncall[0].overrides[0].person: \"Z\" is not one of rotation x's people"},
      {"oncall:\n  - name: x\n    handover: weekly\n    weekday: tuesday\n    at: \"09:00\"\n"
       "    start: 2026-01-05\n    people: [{name: A}]\n",
       "alerting.yaml:4: oncall[0].weekday: is tuesday but start 2026-01-05 is a monday"},
      {"oncall:\n  - {name: x, handover: hourly, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A}]}\n",
       "handover: must be daily or weekly"},
      {"oncall:\n  - {name: x, handover: daily, at: \"25:00\", start: 2026-01-05, people: "
       "[{name: A}]}\n",
       "oncall[0].at: must be a time of day HH:MM"},
      {"oncall:\n  - {name: x, handover: daily, at: \"09:00\", timezone: Mars/Olympus, start: "
       "2026-01-05, people: [{name: A}]}\n",
       "unknown time zone \"Mars/Olympus\""},
      {"oncall:\n  - {name: x, handover: daily, at: \"09:00\", start: 2026-01-05, people: []}\n",
       "people: must list at least one person"},
      {"oncall:\n  - {name: x, handover: daily, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A, pager: 1}]}\n",
       "oncall[0].people[0].pager: unknown key"},
      {"oncall:\n  - {name: x, handover: daily, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A}, {name: A}]}\n",
       "\"A\" is listed twice"},
      {"oncall:\n  - {name: x, handover: daily, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A}]}\n  - {name: x, handover: daily, at: \"09:00\", start: 2026-01-05, people: "
       "[{name: A}]}\n",
       "alerting.yaml:3: oncall[1].name: rotation \"x\" is defined twice"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    absl::StatusOr<std::vector<Rotation>> r = Parse(c.yaml);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(c.want));
  }
}

}  // namespace
}  // namespace vigil::alerts
