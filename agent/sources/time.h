// The "time" source: node_time_seconds, the host's wall clock at the tick
// (TickContext::now) as fractional Unix seconds, as node_exporter reports it. Compared
// with the collector's clock it shows hosts whose clock drifts.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// `time` as fractional Unix seconds.
double UnixSeconds(absl::Time time);

// Never fails; the options are unused.
absl::StatusOr<std::unique_ptr<Source>> CreateTimeSource(const SourceOptions& options);

}  // namespace vigil::agent
