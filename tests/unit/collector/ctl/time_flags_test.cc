// vigilctl samples/query: --at, --start, --since, --end and --step.
#include "collector/ctl/time_flags.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace vigil::ctl {
namespace {

constexpr int64_t kT0 = 1'795'464'000'000;  // 2026-11-23T20:00:00Z
const absl::Time kNow = absl::FromUnixMillis(kT0);

TEST_CASE("A time flag is Unix seconds or RFC 3339, its fallback when empty") {
  CHECK(*TimeFlag("--at", "", kNow) == kNow);
  CHECK(*TimeFlag("--at", "1795460400", kNow) == kNow - absl::Hours(1));
  CHECK(*TimeFlag("--at", "2026-11-23T19:00:00Z", kNow) == kNow - absl::Hours(1));
  absl::StatusOr<absl::Time> bad = TimeFlag("--at", "noon", kNow);
  REQUIRE_FALSE(bad.ok());
  CHECK(absl::StartsWith(bad.status().message(), "--at: "));
}

TEST_CASE("A range ends at --end or now and starts at --start or --since before the end") {
  absl::StatusOr<TimeRange> since = RangeFlags("", "5m", "", kNow);
  REQUIRE(since.ok());
  CHECK(since->end == kNow);
  CHECK(since->start == kNow - absl::Minutes(5));

  since = RangeFlags("", "1h", "1795460400", kNow);
  REQUIRE(since.ok());
  CHECK(since->end == kNow - absl::Hours(1));
  CHECK(since->start == kNow - absl::Hours(2));

  // --start wins over --since.
  absl::StatusOr<TimeRange> start = RangeFlags("1795460400", "5m", "", kNow);
  REQUIRE(start.ok());
  CHECK(start->start == kNow - absl::Hours(1));
  CHECK(start->end == kNow);
}

TEST_CASE("A range's errors name the flag") {
  CHECK(absl::StartsWith(RangeFlags("x", "", "", kNow).status().message(), "--start: "));
  CHECK(absl::StartsWith(RangeFlags("", "x", "", kNow).status().message(), "--since: "));
  CHECK(absl::StartsWith(RangeFlags("", "5m", "x", kNow).status().message(), "--end: "));
  CHECK(RangeFlags("", "", "", kNow).status().message() ==
        "a range query needs --start or --since");
  CHECK(RangeFlags("1795464001", "", "", kNow).status().message() == "--start is after --end");
}

TEST_CASE("The step defaults to the range / 240, at least 1s, and must be positive") {
  const TimeRange day{kNow - absl::Hours(24), kNow};
  CHECK(*StepFlag("", day) == absl::Minutes(6));
  CHECK(*StepFlag("", TimeRange{kNow - absl::Minutes(1), kNow}) == absl::Seconds(1));
  CHECK(*StepFlag("", TimeRange{kNow - absl::Seconds(241), kNow}) == absl::Seconds(2));
  CHECK(*StepFlag("15s", day) == absl::Seconds(15));
  CHECK(absl::StartsWith(StepFlag("x", day).status().message(), "--step: "));
  CHECK(StepFlag("0", day).status().message() == "--step must be positive");
}

}  // namespace
}  // namespace vigil::ctl
