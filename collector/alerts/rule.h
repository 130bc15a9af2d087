// Alert rules as loaded from rule files (rule_file.h): Prometheus' rule-file shape
// (groups, name, interval, rules with alert, expr, for, keep_firing_for, labels,
// annotations) plus Vigil's additions for on-call:
//   clear:          hysteresis. Once firing, the alert resolves only when this
//                   expression returns the alert's series (e.g. fires at > 90,
//                   clears at < 80), not as soon as `expr` stops returning it.
//   severity:       info | warning | critical (also accepted as labels.severity);
//                   always present in the alert's labels.
//   escalation:     the escalation policy (alerting.escalation_policies) by name.
//   host_silent:    instead of expr: the built-in host-down rule. Fires for every
//                   host whose agent has sent nothing for this long.
//   inhibit_equal:  while this alert fires, other alerts whose labels have the same
//                   values for these names are inhibited (recorded, not notified):
//                   host down inhibits that host's other alerts with [instance].
//
// Value types; immutable once loaded, shared read-only between threads.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/alerts/severity.h"
#include "collector/alerts/template.h"
#include "collector/query/ast.h"
#include "common/labels.h"

namespace vigil::alerts {

absl::string_view SeverityName(Severity severity);  // "info", "warning", "critical"
bool ParseSeverity(absl::string_view text, Severity* severity);

struct Annotation {
  std::string name;
  std::string text;   // as written
  Template compiled;  // text compiled (template.h)
};

struct AlertRule {
  std::string name;  // `alert:`, a valid label value that is also a metric-name-like word
  std::string expr;  // PromQL as written; empty for a host_silent rule
  std::shared_ptr<const query::Expr> parsed_expr;     // null for a host_silent rule
  std::string clear;                                  // "" = none
  std::shared_ptr<const query::Expr> parsed_clear;    // null when clear is ""
  absl::Duration host_silent = absl::ZeroDuration();  // > 0 for the host-down rule kind
  absl::Duration for_duration = absl::ZeroDuration();
  absl::Duration keep_firing_for = absl::ZeroDuration();
  Severity severity = Severity::kWarning;
  std::string escalation;  // policy name; "" = alerting.default_escalation
  std::vector<std::string> inhibit_equal;
  // The rule's labels, `severity` included; sorted by name. Templates allowed in values.
  std::vector<Label> labels;
  std::vector<Template> label_templates;  // parallel to labels
  std::vector<Annotation> annotations;    // in file order
  // Where it was defined, for messages and /api/v1/rules.
  std::string file;
  int line = 0;
};

struct RuleGroup {
  std::string name;
  std::string file;
  int line = 0;
  // How often the whole group is also evaluated on a timer (for `for`, absent data and
  // rules over series that stopped); 0 = alerting.evaluation_interval.
  absl::Duration interval = absl::ZeroDuration();
  std::vector<AlertRule> rules;
};

struct RuleSet {
  std::vector<RuleGroup> groups;
  std::vector<std::string> files;  // the files loaded, in order
  size_t RuleCount() const {
    size_t n = 0;
    for (const RuleGroup& g : groups) n += g.rules.size();
    return n;
  }
};

}  // namespace vigil::alerts
