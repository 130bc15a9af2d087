// The alert manager: evaluates the rules when data arrives and on timers, keeps every
// alert's lifecycle (alert.h) in the state store, applies silences, maintenance windows
// and inhibition, escalates unacknowledged critical alerts through the on-call tiers,
// and hands messages to the notifier.
//
// When data arrives. The ingest service calls OnBatch(host) after each stored batch.
// The evaluator thread then evaluates the host-local rules (rule_scope.h) for that host
// only, and the other rules over all hosts (at most every min_global_interval); when
// many hosts are waiting it evaluates host-local rules once over all of them instead.
// Every rule is also evaluated on its group's interval, and exactly when a pending
// alert's `for` or a firing alert's keep_firing_for runs out. The host-down rule
// (host_silent) is checked every second against each host's last batch.
//
// Notifications. A firing alert that is not silenced, in maintenance or inhibited, and
// whose escalation tier is due but not yet notified, is sent to that tier's receivers
// with the on-call person of the tier's rotation; alerts of one host and receiver that
// are due together go in one message (a new alert waits group_wait for its siblings).
// Tier n > 0 is due when a critical alert (the policy's `escalate` severities) has not
// been acknowledged for the tier's `after`. A resolved alert is reported to the
// receivers that were told it fired. Because what was notified is stored with the
// alert, a restart neither repeats nor forgets a message.
//
// Time comes from the injected clock; with `background = false` nothing runs on its
// own and tests call RunOnce().
//
// Thread-safe. Does not own its dependencies; they must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/alerts/ack_link.h"
#include "collector/alerts/alert.h"
#include "collector/alerts/alerting_config.h"
#include "collector/alerts/rule.h"
#include "collector/alerts/silences.h"
#include "collector/notify/notifier.h"
#include "collector/query/engine.h"
#include "collector/state/state_store.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "common/metrics.h"

namespace vigil::alerts {

// A rule as /api/v1/rules shows it.
struct RuleStatus {
  std::shared_ptr<const AlertRule> rule;
  bool host_local = false;
  std::string health = "unknown";  // ok, err, unknown (not evaluated yet)
  std::string last_error;
  absl::Time last_evaluation = absl::InfinitePast();
  absl::Duration evaluation_time = absl::ZeroDuration();
  std::vector<Alert> alerts;  // pending and firing
};

struct GroupStatus {
  std::string name;
  std::string file;
  absl::Duration interval;
  std::vector<RuleStatus> rules;
};

struct HistoryQuery {
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  std::string alert_id;  // "" = all
  std::string instance;  // "" = all
  size_t limit = 1000;   // newest first
};

class AlertManager {
 public:
  struct Deps {
    const storage::Tsdb* tsdb = nullptr;  // hosts' last batch at start
    const query::Engine* engine = nullptr;
    state::StateStore* store = nullptr;
    notify::Notifier* notifier = nullptr;
    const Clock* clock = nullptr;
    MetricsRegistry* metrics = nullptr;  // may be null
  };

  // Loads the rules (config.rule_files), the alerts and silences left by the last run.
  static absl::StatusOr<std::unique_ptr<AlertManager>> Start(AlertingConfig config, Deps deps,
                                                             bool background = true);
  ~AlertManager();

  // Ingest's hook: a batch of `host` was stored. Cheap; never blocks on evaluation.
  void OnBatch(absl::string_view host);
  // Evaluates whatever is due now and sends what is due (the background thread's step).
  void RunOnce();

  std::vector<Alert> Alerts() const;  // pending and firing, newest first
  std::vector<GroupStatus> Rules() const;
  absl::StatusOr<Alert> Acknowledge(absl::string_view id, absl::string_view by,
                                    absl::string_view comment);
  absl::StatusOr<std::vector<AlertEvent>> History(const HistoryQuery& query) const;
  Silences& silences() { return *silences_; }
  const AckLinkSigner& ack_links() const { return *ack_links_; }
  // The on-call rotations and escalation policies in force.
  AlertingConfig config() const;

  // Re-reads the rule files and applies `config`; on error nothing changes. Alerts of
  // rules that are gone resolve.
  absl::Status Reload(AlertingConfig config);

  // Stops the evaluator thread.
  void Stop();

 private:
  class Impl;
  explicit AlertManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  Silences* silences_ = nullptr;
  const AckLinkSigner* ack_links_ = nullptr;
};

}  // namespace vigil::alerts
