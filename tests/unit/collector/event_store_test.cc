// The event store: what an agent may send, per-host time order, queries across hosts,
// retention.
#include "collector/events/event_store.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace vigil::events {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

v1::Event Make(uint64_t id, absl::Time t, const std::string& kind = "file_changed",
               const std::string& severity = "warning") {
  v1::Event e;
  e.set_event_id(id);
  e.set_timestamp_ms(absl::ToUnixMillis(t));
  e.set_kind(kind);
  e.set_severity(severity);
  e.set_message("event " + std::to_string(id));
  return e;
}

google::protobuf::RepeatedPtrField<v1::Event> Batch(std::initializer_list<v1::Event> events) {
  google::protobuf::RepeatedPtrField<v1::Event> out;
  for (const v1::Event& e : events) *out.Add() = e;
  return out;
}

std::unique_ptr<state::StateStore> OpenState(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<state::StateStore>> opened = state::StateStore::Open(dir);
  REQUIRE(opened.ok());
  return *std::move(opened);
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<state::StateStore> state = OpenState(dir.Path("state"));
  EventStore store{state.get(), absl::Hours(24 * 90)};
};

TEST_CASE("ValidateEvent refuses what a broken or hostile agent could send") {
  const absl::Time oldest = kNow - absl::Hours(24);
  const absl::Time newest = kNow + absl::Hours(1);
  CHECK(ValidateEvent(Make(1, kNow), oldest, newest).ok());
  CHECK_FALSE(ValidateEvent(Make(0, kNow), oldest, newest).ok());
  CHECK_FALSE(ValidateEvent(Make(1, kNow, "bad kind"), oldest, newest).ok());
  CHECK_FALSE(ValidateEvent(Make(1, kNow, "x", "fatal"), oldest, newest).ok());
  CHECK_FALSE(ValidateEvent(Make(1, kNow - absl::Hours(25)), oldest, newest).ok());
  CHECK_FALSE(ValidateEvent(Make(1, kNow + absl::Hours(2)), oldest, newest).ok());
  v1::Event spoof = Make(1, kNow);
  v1::Label* l = spoof.add_labels();
  l->set_name("instance");
  l->set_value("someone-else");
  CHECK_FALSE(ValidateEvent(spoof, oldest, newest).ok());
  v1::Event big = Make(1, kNow);
  big.set_message(std::string(kMaxEventMessageBytes + 1, 'x'));
  CHECK_FALSE(ValidateEvent(big, oldest, newest).ok());
}

TEST_CASE("events are listed newest first across hosts, filtered, and a resend is stored once") {
  Fixture f;
  auto stored =
      f.store.Store("db-a", "run-1",
                    Batch({Make(1, kNow - absl::Minutes(3)),
                           Make(2, kNow - absl::Minutes(1), "oracle_alert_log", "critical")}),
                    kNow);
  REQUIRE(stored.ok());
  CHECK(stored->stored == 2);
  // The same events again (a resend), and another host's.
  REQUIRE(f.store.Store("db-a", "run-1", Batch({Make(1, kNow - absl::Minutes(3))}), kNow).ok());
  REQUIRE(f.store.Store("db-b", "run-9", Batch({Make(1, kNow - absl::Minutes(2))}), kNow).ok());
  // A host whose name extends another's stays apart.
  REQUIRE(f.store.Store("db-a2", "run-1", Batch({Make(1, kNow - absl::Minutes(4))}), kNow).ok());

  EventQuery all;
  absl::StatusOr<EventPage> page = f.store.List(all);
  REQUIRE(page.ok());
  REQUIRE(page->events.size() == 4);
  CHECK(page->events[0].host() == "db-a");
  CHECK(page->events[0].event().event_id() == 2);
  CHECK(page->events[1].host() == "db-b");
  CHECK(page->events[2].host() == "db-a");
  CHECK(page->events[3].host() == "db-a2");

  EventQuery one_host;
  one_host.host = "db-a";
  page = f.store.List(one_host);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 2);

  EventQuery window;
  window.start = kNow - absl::Minutes(2);
  window.end = kNow - absl::Minutes(2);
  page = f.store.List(window);
  REQUIRE(page.ok());
  REQUIRE(page->events.size() == 1);
  CHECK(page->events[0].host() == "db-b");

  EventQuery limited;
  limited.limit = 2;
  limited.min_severity = 1;
  page = f.store.List(limited);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 2);
  CHECK(page->truncated);
}

TEST_CASE("Purge deletes events past the retention, host by host") {
  Fixture f;
  REQUIRE(f.store.Store("db-a", "r", Batch({Make(1, kNow - absl::Hours(24 * 89))}), kNow).ok());
  REQUIRE(f.store.Store("db-a", "r", Batch({Make(2, kNow - absl::Hours(1))}), kNow).ok());
  REQUIRE(f.store.Store("db-b", "r", Batch({Make(1, kNow - absl::Hours(24 * 80))}), kNow).ok());
  // Ten days later the first is 99 days old and the third 90.
  absl::StatusOr<size_t> swept = f.store.Purge(kNow + absl::Hours(24 * 10) + absl::Minutes(1));
  REQUIRE(swept.ok());
  CHECK(*swept == 2);
  absl::StatusOr<EventPage> page = f.store.List(EventQuery());
  REQUIRE(page.ok());
  REQUIRE(page->events.size() == 1);
  CHECK(page->events[0].event().event_id() == 2);
}

}  // namespace
}  // namespace vigil::events
