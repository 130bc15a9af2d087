#include "collector/alerts/lifecycle.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/bearer_token.h"

namespace vigil::alerts {
namespace {

LabelSet AlertLabels(const AlertRule& rule, const ActiveSeries& s) {
  LabelSet labels = s.labels;
  for (size_t i = 0; i < rule.labels.size(); ++i) {
    const Template* t = i < rule.label_templates.size() ? &rule.label_templates[i] : nullptr;
    labels.Set(rule.labels[i].name,
               t != nullptr && !t->empty() ? t->Render(s.labels, s.value) : rule.labels[i].value);
  }
  labels.Set("alertname", rule.name);  // rule.labels hold severity already
  return labels;
}

std::vector<std::pair<std::string, std::string>> RenderAnnotations(const AlertRule& rule,
                                                                   const ActiveSeries& s) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(rule.annotations.size());
  for (const Annotation& a : rule.annotations) {
    out.emplace_back(a.name, a.compiled.empty() ? a.text : a.compiled.Render(s.labels, s.value));
  }
  return out;
}

// Rules may share a name: the group and severity make an alert's identity unique.
std::string IdentityOf(const AlertRule& rule, absl::string_view group) {
  return absl::StrCat(group, "\x1f", rule.name, "\x1f", SeverityName(rule.severity));
}

bool InScope(const Alert& alert, absl::string_view instance) {
  return instance.empty() || alert.labels.Get(kInstanceLabel) == instance;
}

void PruneChanges(Alert* alert, absl::Time now, absl::Duration window) {
  const int64_t oldest = absl::ToUnixMillis(now - window);
  auto& c = alert->recent_changes_ms;
  c.erase(c.begin(), std::lower_bound(c.begin(), c.end(), oldest));
}

absl::Duration ResolveHold(const AlertRule& rule, const Alert& alert, const FlapOptions& flap) {
  return alert.flapping ? std::max(rule.keep_firing_for, flap.window) : rule.keep_firing_for;
}

}  // namespace

std::string AlertId(absl::string_view identity, const LabelSet& labels) {
  return Sha256Hex(absl::StrCat(identity, "\n", labels.Canonical())).substr(0, 16);
}

AlertEvent MakeEvent(const Alert& alert, absl::Time time, std::string kind, std::string detail) {
  AlertEvent e;
  e.time = time;
  e.alert_id = alert.id;
  e.rule = alert.rule;
  e.labels = alert.labels;
  e.kind = std::move(kind);
  e.detail = std::move(detail);
  e.value = alert.value;
  e.fired_at = alert.fired_at;
  e.acknowledged_at = alert.acknowledged_at;
  return e;
}

LifecycleResult RuleAlerts::Apply(const AlertRule& rule, absl::string_view group,
                                  const RuleEvaluation& evaluation, absl::Time now,
                                  const FlapOptions& flap) {
  LifecycleResult out;
  absl::flat_hash_set<std::string> seen;
  for (const ActiveSeries& s : evaluation.active) {
    const std::string id = AlertId(IdentityOf(rule, group), s.labels);
    if (!seen.insert(id).second) continue;  // duplicate label sets cannot happen; be safe
    Alert& a = alerts_[id];
    if (a.id.empty() || a.state == AlertState::kResolved) {
      // A new alert (a resolved one that returns starts a new life, keeping its
      // flapping history).
      std::vector<int64_t> history = std::move(a.recent_changes_ms);
      a = Alert();
      a.id = id;
      a.recent_changes_ms = std::move(history);
      a.rule = rule.name;
      a.group = std::string(group);
      a.severity = rule.severity;
      a.state = AlertState::kPending;
      a.active_at = now;
      a.labels = AlertLabels(rule, s);
      a.value = s.value;
      a.annotations = RenderAnnotations(rule, s);
      out.changed.push_back(id);
      if (rule.for_duration > absl::ZeroDuration()) {
        out.events.push_back(MakeEvent(a, now, "pending"));
      }
    }
    if (a.value != s.value) {
      a.value = s.value;
      a.annotations = RenderAnnotations(rule, s);  // as Prometheus: at every evaluation
    }
    a.last_seen = now;
    if (a.condition_lost_at != absl::InfinitePast()) {
      a.condition_lost_at = absl::InfinitePast();  // holds again while held firing
      out.changed.push_back(id);
    }
    if (a.state == AlertState::kPending && now - a.active_at >= rule.for_duration) {
      a.state = AlertState::kFiring;
      a.fired_at = now;
      a.annotations = RenderAnnotations(rule, s);
      PruneChanges(&a, now, flap.window);
      a.recent_changes_ms.push_back(absl::ToUnixMillis(now));
      out.events.push_back(MakeEvent(a, now, "firing"));
      if (!a.flapping && flap.starts > 0 &&
          static_cast<int>(a.recent_changes_ms.size()) >= flap.starts) {
        a.flapping = true;
        out.events.push_back(MakeEvent(
            a, now, "flapping",
            absl::StrCat("started firing ", a.recent_changes_ms.size(), " times in ",
                         absl::FormatDuration(flap.window), "; held firing until quiet")));
      }
      out.changed.push_back(id);
    }
  }

  absl::flat_hash_set<std::string> cleared;
  for (const LabelSet& labels : evaluation.cleared) {
    cleared.insert(AlertId(IdentityOf(rule, group), labels));
  }

  for (auto it = alerts_.begin(); it != alerts_.end();) {
    Alert& a = it->second;
    if (seen.contains(a.id) || !InScope(a, evaluation.instance)) {
      ++it;
      continue;
    }
    if (a.state == AlertState::kPending) {
      out.dropped.push_back(a.id);
      alerts_.erase(it++);
      continue;
    }
    if (a.state == AlertState::kFiring) {
      const bool condition_gone = rule.parsed_clear == nullptr || cleared.contains(a.id);
      if (condition_gone) {
        if (a.condition_lost_at == absl::InfinitePast()) {
          a.condition_lost_at = now;
          out.changed.push_back(a.id);
        }
        if (now - a.condition_lost_at >= ResolveHold(rule, a, flap)) {
          a.state = AlertState::kResolved;
          a.resolved_at = now;
          const bool was_flapping = a.flapping;
          a.flapping = false;
          out.events.push_back(MakeEvent(
              a, now, "resolved",
              absl::StrCat(was_flapping ? "stopped flapping; " : "", "fired for ",
                           absl::FormatDuration(absl::Trunc(now - a.fired_at, absl::Seconds(1))),
                           a.acknowledged ? absl::StrCat(", acknowledged after ",
                                                         absl::FormatDuration(absl::Trunc(
                                                             a.acknowledged_at - a.fired_at,
                                                             absl::Seconds(1))),
                                                         " by ", a.acknowledged_by)
                                          : ", never acknowledged")));
          out.changed.push_back(a.id);
        }
      }
      ++it;
      continue;
    }
    ++it;
  }
  // Resolved alerts are forgotten once they can no longer count towards flapping and
  // their resolution was reported (or needs no report).
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    const Alert& a = it->second;
    if (a.state == AlertState::kResolved && now - a.resolved_at > flap.window &&
        (a.resolved_notified || a.notified_tier < 0)) {
      out.dropped.push_back(a.id);
      alerts_.erase(it++);
    } else {
      ++it;
    }
  }
  return out;
}

absl::Time RuleAlerts::NextDeadline(const AlertRule& rule, const FlapOptions& flap) const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [id, a] : alerts_) {
    if (a.state == AlertState::kPending) {
      next = std::min(next, a.active_at + rule.for_duration);
    } else if (a.state == AlertState::kFiring && a.condition_lost_at != absl::InfinitePast()) {
      next = std::min(next, a.condition_lost_at + ResolveHold(rule, a, flap));
    } else if (a.state == AlertState::kResolved) {
      next = std::min(next, a.resolved_at + flap.window + absl::Milliseconds(1));
    }
  }
  return next;
}

}  // namespace vigil::alerts
