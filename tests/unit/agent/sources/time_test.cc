#include "agent/sources/time.h"

#include <catch2/catch.hpp>

#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;

TEST_CASE("UnixSeconds keeps the fraction") {
  CHECK(UnixSeconds(absl::UnixEpoch()) == 0);
  CHECK(UnixSeconds(absl::FromUnixMillis(1732400000250)) == 1732400000.25);
  CHECK(UnixSeconds(absl::FromUnixMillis(-1500)) == -1.5);
}

TEST_CASE("time source reports the tick's time as node_time_seconds") {
  absl::StatusOr<std::unique_ptr<Source>> source = CreateTimeSource(SourceOptions{});
  REQUIRE(source.ok());
  CHECK((*source)->name() == "time");
  RecordingSink sink;
  TickContext tick;
  tick.now = absl::FromUnixMillis(1795464000125);
  REQUIRE((*source)->Collect(tick, sink).ok());
  REQUIRE(sink.samples().size() == 1);
  CHECK(sink.Find("node_time_seconds") == 1795464000.125);
  tick.now += absl::Seconds(10);
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.samples().back().value == 1795464010.125);
}

}  // namespace
}  // namespace vigil::agent
