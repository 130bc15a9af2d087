// One alert: an instance of a rule for one label set, and its lifecycle
//   inactive -> pending -> firing -> (acknowledged) -> resolved
// plus the flags on-call needs (silenced, inhibited, in maintenance, flapping) and the
// times of every step, which the SLA report reads (time to acknowledge, to resolve).
// Every transition is an AlertEvent kept in the state store's history.
//
// Value types.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "collector/alerts/rule.h"
#include "common/labels.h"

namespace vigil::alerts {

enum class AlertState { kPending, kFiring, kResolved };
absl::string_view AlertStateName(AlertState state);  // "pending", "firing", "resolved"

struct Alert {
  std::string id;     // 16 hex digits: hash of the rule name and labels; stable across restarts
  std::string rule;   // the rule's name (alertname)
  std::string group;  // the rule's group
  LabelSet labels;    // result labels + rule labels + alertname (no __name__)
  std::vector<std::pair<std::string, std::string>> annotations;  // rendered
  Severity severity = Severity::kWarning;
  AlertState state = AlertState::kPending;
  double value = 0;  // the expression's value at the last evaluation that returned it

  absl::Time active_at = absl::InfinitePast();    // condition first true (pending since)
  absl::Time fired_at = absl::InfinitePast();     // became firing
  absl::Time resolved_at = absl::InfinitePast();  // became resolved
  absl::Time last_seen = absl::InfinitePast();    // last evaluation whose result had it
  // keep_firing_for / clear: when the condition stopped being true while firing.
  absl::Time condition_lost_at = absl::InfinitePast();

  bool acknowledged = false;
  absl::Time acknowledged_at = absl::InfinitePast();
  std::string acknowledged_by;
  std::string ack_comment;

  // Flapping: state changes in the recent window; while flapping the alert is held
  // firing and reported once; it settles after a quiet window.
  bool flapping = false;
  std::vector<int64_t> recent_changes_ms;  // newest last, bounded

  // Delivery: the highest escalation tier notified, and when the last tier was sent.
  int notified_tier = -1;                               // -1: nothing sent yet
  absl::Time first_notified_at = absl::InfinitePast();  // escalation counts from here
  absl::Time last_notified_at = absl::InfinitePast();
  bool resolved_notified = false;

  // Why it is not notified right now (recorded, never lost): "" when it is.
  std::string silenced_by;   // silence id
  std::string maintenance;   // maintenance window name
  std::string inhibited_by;  // id of the alert that inhibits it
};

// One step of an alert's life, as stored in the history and listed by
// `vigilctl alerts --history`.
struct AlertEvent {
  absl::Time time;
  std::string alert_id;
  std::string rule;
  LabelSet labels;
  std::string kind;    // pending, firing, acknowledged, resolved, flapping, escalated, notified,
                       // silenced, unsilenced
  std::string detail;  // who and comment for an ack, tier and receivers for escalated, ...
  double value = 0;
  // For the SLA report (time to acknowledge, time to resolve): the alert's times when
  // the event happened.
  absl::Time fired_at = absl::InfinitePast();
  absl::Time acknowledged_at = absl::InfinitePast();
};

}  // namespace vigil::alerts
