// `vigilctl events`, through the collector's gRPC Events service
// (proto/vigil/v1/events.proto): the request built from the flags, and the answer
// printed. Pure (the caller passes `now` and the time zone), so tested without a server.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "vigil/v1/events.pb.h"

namespace vigil::ctl {

struct EventsFlags {
  std::string host;                 // --host
  std::string since;                // --since D (default 24h), or
  std::string start;                // --start T
  std::string end;                  // --end T (default now)
  std::vector<std::string> kinds;   // --kind (repeatable)
  std::string min_severity;         // --severity info|warning|critical (at least)
  std::vector<std::string> labels;  // --label name=value (repeatable)
  uint32_t limit = 100;             // --limit
};

// The request for the flags; errors name the flag.
absl::StatusOr<v1::ListEventsRequest> EventsRequestFor(const EventsFlags& flags, absl::Time now);

// TIME HOST KIND SEVERITY LABELS MESSAGE, newest first, times in `zone`; the message's
// first line only, unless `full` (then each event's whole text below its row).
std::string FormatEventsTable(const v1::ListEventsResponse& events, absl::TimeZone zone, bool full);

}  // namespace vigil::ctl
