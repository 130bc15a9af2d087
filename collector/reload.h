// What a reload (SIGHUP, or POST /api/v1/admin/reload) does to a running collector:
// re-read the configuration file and, if it is valid, apply what can change without a
// restart (the log level, and the http: section's roles and tokens, so a revoked token
// stops working at once) and name every change that needs one. An invalid file changes
// nothing and the collector keeps serving with what it has.
//
// In two steps, so that a caller can write the audit entry of a change before making it
// (audit_log.h): PlanCollectorReload reads and validates, ApplyCollectorReload applies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/api/access.h"
#include "collector/config.h"

namespace vigil::collector {

// One key whose value differs between the running and the re-read configuration.
struct ConfigChange {
  std::string key;  // dotted, as in the file: "storage.retention.raw"
  std::string from;
  std::string to;
};

struct ReloadOutcome {
  std::vector<ConfigChange> applied;       // in effect now (log_level, http access)
  std::vector<ConfigChange> need_restart;  // take effect at the next start
};

// A validated configuration and what applying it would change.
struct ReloadPlan {
  CollectorConfig next;
  ReloadOutcome outcome;
};

// Sees what a reload would do (or why it cannot) before anything changes, and decides:
// the reload is applied only if it returns OK. The audit log's hook (audit_log.h).
using ReloadRecorder = std::function<absl::Status(const absl::StatusOr<ReloadOutcome>&)>;

// Every key whose value differs, in the order of the configuration reference. Token
// secrets are never shown: http.tokens lists names and roles, and a token whose secret
// was replaced under the same name and role shows as "NAME=ROLE (new secret)".
std::vector<ConfigChange> DiffCollectorConfig(const CollectorConfig& running,
                                              const CollectorConfig& next);

// Loads and validates `path` as at start (`--check-config`: the file, then the
// certificate files) and compares it with `running`. On an error returns it (it names
// the file, line and key) and logs it. Changes nothing.
absl::StatusOr<ReloadPlan> PlanCollectorReload(const std::string& path,
                                               const CollectorConfig& running);

// Applies the live keys of `plan` to the process (log level), to `access` (may be null)
// and to `*running`; leaves the other keys of `*running` as they are (so a later reload
// names them again). Logs each change.
void ApplyCollectorReload(const ReloadPlan& plan, CollectorConfig* running,
                          api::AccessControl* access);

// Plan and apply in one step; returns what changed, or the error.
absl::StatusOr<ReloadOutcome> ReloadCollectorConfig(const std::string& path,
                                                    CollectorConfig* running,
                                                    api::AccessControl* access = nullptr);

}  // namespace vigil::collector
