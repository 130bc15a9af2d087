// The request parameters of Prometheus' HTTP API, parsed as Prometheus parses them
// (web/api/v1/api.go: parseTime, parseDuration), with its error messages:
//   time:     Unix seconds, fractions kept to the millisecond ("1732400000.123"), or
//             RFC 3339 ("2026-11-23T20:00:00Z", "2026-11-23T21:00:00.5+01:00")
//   duration: seconds as a number ("15", "0.5"), or a PromQL duration ("15s", "1m30s", "1d")
//
// Thread-safe (no shared state).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::api {

// kInvalidArgument: cannot parse "x" to a valid timestamp.
absl::StatusOr<int64_t> ParseTimeParam(absl::string_view text);
// kInvalidArgument: cannot parse "x" to a valid duration. May be negative or zero (as a
// number); callers check the range they accept.
absl::StatusOr<int64_t> ParseDurationParam(absl::string_view text);

// `invalid parameter "name": <status message>` as kInvalidArgument.
absl::Status InvalidParameter(absl::string_view name, const absl::Status& status);

}  // namespace vigil::api
