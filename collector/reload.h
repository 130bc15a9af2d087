// What SIGHUP does to a running collector: re-read the configuration file and, if it is
// valid, apply what can change without a restart and name every change that needs one.
// An invalid file changes nothing and the collector keeps serving with what it has.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/config.h"

namespace vigil::collector {

// One key whose value differs between the running and the re-read configuration.
struct ConfigChange {
  std::string key;  // dotted, as in the file: "storage.retention.raw"
  std::string from;
  std::string to;
};

struct ReloadOutcome {
  std::vector<ConfigChange> applied;       // in effect now (log_level)
  std::vector<ConfigChange> need_restart;  // take effect at the next start
};

// Every key whose value differs, in the order of the configuration reference.
std::vector<ConfigChange> DiffCollectorConfig(const CollectorConfig& running,
                                              const CollectorConfig& next);

// Loads and validates `path` as at start (`--check-config`: the file, then the
// certificate files). On an error returns it (it names the file, line and key) and
// changes nothing. Otherwise applies the live keys (the log level) to the process and to
// `*running`, leaves the other keys of `*running` as they are (so a later reload names
// them again), and returns what changed. Logs each change, or the error.
//
// Not thread-safe: the signal-handling thread only.
absl::StatusOr<ReloadOutcome> ReloadCollectorConfig(const std::string& path,
                                                    CollectorConfig* running);

}  // namespace vigil::collector
