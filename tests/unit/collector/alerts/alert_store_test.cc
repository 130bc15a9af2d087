// The alert store's history: newest first, bounded by time and limit, filtered by alert
// and instance, and purged by age (a real state store in a temp dir).
#include "collector/alerts/alert_store.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace vigil::alerts {
namespace {

AlertEvent Event(int64_t seconds, const std::string& id, const std::string& instance) {
  AlertEvent e;
  e.time = absl::FromUnixSeconds(seconds);
  e.alert_id = id;
  e.rule = "R";
  e.labels = LabelSet({Label{"instance", instance}});
  e.kind = "firing";
  return e;
}

TEST_CASE("alert history reads newest first within a time range, limit and filters",
          "[alerts][store]") {
  vigil::testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<state::StateStore>> store = state::StateStore::Open(dir.Path("s"));
  REQUIRE(store.ok());
  AlertStore alerts(store->get());
  std::vector<AlertEvent> events;
  for (int i = 0; i < 10; ++i) {
    events.push_back(Event(1000 + i, i % 2 == 0 ? "a" : "b", i < 5 ? "db1" : "db2"));
  }
  REQUIRE(alerts.Save({}, {}, events).ok());

  auto times = [](const std::vector<AlertEvent>& got) {
    std::vector<int64_t> out;
    for (const AlertEvent& e : got) out.push_back(absl::ToUnixSeconds(e.time));
    return out;
  };
  absl::StatusOr<std::vector<AlertEvent>> all =
      alerts.History(absl::InfinitePast(), absl::InfiniteFuture(), "", "", 0);
  REQUIRE(all.ok());
  CHECK(times(*all) ==
        std::vector<int64_t>{1009, 1008, 1007, 1006, 1005, 1004, 1003, 1002, 1001, 1000});
  absl::StatusOr<std::vector<AlertEvent>> last3 =
      alerts.History(absl::InfinitePast(), absl::InfiniteFuture(), "", "", 3);
  REQUIRE(last3.ok());
  CHECK(times(*last3) == std::vector<int64_t>{1009, 1008, 1007});
  absl::StatusOr<std::vector<AlertEvent>> range =
      alerts.History(absl::FromUnixSeconds(1002), absl::FromUnixSeconds(1005), "", "", 0);
  REQUIRE(range.ok());
  CHECK(times(*range) == std::vector<int64_t>{1005, 1004, 1003, 1002});
  absl::StatusOr<std::vector<AlertEvent>> b_db2 =
      alerts.History(absl::InfinitePast(), absl::InfiniteFuture(), "b", "db2", 2);
  REQUIRE(b_db2.ok());
  CHECK(times(*b_db2) == std::vector<int64_t>{1009, 1007});

  REQUIRE(alerts.PurgeHistory(absl::FromUnixSeconds(1008)).ok());
  absl::StatusOr<std::vector<AlertEvent>> kept =
      alerts.History(absl::InfinitePast(), absl::InfiniteFuture(), "", "", 0);
  REQUIRE(kept.ok());
  CHECK(times(*kept) == std::vector<int64_t>{1009, 1008});
}

}  // namespace
}  // namespace vigil::alerts
