// The alert manager's types (collector/alerts/) as the wire types of
// proto/vigil/v1/alerts.proto, which both the gRPC Alerts service and the HTTPS API's
// JSON (alert_json.h) are made from. Times are Unix milliseconds, 0 for a time that
// never happened (absl::InfinitePast).
//
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "absl/time/time.h"
#include "collector/alerts/alert.h"
#include "collector/alerts/alert_manager.h"
#include "collector/alerts/oncall.h"
#include "collector/alerts/silences.h"
#include "vigil/v1/alerts.pb.h"

namespace vigil::api {

// Unix milliseconds; 0 for an infinite time.
int64_t UnixMsOrZero(absl::Time t);

v1::Alert AlertProto(const alerts::Alert& alert);
// "inactive" without alerts, "firing" if one fires, else "pending" (Prometheus' rule state).
v1::RuleGroup RuleGroupProto(const alerts::GroupStatus& group);
v1::AlertEvent AlertEventProto(const alerts::AlertEvent& event);

// "pending" before it starts, "active" until it ends, then "expired".
absl::string_view SilenceState(const alerts::Silence& silence, absl::Time now);
v1::Silence SilenceProto(const alerts::Silence& silence, absl::Time now);

// Each rotation: who is on duty at `now` (position 0, and position 1 as secondary) and
// its shifts from `now` for `days`.
v1::OnCallResponse OnCallProto(const std::vector<alerts::Rotation>& rotations, absl::Time now,
                               int days);

}  // namespace vigil::api
