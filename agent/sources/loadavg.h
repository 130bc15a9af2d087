// The "loadavg" source: <proc_root>/loadavg -> node_load1, node_load5, node_load15.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct Loadavg {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};

// Parses the content of /proc/loadavg ("0.52 0.58 0.59 2/1010 12345"). Only the
// three averages are required; fails ("line 1: ...") if they are missing or bad.
absl::StatusOr<Loadavg> ParseLoadavg(absl::string_view text);

absl::StatusOr<std::unique_ptr<Source>> CreateLoadavgSource(const SourceOptions& options);

}  // namespace vigil::agent
