// `vigilctl events`: flags to request, answer to table.
#include "collector/ctl/events_command.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace vigil::ctl {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("vigilctl events builds its request from the flags, 24 hours by default") {
  EventsFlags flags;
  absl::StatusOr<v1::ListEventsRequest> req = EventsRequestFor(flags, kNow);
  REQUIRE(req.ok());
  CHECK(req->end_ms() == absl::ToUnixMillis(kNow));
  CHECK(req->start_ms() == absl::ToUnixMillis(kNow - absl::Hours(24)));
  CHECK(req->limit() == 100);

  flags.host = "db1";
  flags.since = "2h";
  flags.kinds = {"oracle_alert_log"};
  flags.min_severity = "critical";
  flags.labels = {"code=ORA-00600"};
  req = EventsRequestFor(flags, kNow);
  REQUIRE(req.ok());
  CHECK(req->host() == "db1");
  CHECK(req->start_ms() == absl::ToUnixMillis(kNow - absl::Hours(2)));
  CHECK(req->kinds(0) == "oracle_alert_log");
  CHECK(req->min_severity() == "critical");
  CHECK(req->labels(0).name() == "code");
  CHECK(req->labels(0).value() == "ORA-00600");

  flags.labels = {"code"};
  CHECK(absl::StrContains(EventsRequestFor(flags, kNow).status().message(), "--label"));
  flags.labels.clear();
  flags.min_severity = "fatal";
  CHECK(absl::StrContains(EventsRequestFor(flags, kNow).status().message(), "--severity"));
}

TEST_CASE("vigilctl events prints one row per event, or the whole text with --full") {
  v1::ListEventsResponse response;
  v1::StoredEvent* e = response.add_events();
  e->set_host("db1");
  e->mutable_event()->set_timestamp_ms(absl::ToUnixMillis(kNow));
  e->mutable_event()->set_kind("pg_top_sql");
  e->mutable_event()->set_severity("info");
  v1::Label* l = e->mutable_event()->add_labels();
  l->set_name("instance_name");
  l->set_value("his");
  e->mutable_event()->set_message("top 2 by total time\n1. select 1\n2. select 2");
  response.set_truncated(true);
  const std::string table = FormatEventsTable(response, absl::UTCTimeZone(), false);
  CHECK(absl::StrContains(table, "TIME"));
  CHECK(absl::StrContains(table, "2027-01-15 08:00:00 UTC  db1   pg_top_sql  info"));
  CHECK(absl::StrContains(table, "instance_name=his  top 2 by total time …"));
  CHECK_FALSE(absl::StrContains(table, "select 2"));
  CHECK(absl::StrContains(table, "only the newest 1 shown"));
  const std::string full = FormatEventsTable(response, absl::UTCTimeZone(), true);
  CHECK(absl::StrContains(full, "    2. select 2\n"));
  // A terminal escape in agent text is shown, not sent to the terminal.
  response.mutable_events(0)->mutable_event()->set_message("select 1 /* \x1b]52;c;ZXZpbA==\x07 */");
  CHECK(absl::StrContains(FormatEventsTable(response, absl::UTCTimeZone(), true),
                          "/* \\x1b]52;c;ZXZpbA==\\x07 */"));
  CHECK_FALSE(absl::StrContains(FormatEventsTable(response, absl::UTCTimeZone(), false), "\x1b"));
  CHECK(FormatEventsTable(v1::ListEventsResponse(), absl::UTCTimeZone(), false) ==
        "no events in the period\n");
}

}  // namespace
}  // namespace vigil::ctl
