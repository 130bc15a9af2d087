#include "collector/alerts/alert_manager.h"

#include <algorithm>
#include <map>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "collector/alerts/alert_store.h"
#include "collector/alerts/lifecycle.h"
#include "collector/alerts/rule_file.h"
#include "collector/alerts/rule_scope.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::alerts {
namespace {

// One rule and what the evaluator knows of it.
struct RuleRuntime {
  std::shared_ptr<const AlertRule> rule;
  std::string group;
  std::string file;
  absl::Duration interval;
  bool host_local = false;
  RuleAlerts alerts;
  std::string health = "unknown";
  std::string last_error;
  absl::Time last_evaluation = absl::InfinitePast();
  absl::Duration evaluation_time;
  absl::Time next_periodic = absl::InfinitePast();
  absl::Time last_global = absl::InfinitePast();  // last evaluation over all hosts
  absl::Time last_data = absl::InfinitePast();    // last evaluation on arriving data
  bool data_pending = false;                      // data arrived that no evaluation has seen yet
};

// A message being assembled for one receiver, host and tier.
struct Outgoing {
  notify::Notification notification;
  std::vector<std::string> alert_ids;
  bool ready = false;  // some alert in it is past group_wait (or resolved)
};

// Rules may share a name (a warning and a critical DiskSpace): the group, the name and
// the severity identify one.
std::string RuleKey(absl::string_view group, absl::string_view name, Severity severity) {
  return absl::StrCat(group, "\x1f", name, "\x1f", SeverityName(severity));
}

LabelSet WithoutName(const LabelSet& labels) {
  LabelSet out = labels;
  out.Remove(kMetricNameLabel);
  return out;
}

// A rule's escalation must name a configured policy (checked at start and reload, with
// the rule's file and line).
absl::Status CheckEscalations(const RuleSet& rules, const AlertingConfig& config) {
  for (const RuleGroup& g : rules.groups) {
    for (const AlertRule& r : g.rules) {
      if (r.escalation.empty()) continue;
      bool found = false;
      for (const EscalationPolicy& p : config.escalation_policies)
        found = found || p.name == r.escalation;
      if (!found && !(config.escalation_policies.empty() && r.escalation == "default")) {
        return absl::InvalidArgumentError(
            absl::StrCat(r.file, ":", r.line, ": group \"", g.name, "\", rule \"", r.name,
                         "\": escalation: no escalation policy named \"", r.escalation,
                         "\" in alerting.escalation_policies"));
      }
    }
  }
  return absl::OkStatus();
}

// Counters for /metrics.
struct AlertMetrics {
  Counter* evaluations = nullptr;
  Counter* evaluation_failures = nullptr;
  Counter* series_evaluated = nullptr;
  Histogram* evaluation_seconds = nullptr;
};

}  // namespace

class AlertManager::Impl {
 public:
  Impl(AlertingConfig config, Deps deps)
      : config_(std::move(config)), deps_(deps), store_(deps.store) {}

  absl::Status Init(RuleSet rules);
  void OnBatch(absl::string_view host);
  void RunOnce();
  void Loop();
  void StopThread();

  std::vector<Alert> Alerts() const;
  std::vector<GroupStatus> Rules() const;
  absl::StatusOr<Alert> Acknowledge(absl::string_view id, absl::string_view by,
                                    absl::string_view comment);
  absl::StatusOr<std::vector<AlertEvent>> History(const HistoryQuery& q) const {
    return store_.History(q.from, q.to, q.alert_id, q.instance, q.limit);
  }
  AlertingConfig config() const {
    absl::MutexLock lock(&mu_);
    return config_;
  }
  absl::Status Reload(AlertingConfig config);

  std::unique_ptr<Silences> silences;
  std::unique_ptr<AckLinkSigner> ack_links;
  std::thread thread;
  AlertMetrics metrics;

 private:
  void InstallRules(RuleSet rules, std::vector<Alert> carried) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evaluate(RuleRuntime* rt, absl::string_view instance, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(eval_mu_);
  void EvaluateHostSilence(RuleRuntime* rt, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(eval_mu_);
  void Record(RuleRuntime* rt, LifecycleResult result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Reconcile(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Persist(const std::vector<std::string>& ids, const std::vector<std::string>& dropped,
               std::vector<AlertEvent> events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Alert* FindAlert(absl::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const EscalationPolicy* PolicyFor(const AlertRule& rule) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<notify::Recipient> RecipientsFor(const EscalationTier& tier, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  FlapOptions flap() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return FlapOptions{config_.flap_window, config_.flap_starts};
  }

  mutable absl::Mutex mu_;  // rules, alerts, config
  AlertingConfig config_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<RuleRuntime>> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<EscalationPolicy> implicit_policy_ ABSL_GUARDED_BY(mu_);

  absl::Mutex eval_mu_;  // one evaluation pass (RunOnce) or reload at a time

  absl::Mutex hosts_mu_;
  absl::CondVar hosts_cv_;
  absl::flat_hash_set<std::string> dirty_hosts_ ABSL_GUARDED_BY(hosts_mu_);
  absl::flat_hash_map<std::string, absl::Time> last_batch_ ABSL_GUARDED_BY(hosts_mu_);
  bool stopping_ ABSL_GUARDED_BY(hosts_mu_) = false;

  const Deps deps_;
  AlertStore store_;
  absl::Time last_purge_ = absl::InfinitePast();
};

absl::Status AlertManager::Impl::Init(RuleSet rules) {
  std::vector<std::string> skipped;
  absl::StatusOr<std::vector<Alert>> stored = store_.Load(&skipped);
  if (!stored.ok()) return stored.status();
  for (const std::string& s : skipped) LogError("alerts: skipped an unreadable record: ", s);
  {
    absl::MutexLock lock(&mu_);
    InstallRules(std::move(rules), std::move(*stored));
  }
  const absl::Time now = deps_.clock->Now();
  // Hosts that were down before the restart stay down: their silence counts from their
  // last batch, not from now (else the restart would resolve and re-page them).
  absl::flat_hash_set<std::string> down;
  {
    absl::MutexLock lock(&mu_);
    for (const std::unique_ptr<RuleRuntime>& rt : rules_) {
      if (rt->rule->host_silent <= absl::ZeroDuration()) continue;
      for (const auto& [id, a] : rt->alerts.alerts()) {
        if (a.state == AlertState::kFiring) down.insert(std::string(a.labels.Get(kInstanceLabel)));
      }
    }
  }
  absl::MutexLock lock(&hosts_mu_);
  if (deps_.tsdb != nullptr) {
    for (const v1::HostInfo& host : deps_.tsdb->Hosts()) {
      const absl::Time seen = absl::FromUnixMillis(host.last_seen_ms());
      // A collector restart is not a host's silence: count from now at the earliest.
      last_batch_[host.host()] = down.contains(host.host()) ? seen : std::max(seen, now);
    }
  }
  for (const std::string& host : down) {
    if (!last_batch_.contains(host)) last_batch_[host] = absl::InfinitePast();
  }
  return absl::OkStatus();
}

void AlertManager::Impl::InstallRules(RuleSet rules, std::vector<Alert> carried) {
  std::map<std::string, RuleRuntime*> by_key;
  std::vector<std::unique_ptr<RuleRuntime>> fresh;
  for (RuleGroup& g : rules.groups) {
    for (AlertRule& r : g.rules) {
      auto rt = std::make_unique<RuleRuntime>();
      rt->rule = std::make_shared<const AlertRule>(std::move(r));
      rt->group = g.name;
      rt->file = g.file;
      rt->interval = g.interval > absl::ZeroDuration() ? g.interval : config_.evaluation_interval;
      rt->host_local = rt->rule->parsed_expr != nullptr && IsHostLocal(*rt->rule->parsed_expr) &&
                       (rt->rule->parsed_clear == nullptr || IsHostLocal(*rt->rule->parsed_clear));
      const std::string key = RuleKey(g.name, rt->rule->name, rt->rule->severity);
      if (!by_key.emplace(key, rt.get()).second) {
        LogWarning("alerts: ", rt->rule->file, ":", rt->rule->line, ": rule ", rt->rule->name,
                   " repeats another of group ", g.name, " with the same severity; their alerts",
                   " are told apart by their labels only");
      }
      fresh.push_back(std::move(rt));
    }
  }
  // Keep what the old runtimes knew (alerts, health) for rules that stay.
  for (std::unique_ptr<RuleRuntime>& old : rules_) {
    auto it = by_key.find(RuleKey(old->group, old->rule->name, old->rule->severity));
    if (it == by_key.end()) {
      for (auto& [id, a] : old->alerts.alerts()) carried.push_back(std::move(a));
      continue;
    }
    it->second->alerts = std::move(old->alerts);
    it->second->health = old->health;
    it->second->last_error = old->last_error;
    it->second->last_evaluation = old->last_evaluation;
  }
  rules_ = std::move(fresh);
  // Alerts from the store or from removed rules: back to their rule, or resolved.
  std::vector<std::string> changed;
  std::vector<AlertEvent> events;
  const absl::Time now = deps_.clock->Now();
  for (Alert& a : carried) {
    auto it = by_key.find(RuleKey(a.group, a.rule, a.severity));
    if (it != by_key.end()) {
      it->second->alerts.alerts()[a.id] = std::move(a);
      continue;
    }
    if (a.state == AlertState::kResolved) {
      // A resolved alert of a rule that is gone: nothing more to report.
      (void)store_.Save({}, {a.id}, {});
      continue;
    }
    a.state = AlertState::kResolved;
    a.resolved_at = now;
    events.push_back(MakeEvent(a, now, "resolved", "its rule was removed"));
    (void)store_.Save({}, {a.id}, events);
    events.clear();
  }
  implicit_policy_.clear();
  if (config_.escalation_policies.empty()) {
    EscalationPolicy p;
    p.name = "default";
    EscalationTier tier;
    for (const notify::ReceiverConfig& r : config_.receivers) tier.receivers.push_back(r.name);
    p.tiers.push_back(std::move(tier));
    implicit_policy_.push_back(std::move(p));
  }
}

void AlertManager::Impl::OnBatch(absl::string_view host) {
  const absl::Time now = deps_.clock->Now();
  absl::MutexLock lock(&hosts_mu_);
  last_batch_[host] = now;
  dirty_hosts_.insert(std::string(host));
  hosts_cv_.Signal();
}

void AlertManager::Impl::Evaluate(RuleRuntime* rt, absl::string_view instance, absl::Time now) {
  const AlertRule& rule = *rt->rule;
  absl::StatusOr<storage::LabelMatcher> scope;
  if (!instance.empty()) {
    scope = storage::LabelMatcher::Create(storage::LabelMatcher::Type::kEqual,
                                          std::string(kInstanceLabel), std::string(instance));
  }
  const storage::LabelMatcher* scope_ptr = instance.empty() || !scope.ok() ? nullptr : &*scope;
  const absl::Time started = absl::Now();
  const int64_t t = absl::ToUnixMillis(now);
  absl::StatusOr<query::QueryResult> result =
      deps_.engine->InstantExpr(*rule.parsed_expr, t, scope_ptr);
  RuleEvaluation evaluation;
  evaluation.instance = std::string(instance);
  absl::Status status = result.status();
  if (result.ok()) {
    for (query::Series& s : result->series) {
      if (s.points.empty()) continue;
      evaluation.active.push_back({WithoutName(s.labels), s.points.back().v});
    }
    if (rule.parsed_clear != nullptr) {
      absl::StatusOr<query::QueryResult> cleared =
          deps_.engine->InstantExpr(*rule.parsed_clear, t, scope_ptr);
      if (cleared.ok()) {
        for (const query::Series& s : cleared->series)
          evaluation.cleared.push_back(WithoutName(s.labels));
      } else {
        status = cleared.status();
      }
    }
  }
  const absl::Duration took = absl::Now() - started;
  if (metrics.evaluations != nullptr) {
    metrics.evaluations->Inc();
    if (!status.ok()) metrics.evaluation_failures->Inc();
    if (result.ok()) metrics.series_evaluated->Add(result->stats.series_touched);
    metrics.evaluation_seconds->Observe(absl::ToDoubleSeconds(took));
  }
  absl::MutexLock lock(&mu_);
  rt->last_evaluation = now;
  rt->evaluation_time = took;
  if (!status.ok()) {
    // A failed evaluation changes no alert: a storage hiccup must not resolve them.
    if (rt->health != "err" || rt->last_error != status.message()) {
      LogWarning("alerts: rule ", rule.name, " (", rule.file, ":", rule.line,
                 "): evaluation failed: ", status.message());
    }
    rt->health = "err";
    rt->last_error = std::string(status.message());
    return;
  }
  rt->health = "ok";
  rt->last_error.clear();
  Record(rt, rt->alerts.Apply(rule, rt->group, evaluation, now, flap()));
}

void AlertManager::Impl::EvaluateHostSilence(RuleRuntime* rt, absl::Time now) {
  const AlertRule& rule = *rt->rule;
  RuleEvaluation evaluation;
  {
    absl::MutexLock lock(&hosts_mu_);
    for (const auto& [host, seen] : last_batch_) {
      const absl::Duration silent = now - seen;
      if (silent < rule.host_silent) continue;
      evaluation.active.push_back(
          {LabelSet({Label{std::string(kInstanceLabel), host}}), absl::ToDoubleSeconds(silent)});
    }
  }
  absl::MutexLock lock(&mu_);
  rt->last_evaluation = now;
  rt->health = "ok";
  Record(rt, rt->alerts.Apply(rule, rt->group, evaluation, now, flap()));
}

void AlertManager::Impl::Record(RuleRuntime* rt, LifecycleResult result) {
  (void)rt;
  for (const AlertEvent& e : result.events) {
    LogInfo("alert ", e.kind, ": ", e.rule, " ", e.labels.ToString(), " value ", e.value,
            e.detail.empty() ? "" : absl::StrCat(" (", e.detail, ")"));
  }
  Persist(result.changed, result.dropped, std::move(result.events));
}

void AlertManager::Impl::Persist(const std::vector<std::string>& ids,
                                 const std::vector<std::string>& dropped,
                                 std::vector<AlertEvent> events) {
  std::vector<const Alert*> alerts;
  absl::flat_hash_set<std::string> unique;
  for (const std::string& id : ids) {
    if (!unique.insert(id).second) continue;
    if (const Alert* a = FindAlert(id); a != nullptr) alerts.push_back(a);
  }
  absl::Status saved = store_.Save(alerts, dropped, events);
  if (!saved.ok()) {
    // The decision stands in memory and is written again with the alert's next change;
    // the log says what the store lost.
    LogError("alerts: cannot store ", alerts.size(), " alert(s) and ", events.size(),
             " event(s): ", saved.message());
  }
}

Alert* AlertManager::Impl::FindAlert(absl::string_view id) {
  for (std::unique_ptr<RuleRuntime>& rt : rules_) {
    auto it = rt->alerts.alerts().find(id);
    if (it != rt->alerts.alerts().end()) return &it->second;
  }
  return nullptr;
}

const EscalationPolicy* AlertManager::Impl::PolicyFor(const AlertRule& rule) const {
  const std::vector<EscalationPolicy>& policies =
      config_.escalation_policies.empty() ? implicit_policy_ : config_.escalation_policies;
  const std::string& wanted =
      !rule.escalation.empty() ? rule.escalation : config_.default_escalation;
  for (const EscalationPolicy& p : policies) {
    if (wanted.empty() || p.name == wanted) return &p;
  }
  return policies.empty() ? nullptr : &policies.front();
}

std::vector<notify::Recipient> AlertManager::Impl::RecipientsFor(const EscalationTier& tier,
                                                                 absl::Time now) const {
  std::vector<notify::Recipient> out;
  if (tier.oncall.empty()) return out;
  for (const Rotation& r : config_.oncall) {
    if (r.name != tier.oncall || r.people.empty()) continue;
    const Person p = OnDuty(r, now, tier.position);
    out.push_back(notify::Recipient{p.name, p.phone, p.email});
  }
  return out;
}

void AlertManager::Impl::Reconcile(absl::Time now) {
  // Inhibitors: firing alerts of rules with inhibit_equal, by the values they inhibit.
  struct Inhibitor {
    std::string id;
    std::string rule;
    std::vector<std::pair<std::string, std::string>> equal;
  };
  std::vector<Inhibitor> inhibitors;
  for (const std::unique_ptr<RuleRuntime>& rt : rules_) {
    if (rt->rule->inhibit_equal.empty()) continue;
    for (const auto& [id, a] : rt->alerts.alerts()) {
      if (a.state != AlertState::kFiring) continue;
      Inhibitor in{id, rt->rule->name, {}};
      for (const std::string& name : rt->rule->inhibit_equal) {
        in.equal.emplace_back(name, std::string(a.labels.Get(name)));
      }
      inhibitors.push_back(std::move(in));
    }
  }
  auto inhibited_by = [&](const Alert& a) -> std::string {
    for (const Inhibitor& in : inhibitors) {
      if (in.rule == a.rule) continue;
      bool all = true;
      for (const auto& [name, value] : in.equal) all = all && a.labels.Get(name) == value;
      if (all) return in.id;
    }
    return "";
  };

  std::map<std::tuple<std::string, std::string, int>, Outgoing> outgoing;
  std::vector<std::string> changed;
  std::vector<AlertEvent> events;
  // What to do once the messages are stored: per alert, the tier notified.
  struct Notified {
    Alert* alert;
    int tier;
    std::string detail;  // receivers and on-call people, for the history
  };
  std::vector<Notified> notified;
  std::vector<Alert*> resolved_reported;

  for (const std::unique_ptr<RuleRuntime>& rt : rules_) {
    const AlertRule& rule = *rt->rule;
    const EscalationPolicy* policy = PolicyFor(rule);
    for (auto& [id, a] : rt->alerts.alerts()) {
      if (a.state == AlertState::kPending) continue;
      // Why it would not be notified now.
      std::string silence;
      if (std::optional<std::string> s = silences->Silencing(a.labels, now); s.has_value()) {
        silence = *s;
      }
      std::string window;
      if (const MaintenanceWindow* w = ActiveWindow(config_.maintenance_windows, a.labels, now);
          w != nullptr) {
        window = w->name;
      }
      const std::string inhibitor =
          a.state == AlertState::kFiring ? inhibited_by(a) : a.inhibited_by;
      if (a.state == AlertState::kFiring &&
          (silence != a.silenced_by || window != a.maintenance || inhibitor != a.inhibited_by)) {
        const bool now_quiet = !silence.empty() || !window.empty() || !inhibitor.empty();
        events.push_back(MakeEvent(
            a, now, now_quiet ? "silenced" : "unsilenced",
            now_quiet
                ? absl::StrCat(!silence.empty() ? absl::StrCat("silence ", silence) : "",
                               !window.empty() ? absl::StrCat(" maintenance ", window) : "",
                               !inhibitor.empty() ? absl::StrCat(" inhibited by ", inhibitor) : "")
                : ""));
        a.silenced_by = silence;
        a.maintenance = window;
        a.inhibited_by = inhibitor;
        changed.push_back(id);
      }
      if (policy == nullptr || policy->tiers.empty()) continue;
      const bool quiet =
          !a.silenced_by.empty() || !a.maintenance.empty() || !a.inhibited_by.empty();

      if (a.state == AlertState::kResolved) {
        if (a.resolved_notified || a.notified_tier < 0) continue;
        if (quiet) {
          // Silenced or inhibited at the end (host down): a "resolved" would mislead.
          a.resolved_notified = true;
          changed.push_back(id);
          continue;
        }
        for (int tier = 0; tier <= a.notified_tier && tier < static_cast<int>(policy->tiers.size());
             ++tier) {
          for (const std::string& receiver : policy->tiers[tier].receivers) {
            Outgoing& out = outgoing[{receiver, std::string(a.labels.Get(kInstanceLabel)), 0}];
            out.ready = true;
            out.alert_ids.push_back(id);
            if (out.notification.recipients.empty()) {
              out.notification.recipients = RecipientsFor(policy->tiers[tier], now);
            }
          }
        }
        resolved_reported.push_back(&a);
        continue;
      }
      // Firing.
      if (quiet) continue;
      // Escalation counts from the first message (not from firing): an alert that fired
      // in a maintenance window starts at the first tier when the window ends.
      const int due = a.acknowledged || a.notified_tier < 0
                          ? std::max(a.notified_tier, 0)
                          : DueTier(*policy, a.severity, now - a.first_notified_at);
      if (a.notified_tier >= due) continue;
      const bool ready = a.notified_tier >= 0 || now - a.fired_at >= config_.group_wait;
      std::string detail;
      for (int tier = a.notified_tier + 1;
           tier <= due && tier < static_cast<int>(policy->tiers.size()); ++tier) {
        std::vector<std::string> people;
        for (const notify::Recipient& r : RecipientsFor(policy->tiers[tier], now)) {
          people.push_back(r.name);
        }
        absl::StrAppend(
            &detail, detail.empty() ? "" : "; ", "tier ", tier, " to ",
            absl::StrJoin(policy->tiers[tier].receivers, ", "),
            people.empty() ? "" : absl::StrCat(" (on call: ", absl::StrJoin(people, ", "), ")"));
        for (const std::string& receiver : policy->tiers[tier].receivers) {
          Outgoing& out = outgoing[{receiver, std::string(a.labels.Get(kInstanceLabel)), tier}];
          out.ready = out.ready || ready;
          out.alert_ids.push_back(id);
          if (out.notification.recipients.empty()) {
            out.notification.recipients = RecipientsFor(policy->tiers[tier], now);
          }
        }
      }
      notified.push_back(Notified{&a, due, std::move(detail)});
    }
  }

  // An alert goes to all its receivers at once or not at all: a group that shares an
  // alert with a ready group is ready too.
  for (bool changed_any = true; changed_any;) {
    changed_any = false;
    absl::flat_hash_set<std::string> ready_ids;
    for (const auto& [key, out] : outgoing) {
      if (out.ready) ready_ids.insert(out.alert_ids.begin(), out.alert_ids.end());
    }
    for (auto& [key, out] : outgoing) {
      if (out.ready) continue;
      for (const std::string& id : out.alert_ids) {
        if (ready_ids.contains(id)) {
          out.ready = true;
          changed_any = true;
          break;
        }
      }
    }
  }
  // Send what is ready; alerts in groups that wait keep their tier and come back.
  absl::flat_hash_set<std::string> sent_ids;
  absl::flat_hash_set<std::string> failed_ids;  // and those that wait
  for (auto& [key, out] : outgoing) {
    if (!out.ready) {
      failed_ids.insert(out.alert_ids.begin(), out.alert_ids.end());
      continue;
    }
    const auto& [receiver, host, tier] = key;
    notify::Notification& n = out.notification;
    n.receiver = receiver;
    n.group_key = host;
    n.tier = tier;
    n.escalated = tier > 0;
    n.language = config_.language;
    n.external_url = config_.external_url;
    n.created = now;
    for (const std::string& id : out.alert_ids) {
      const Alert* a = FindAlert(id);
      if (a == nullptr) continue;
      notify::AlertItem item;
      item.id = a->id;
      item.labels = a->labels;
      item.annotations = a->annotations;
      item.resolved = a->state == AlertState::kResolved;
      item.starts_at = a->fired_at;
      item.ends_at = item.resolved ? a->resolved_at : absl::InfinitePast();
      item.value = a->value;
      item.acknowledged = a->acknowledged;
      item.acknowledged_by = a->acknowledged_by;
      item.flapping = a->flapping;
      if (!item.resolved && !config_.external_url.empty()) {
        const std::string who = n.recipients.empty() ? "on-call" : n.recipients.front().name;
        item.ack_url =
            ack_links->MakeUrl(config_.external_url, a->id, who, now + config_.ack_link_ttl);
      }
      n.alerts.push_back(std::move(item));
    }
    std::stable_sort(n.alerts.begin(), n.alerts.end(),
                     [](const notify::AlertItem& x, const notify::AlertItem& y) {
                       return !x.resolved && y.resolved;
                     });
    absl::Status queued = deps_.notifier->Enqueue(n);
    if (!queued.ok()) {
      LogError("alerts: cannot queue a message for receiver ", receiver, ": ", queued.message());
      for (const std::string& id : out.alert_ids) failed_ids.insert(id);
      continue;
    }
    for (const std::string& id : out.alert_ids) sent_ids.insert(id);
  }
  for (Notified& n : notified) {
    Alert* a = n.alert;
    if (!sent_ids.contains(a->id) || failed_ids.contains(a->id)) continue;
    const int from = a->notified_tier + 1;
    if (a->notified_tier < 0) a->first_notified_at = now;
    a->notified_tier = n.tier;
    a->last_notified_at = now;
    events.push_back(MakeEvent(*a, now, from == 0 ? "notified" : "escalated", std::move(n.detail)));
    changed.push_back(a->id);
  }
  for (Alert* a : resolved_reported) {
    if (!sent_ids.contains(a->id) || failed_ids.contains(a->id)) continue;
    a->resolved_notified = true;
    changed.push_back(a->id);
  }
  if (!changed.empty() || !events.empty()) Persist(changed, {}, std::move(events));
}

void AlertManager::Impl::RunOnce() {
  absl::MutexLock eval_lock(&eval_mu_);
  const absl::Time now = deps_.clock->Now();
  absl::flat_hash_set<std::string> dirty;
  size_t known_hosts = 0;
  {
    absl::MutexLock lock(&hosts_mu_);
    dirty.swap(dirty_hosts_);
    known_hosts = last_batch_.size();
  }
  std::vector<RuleRuntime*> rules;
  absl::Duration min_global;
  FlapOptions flap_options;
  {
    absl::MutexLock lock(&mu_);
    for (std::unique_ptr<RuleRuntime>& rt : rules_) rules.push_back(rt.get());
    min_global = config_.min_global_interval;
    flap_options = flap();
  }
  // Many hosts at once: one evaluation over all of them is cheaper than one each.
  const bool many = dirty.size() > std::max<size_t>(8, known_hosts / 4);
  // Rules without `for` (and host down) run first and always: their alerts leave
  // seconds after the data. A rule with `for` runs on data at most every for/10 (an
  // alert that must hold for 5 minutes gains nothing from being checked every second),
  // and these slower evaluations share a time budget per pass, so that a round of
  // rules over 1,000 hosts never holds back the fast ones: what does not fit stays due
  // for the next pass (a tenth of a second later).
  std::vector<RuleRuntime*> order = rules;
  std::stable_partition(order.begin(), order.end(), [](const RuleRuntime* rt) {
    return rt->rule->for_duration == absl::ZeroDuration() ||
           rt->rule->host_silent > absl::ZeroDuration();
  });
  const absl::Time pass_started = absl::Now();
  constexpr absl::Duration kSlowBudget = absl::Milliseconds(200);
  for (RuleRuntime* rt : order) {
    const AlertRule& rule = *rt->rule;
    if (rule.host_silent > absl::ZeroDuration()) {
      EvaluateHostSilence(rt, now);
      continue;
    }
    const bool fast = rule.for_duration == absl::ZeroDuration();
    const absl::Duration data_interval =
        fast ? absl::ZeroDuration()
             : std::clamp(rule.for_duration / 10, min_global, std::max(min_global, rt->interval));
    if (!dirty.empty()) rt->data_pending = true;
    absl::Time deadline;
    {
      absl::MutexLock lock(&mu_);
      deadline = rt->alerts.NextDeadline(rule, flap_options);
    }
    const bool periodic = now >= rt->next_periodic || now >= deadline;
    const bool data_due = rt->data_pending && now - rt->last_data >= data_interval;
    if (!periodic && !data_due) continue;
    if (!fast && absl::Now() - pass_started > kSlowBudget) continue;  // next pass
    const bool global_due = now - rt->last_global >= min_global;
    if (periodic || (data_due && (!rt->host_local || many || !fast) && global_due)) {
      Evaluate(rt, "", now);
      rt->last_global = now;
      rt->last_data = now;
      rt->data_pending = false;
      if (periodic) rt->next_periodic = now + rt->interval;
      continue;
    }
    if (data_due && rt->host_local && fast) {
      for (const std::string& host : dirty) Evaluate(rt, host, now);
      rt->last_data = now;
      rt->data_pending = false;
    }
    // Otherwise a rule over all hosts that ran less than min_global ago: it stays
    // pending and runs once that has passed.
  }
  {
    absl::MutexLock lock(&mu_);
    Reconcile(now);
  }
  if (now - last_purge_ > absl::Hours(1)) {
    last_purge_ = now;
    (void)store_.PurgeHistory(now - absl::Hours(24 * 400));
  }
}

void AlertManager::Impl::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&hosts_mu_);
      if (stopping_) return;
      if (dirty_hosts_.empty()) hosts_cv_.WaitWithTimeout(&hosts_mu_, absl::Milliseconds(100));
      if (stopping_) return;
    }
    RunOnce();
  }
}

void AlertManager::Impl::StopThread() {
  {
    absl::MutexLock lock(&hosts_mu_);
    stopping_ = true;
    hosts_cv_.Signal();
  }
  if (thread.joinable()) thread.join();
}

std::vector<Alert> AlertManager::Impl::Alerts() const {
  std::vector<Alert> out;
  absl::MutexLock lock(&mu_);
  for (const std::unique_ptr<RuleRuntime>& rt : rules_) {
    for (const auto& [id, a] : rt->alerts.alerts()) {
      if (a.state != AlertState::kResolved) out.push_back(a);
    }
  }
  std::sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) {
    return x.active_at != y.active_at ? x.active_at > y.active_at : x.id < y.id;
  });
  return out;
}

std::vector<GroupStatus> AlertManager::Impl::Rules() const {
  std::vector<GroupStatus> out;
  absl::MutexLock lock(&mu_);
  for (const std::unique_ptr<RuleRuntime>& rt : rules_) {
    if (out.empty() || out.back().name != rt->group || out.back().file != rt->file) {
      out.push_back(GroupStatus{rt->group, rt->file, rt->interval, {}});
    }
    RuleStatus s;
    s.rule = rt->rule;
    s.host_local = rt->host_local;
    s.health = rt->health;
    s.last_error = rt->last_error;
    s.last_evaluation = rt->last_evaluation;
    s.evaluation_time = rt->evaluation_time;
    for (const auto& [id, a] : rt->alerts.alerts()) {
      if (a.state != AlertState::kResolved) s.alerts.push_back(a);
    }
    out.back().rules.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<Alert> AlertManager::Impl::Acknowledge(absl::string_view id, absl::string_view by,
                                                      absl::string_view comment) {
  absl::MutexLock lock(&mu_);
  Alert* a = FindAlert(id);
  if (a == nullptr) return absl::NotFoundError(absl::StrCat("no alert with id ", id));
  if (a->state == AlertState::kResolved) {
    return absl::FailedPreconditionError(absl::StrCat("alert ", id, " is already resolved"));
  }
  if (a->state == AlertState::kPending) {
    return absl::FailedPreconditionError(
        absl::StrCat("alert ", id, " is pending; only a firing alert can be acknowledged"));
  }
  if (a->acknowledged) {
    return absl::AlreadyExistsError(
        absl::StrCat("alert ", id, " was acknowledged by ", a->acknowledged_by, " already"));
  }
  const absl::Time now = deps_.clock->Now();
  a->acknowledged = true;
  a->acknowledged_at = now;
  a->acknowledged_by = std::string(by);
  a->ack_comment = std::string(comment);
  std::vector<AlertEvent> events{
      MakeEvent(*a, now, "acknowledged",
                absl::StrCat("by ", by, " after ",
                             absl::FormatDuration(absl::Trunc(now - a->fired_at, absl::Seconds(1))),
                             comment.empty() ? "" : absl::StrCat(": ", comment)))};
  std::vector<const Alert*> alerts{a};
  absl::Status saved = store_.Save(alerts, {}, events);
  if (!saved.ok()) {
    a->acknowledged = false;
    a->acknowledged_at = absl::InfinitePast();
    a->acknowledged_by.clear();
    a->ack_comment.clear();
    return absl::UnavailableError(
        absl::StrCat("the acknowledgement cannot be stored: ", saved.message()));
  }
  LogInfo("alert acknowledged: ", a->rule, " ", a->labels.ToString(), " by ", by);
  return *a;
}

absl::Status AlertManager::Impl::Reload(AlertingConfig config) {
  absl::StatusOr<RuleSet> rules = LoadRuleFiles(config.rule_files);
  if (!rules.ok()) return rules.status();
  VIGIL_RETURN_IF_ERROR(CheckEscalations(*rules, config));
  std::vector<notify::ReceiverConfig> receivers = config.receivers;
  {
    absl::MutexLock eval_lock(&eval_mu_);
    absl::MutexLock lock(&mu_);
    config_ = std::move(config);
    InstallRules(std::move(*rules), {});
  }
  // Outside the locks: it waits for sends in progress.
  deps_.notifier->SetReceivers(std::move(receivers));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AlertManager>> AlertManager::Start(AlertingConfig config, Deps deps,
                                                                  bool background) {
  absl::StatusOr<RuleSet> rules = LoadRuleFiles(config.rule_files);
  if (!rules.ok()) return rules.status();
  VIGIL_RETURN_IF_ERROR(CheckEscalations(*rules, config));
  auto impl = std::make_unique<Impl>(std::move(config), deps);
  if (deps.metrics != nullptr) {
    AlertMetrics& m = impl->metrics;
    VIGIL_ASSIGN_OR_RETURN(
        m.evaluations, deps.metrics->AddCounter("vigil_alert_rule_evaluations_total",
                                                "Rule evaluations (one rule, one host or all)."));
    VIGIL_ASSIGN_OR_RETURN(
        m.evaluation_failures,
        deps.metrics->AddCounter("vigil_alert_rule_evaluation_failures_total",
                                 "Rule evaluations that failed (the rule's alerts were kept)."));
    VIGIL_ASSIGN_OR_RETURN(
        m.series_evaluated,
        deps.metrics->AddCounter("vigil_alert_series_evaluated_total",
                                 "Series the rule evaluations selected, all selectors together."));
    VIGIL_ASSIGN_OR_RETURN(
        m.evaluation_seconds,
        deps.metrics->AddHistogram("vigil_alert_rule_evaluation_seconds",
                                   "Time one rule evaluation took.",
                                   {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5}));
    Impl* raw = impl.get();
    VIGIL_RETURN_IF_ERROR(deps.metrics->AddCallback(
        "vigil_alerts", "Alerts by state (pending, firing) and whether they are notified.",
        MetricType::kGauge, {"state"}, [raw](MetricEmitter& emit) {
          size_t pending = 0, firing = 0, acknowledged = 0, quiet = 0;
          for (const Alert& a : raw->Alerts()) {
            if (a.state == AlertState::kPending) ++pending;
            if (a.state == AlertState::kFiring) ++firing;
            if (a.acknowledged) ++acknowledged;
            if (!a.silenced_by.empty() || !a.maintenance.empty() || !a.inhibited_by.empty())
              ++quiet;
          }
          emit.Emit({"pending"}, pending);
          emit.Emit({"firing"}, firing);
          emit.Emit({"acknowledged"}, acknowledged);
          emit.Emit({"suppressed"}, quiet);
        }));
  }
  absl::StatusOr<std::unique_ptr<Silences>> silences = Silences::Load(deps.store, deps.clock);
  if (!silences.ok()) return silences.status();
  impl->silences = std::move(*silences);
  absl::StatusOr<AckLinkSigner> signer = AckLinkSigner::LoadOrCreate(deps.store);
  if (!signer.ok()) return signer.status();
  impl->ack_links = std::make_unique<AckLinkSigner>(std::move(*signer));
  VIGIL_RETURN_IF_ERROR(impl->Init(std::move(*rules)));
  std::unique_ptr<AlertManager> manager(new AlertManager(std::move(impl)));
  if (background) {
    Impl* raw = manager->impl_.get();
    manager->impl_->thread = std::thread([raw] { raw->Loop(); });
  }
  return manager;
}

AlertManager::AlertManager(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)),
      silences_(impl_->silences.get()),
      ack_links_(impl_->ack_links.get()) {}

AlertManager::~AlertManager() { Stop(); }

void AlertManager::OnBatch(absl::string_view host) { impl_->OnBatch(host); }
void AlertManager::RunOnce() { impl_->RunOnce(); }
std::vector<Alert> AlertManager::Alerts() const { return impl_->Alerts(); }
std::vector<GroupStatus> AlertManager::Rules() const { return impl_->Rules(); }
absl::StatusOr<Alert> AlertManager::Acknowledge(absl::string_view id, absl::string_view by,
                                                absl::string_view comment) {
  return impl_->Acknowledge(id, by, comment);
}
absl::StatusOr<std::vector<AlertEvent>> AlertManager::History(const HistoryQuery& query) const {
  return impl_->History(query);
}
AlertingConfig AlertManager::config() const { return impl_->config(); }
absl::Status AlertManager::Reload(AlertingConfig config) {
  return impl_->Reload(std::move(config));
}
void AlertManager::Stop() { impl_->StopThread(); }

}  // namespace vigil::alerts
