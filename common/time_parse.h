// Parsing of the durations and instants people type: "5m", "1h30m", "7d", "2w",
// "500ms"; "1732400000", "1732400000.5", "2026-11-23T20:00:00Z".
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil {

// A sequence of <number><unit> with units ms, s, m, h, d (24h), w (7d). "0" is zero.
// Rejects negative values and empty input.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// Unix seconds (optionally fractional) or RFC 3339.
absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text);

// RFC 3339 in UTC with milliseconds, "2026-11-24T05:34:03.812Z": what Vigil writes
// wherever it shows an instant (logs, the audit log, JSON, vigilctl tables).
std::string FormatTimestamp(absl::Time t);

// "1m30s"-style rendering for messages and config echo.
std::string FormatDuration(absl::Duration d);

}  // namespace vigil
