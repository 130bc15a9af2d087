// The lifecycle of one rule's alerts, as pure logic over an injected "now":
//
//   an evaluation returns the series for which the rule's condition holds;
//   a new series starts a pending alert (or a firing one when `for` is 0);
//   a pending alert fires once the condition has held for `for`, and is dropped as soon
//     as it stops holding;
//   a firing alert whose condition stops holding resolves after keep_firing_for; with a
//     `clear` expression (hysteresis) it resolves only once `clear` returns its series;
//   an alert that starts firing flap_starts times within flap_window is flapping: it is
//     held firing (reported once) until its condition has been false for flap_window.
//
// An evaluation covers either all of the rule's alerts or, for a rule evaluated for one
// host (rule_scope.h), only those with that instance label; alerts outside its scope
// are left alone. Resolved alerts stay in memory for flap_window (so that a quick
// re-fire counts towards flapping) and are then dropped.
//
// Not thread-safe: the alert manager serializes access.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "collector/alerts/alert.h"
#include "collector/alerts/rule.h"
#include "common/labels.h"

namespace vigil::alerts {

struct ActiveSeries {
  LabelSet labels;  // result labels, __name__ removed
  double value = 0;
};

struct RuleEvaluation {
  std::vector<ActiveSeries> active;
  std::vector<LabelSet> cleared;  // results of `clear` (labels, __name__ removed)
  std::string instance;           // scope: "" = every alert of the rule
};

struct FlapOptions {
  absl::Duration window = absl::Minutes(10);
  int starts = 3;
};

struct LifecycleResult {
  std::vector<AlertEvent> events;
  std::vector<std::string> changed;  // ids whose stored record must be rewritten
  std::vector<std::string> dropped;  // ids to delete from the store
};

// The stable id of the alert of a rule (`identity`: its group, name and severity) for
// result labels `labels`.
std::string AlertId(absl::string_view identity, const LabelSet& labels);

class RuleAlerts {
 public:
  LifecycleResult Apply(const AlertRule& rule, absl::string_view group,
                        const RuleEvaluation& evaluation, absl::Time now, const FlapOptions& flap);
  // When this rule must be evaluated again even without new data (a `for`, a
  // keep_firing_for or a flapping hold running out); InfiniteFuture if never.
  absl::Time NextDeadline(const AlertRule& rule, const FlapOptions& flap) const;

  absl::flat_hash_map<std::string, Alert>& alerts() { return alerts_; }
  const absl::flat_hash_map<std::string, Alert>& alerts() const { return alerts_; }

 private:
  absl::flat_hash_map<std::string, Alert> alerts_;
};

AlertEvent MakeEvent(const Alert& alert, absl::Time time, std::string kind,
                     std::string detail = "");

}  // namespace vigil::alerts
