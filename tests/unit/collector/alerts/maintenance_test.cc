#include "collector/alerts/maintenance.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "collector/alerts/local_time.h"
#include "common/config_node.h"
#include "common/labels.h"

namespace vigil::alerts {
namespace {

absl::StatusOr<std::vector<MaintenanceWindow>> Parse(const std::string& yaml) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "alerting.yaml");
  REQUIRE(root.ok());
  return ParseMaintenanceWindows(root->Child("maintenance_windows"), absl::UTCTimeZone());
}

std::vector<MaintenanceWindow> ParseOk(const std::string& yaml) {
  absl::StatusOr<std::vector<MaintenanceWindow>> windows = Parse(yaml);
  INFO(windows.status().ToString());
  REQUIRE(windows.ok());
  return *windows;
}

absl::Time Shanghai(const std::string& text) {
  absl::TimeZone tz;
  REQUIRE(absl::LoadTimeZone("Asia/Shanghai", &tz));
  absl::Time t;
  REQUIRE(ParseLocalDateTime(text, tz, &t));
  return t;
}

LabelSet Labels(std::vector<Label> labels) { return LabelSet(std::move(labels)); }

// 2026-01-04 is a Sunday.
constexpr char kSundayNight[] = R"(
maintenance_windows:
  - name: sunday-backup
    matchers: '{instance=~"his-db.*"}'
    weekdays: [sunday]
    start: "22:00"
    duration: 4h
    timezone: Asia/Shanghai
    comment: RMAN full backup
)";

TEST_CASE("a weekly window crossing midnight Sunday to Monday, at its exact boundaries",
          "[maintenance]") {
  const std::vector<MaintenanceWindow> windows = ParseOk(kSundayNight);
  const LabelSet db = Labels({{"alertname", "HisDbSlow"}, {"instance", "his-db1"}});
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-04 21:59:59")) == nullptr);
  const MaintenanceWindow* w = ActiveWindow(windows, db, Shanghai("2026-01-04 22:00"));
  REQUIRE(w != nullptr);
  CHECK(w->name == "sunday-backup");
  CHECK(w->comment == "RMAN full backup");
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-05 00:00")) != nullptr);
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-05 01:59:59")) != nullptr);
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-05 02:00")) == nullptr);
  // Monday night is not a Sunday; the next Sunday is.
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-05 23:00")) == nullptr);
  CHECK(ActiveWindow(windows, db, Shanghai("2026-01-11 23:00")) != nullptr);
  // Other hosts' alerts are not in this window.
  const LabelSet web = Labels({{"alertname", "HisDbSlow"}, {"instance", "his-web1"}});
  CHECK(ActiveWindow(windows, web, Shanghai("2026-01-04 23:00")) == nullptr);

  absl::Time end;
  REQUIRE(windows[0].ActiveAt(Shanghai("2026-01-05 01:00"), &end));
  CHECK(end == Shanghai("2026-01-05 02:00"));
  CHECK(NextChange(windows, Shanghai("2026-01-04 12:00")) == Shanghai("2026-01-04 22:00"));
  CHECK(NextChange(windows, Shanghai("2026-01-04 22:00")) == Shanghai("2026-01-05 02:00"));
  CHECK(NextChange(windows, Shanghai("2026-01-05 02:00")) == Shanghai("2026-01-11 22:00"));
}

TEST_CASE("a daily window without matchers covers every alert", "[maintenance]") {
  const std::vector<MaintenanceWindow> windows = ParseOk(R"(
maintenance_windows:
  - name: nightly-etl
    every: day
    start: "23:30"
    duration: 1h
    timezone: Asia/Shanghai
)");
  const LabelSet any = Labels({{"alertname", "Anything"}});
  CHECK(ActiveWindow(windows, any, Shanghai("2026-03-10 23:29:59")) == nullptr);
  CHECK(ActiveWindow(windows, any, Shanghai("2026-03-10 23:30")) != nullptr);
  CHECK(ActiveWindow(windows, any, Shanghai("2026-03-11 00:29:59")) != nullptr);
  CHECK(ActiveWindow(windows, any, Shanghai("2026-03-11 00:30")) == nullptr);
}

TEST_CASE("a one-off window with local start and end, and matchers by alert name",
          "[maintenance]") {
  const std::vector<MaintenanceWindow> windows = ParseOk(R"(
maintenance_windows:
  - name: patch-night
    matchers: 'HisDbDown{instance="his-db2"}'
    start: "2026-05-01 20:00"
    end: "2026-05-02 04:00"
    timezone: Asia/Shanghai
  - name: bare-matchers
    matchers: 'instance="his-db3"'
    start: "2026-05-01 20:00"
    duration: 30m
    timezone: Asia/Shanghai
)");
  const LabelSet down = Labels({{"alertname", "HisDbDown"}, {"instance", "his-db2"}});
  const LabelSet slow = Labels({{"alertname", "HisDbSlow"}, {"instance", "his-db2"}});
  CHECK(ActiveWindow(windows, down, Shanghai("2026-05-01 19:59:59")) == nullptr);
  CHECK(ActiveWindow(windows, down, Shanghai("2026-05-01 20:00")) == &windows[0]);
  CHECK(ActiveWindow(windows, slow, Shanghai("2026-05-01 21:00")) == nullptr);
  CHECK(ActiveWindow(windows, down, Shanghai("2026-05-02 04:00")) == nullptr);
  CHECK(ActiveWindow(windows, down, Shanghai("2026-05-08 21:00")) == nullptr);

  const LabelSet db3 = Labels({{"alertname", "X"}, {"instance", "his-db3"}});
  CHECK(ActiveWindow(windows, db3, Shanghai("2026-05-01 20:29:59")) == &windows[1]);
  CHECK(ActiveWindow(windows, db3, Shanghai("2026-05-01 20:30")) == nullptr);
  CHECK(NextChange(windows, Shanghai("2026-05-01 20:10")) == Shanghai("2026-05-01 20:30"));
  CHECK(NextChange(windows, Shanghai("2026-05-02 05:00")) == absl::InfiniteFuture());
}

TEST_CASE("maintenance window config errors name the file, line and key", "[maintenance]") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"maintenance_windows:\n  - {name: a, weekdays: [sunday], every: day, start: \"02:00\", "
       "duration: 2h}\n",
       "give either weekdays or every"},
      {"maintenance_windows:\n  - {name: a, weekdays: [funday], start: \"02:00\", duration: 2h}\n",
       "alerting.yaml:2: maintenance_windows[0].weekdays: \"funday\" is not a day of the week"},
      {"maintenance_windows:\n  - {name: a, every: day, start: \"02:00\"}\n",
       "duration: is required"},
      {"maintenance_windows:\n  - {name: a, every: day, start: \"02:00\", duration: 8d}\n",
       "at most 7d"},
      {"maintenance_windows:\n  - {name: a, every: day, start: \"02:00\", end: \"04:00\", "
       "duration: 2h}\n",
       "a recurring one takes a duration"},
      {"maintenance_windows:\n  - name: a\n    matchers: '{instance=~\"(\"}'\n    every: day\n"
       "    start: \"02:00\"\n    duration: 2h\n",
       "alerting.yaml:3: maintenance_windows[0].matchers:"},
      {"maintenance_windows:\n  - {name: a, start: \"2026-05-02 04:00\", end: \"2026-05-01 "
       "20:00\"}\n",
       "end: must be after start"},
      {"maintenance_windows:\n  - {name: a, start: \"02:00\", duration: 2h}\n",
       "must be a local date and time"},
      {"maintenance_windows:\n  - {name: a, every: week, start: \"02:00\", duration: 2h}\n",
       "every: must be day"},
      {"maintenance_windows:\n  - {name: a, every: day, start: \"02:00\", duration: 2h, cron: x}\n",
       "maintenance_windows[0].cron: unknown key"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    absl::StatusOr<std::vector<MaintenanceWindow>> w = Parse(c.yaml);
    REQUIRE_FALSE(w.ok());
    CHECK_THAT(std::string(w.status().message()), Catch::Contains(c.want));
  }
}

}  // namespace
}  // namespace vigil::alerts
