// Escalation policies: who is told about an alert, and who next if nobody
// acknowledges it. Tier 0 is notified when the alert fires; tier i when the alert has
// been firing unacknowledged for tiers[i].after. A tier names receivers
// (alerting.receivers) and/or an on-call rotation whose person at `position`
// (0 primary, 1 secondary) is notified too. Only the severities in `escalate` go past
// tier 0; the others stay at tier 0.
//
// Value types and pure functions; thread-safe for concurrent readers.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/alerts/severity.h"
#include "common/config_node.h"

namespace vigil::alerts {

struct EscalationTier {
  absl::Duration after = absl::ZeroDuration();  // 0 for tier 0; strictly increasing
  std::vector<std::string> receivers;           // receiver names
  std::string oncall;                           // rotation name; "" = none
  int position = 0;                             // 0 primary, 1 secondary
};

struct EscalationPolicy {
  std::string name;
  std::vector<Severity> escalate = {Severity::kCritical};
  std::vector<EscalationTier> tiers;  // at least one
};

// The `escalation_policies:` list of the alerting section. Receivers and rotations are
// checked against the names given. Errors name the file, line and key.
absl::StatusOr<std::vector<EscalationPolicy>> ParseEscalationPolicies(
    const ConfigNode& policies_sequence, const absl::flat_hash_set<std::string>& receiver_names,
    const absl::flat_hash_set<std::string>& rotation_names);

// The policy by name, or null.
const EscalationPolicy* FindEscalationPolicy(const std::vector<EscalationPolicy>& policies,
                                             absl::string_view name);

// The highest tier that should have been notified for an alert of `severity` that has
// been firing unacknowledged for `unacknowledged_for`: 0 for severities not in
// `escalate`.
int DueTier(const EscalationPolicy& policy, Severity severity, absl::Duration unacknowledged_for);

// When tier `tier` + 1 becomes due, counted from when the alert fired; InfiniteDuration
// if there is no further tier or the severity does not escalate.
absl::Duration NextTierAfter(const EscalationPolicy& policy, Severity severity, int tier);

}  // namespace vigil::alerts
