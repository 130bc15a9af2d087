// Events ride in the batch of the tick that saw them, numbered per run, cleaned for the
// wire (UTF-8, bounded).
#include <catch2/catch.hpp>

#include "agent/series_registry.h"

namespace vigil::agent {
namespace {

TEST_CASE("BatchBuilder numbers events per run and keeps their fields") {
  SeriesRegistry registry;
  v1::Batch first;
  {
    BatchBuilder builder(&registry, 1000, &first);
    builder.Add("m", {}, 1);
    builder.AddEvent(Event{absl::FromUnixMillis(900),
                           "oracle_alert_log",
                           EventSeverity::kCritical,
                           {{"sid", "HIS"}, {"code", "ORA-00600"}},
                           "ORA-00600: internal error"});
    builder.AddEvent(Event{absl::FromUnixMillis(950),
                           "file_changed",
                           EventSeverity::kWarning,
                           {{"path", "/etc/x"}},
                           "size 1 -> 2"});
  }
  v1::Batch second;
  {
    BatchBuilder builder(&registry, 2000, &second);
    builder.AddEvent(Event{absl::FromUnixMillis(1900),
                           "login_failed",
                           EventSeverity::kInfo,
                           {},
                           std::string("bad \xff byte")});
  }
  REQUIRE(first.events_size() == 2);
  CHECK(first.events(0).event_id() == 1);
  CHECK(first.events(0).timestamp_ms() == 900);
  CHECK(first.events(0).kind() == "oracle_alert_log");
  CHECK(first.events(0).severity() == "critical");
  REQUIRE(first.events(0).labels_size() == 2);
  CHECK(first.events(0).labels(1).value() == "ORA-00600");
  CHECK(first.events(1).event_id() == 2);
  CHECK(first.events(1).severity() == "warning");
  REQUIRE(second.events_size() == 1);
  CHECK(second.events(0).event_id() == 3);
  CHECK(second.events(0).severity() == "info");
  // Invalid UTF-8 is replaced: protobuf refuses to serialize it.
  CHECK(second.events(0).message().find('\xff') == std::string::npos);
}

TEST_CASE("an oversized event message is truncated to the wire bound") {
  SeriesRegistry registry;
  v1::Batch batch;
  {
    BatchBuilder builder(&registry, 1000, &batch);
    builder.AddEvent(Event{absl::FromUnixMillis(1),
                           "pg_top_sql",
                           EventSeverity::kInfo,
                           {},
                           std::string(kMaxEventMessageBytes + 1000, 'x')});
  }
  REQUIRE(batch.events_size() == 1);
  CHECK(batch.events(0).message().size() == kMaxEventMessageBytes);
}

}  // namespace
}  // namespace vigil::agent
