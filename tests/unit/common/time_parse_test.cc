#include "common/time_parse.h"

#include <catch2/catch.hpp>

namespace vigil {
namespace {

TEST_CASE("ParseDuration accepts the units operators type") {
  CHECK(*ParseDuration("500ms") == absl::Milliseconds(500));
  CHECK(*ParseDuration("5m") == absl::Minutes(5));
  CHECK(*ParseDuration("1h30m") == absl::Minutes(90));
  CHECK(*ParseDuration("7d") == absl::Hours(168));
  CHECK(*ParseDuration("2w") == absl::Hours(336));
  CHECK(*ParseDuration("0") == absl::ZeroDuration());
}

TEST_CASE("ParseDuration rejects malformed input with the text in the message") {
  for (const char* bad : {"", "5", "m", "5x", "-5m", "5 m"}) {
    absl::StatusOr<absl::Duration> d = ParseDuration(bad);
    INFO(bad);
    REQUIRE_FALSE(d.ok());
  }
  CHECK(std::string(ParseDuration("5x").status().message()).find("5x") != std::string::npos);
}

TEST_CASE("ParseTimestamp takes Unix seconds and RFC 3339") {
  CHECK(absl::ToUnixMillis(*ParseTimestamp("1732400000")) == 1732400000000);
  CHECK(absl::ToUnixMillis(*ParseTimestamp("1732400000.25")) == 1732400000250);
  CHECK(absl::ToUnixSeconds(*ParseTimestamp("2026-11-23T20:00:00Z")) == 1795464000);
  CHECK(absl::ToUnixSeconds(*ParseTimestamp("2026-11-23T21:00:00+01:00")) == 1795464000);
  CHECK_FALSE(ParseTimestamp("yesterday").ok());
}

}  // namespace
}  // namespace vigil
