#include "collector/alerts/escalation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/alerts/rule.h"
#include "common/status.h"
#include "common/time_parse.h"

namespace vigil::alerts {
namespace {

bool Escalates(const EscalationPolicy& policy, Severity severity) {
  return std::find(policy.escalate.begin(), policy.escalate.end(), severity) !=
         policy.escalate.end();
}

absl::StatusOr<EscalationTier> ParseTier(const ConfigNode& node, size_t index,
                                         const absl::flat_hash_set<std::string>& receiver_names,
                                         const absl::flat_hash_set<std::string>& rotation_names) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"after", "receivers", "oncall", "position"}));
  EscalationTier tier;
  if (index > 0 && !node.Has("after")) {
    return node.Error("after", "is required for every tier after the first (e.g. 10m)");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("after", &tier.after));
  if (index == 0 && tier.after != absl::ZeroDuration()) {
    return node.Error("after", "the first tier is notified when the alert fires: leave after out");
  }
  VIGIL_RETURN_IF_ERROR(node.GetStringList("receivers", &tier.receivers));
  for (const std::string& receiver : tier.receivers) {
    if (!receiver_names.contains(receiver)) {
      std::vector<std::string> known(receiver_names.begin(), receiver_names.end());
      std::sort(known.begin(), known.end());
      return node.Error("receivers",
                        absl::StrCat("unknown receiver \"", receiver, "\" (known: ",
                                     known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
    }
  }
  VIGIL_RETURN_IF_ERROR(node.GetString("oncall", &tier.oncall));
  if (node.Has("oncall") && !rotation_names.contains(tier.oncall)) {
    return node.Error(
        "oncall", absl::StrCat("unknown on-call rotation \"", tier.oncall, "\" (alerting.oncall)"));
  }
  if (node.Has("position")) {
    if (tier.oncall.empty()) return node.Error("position", "needs oncall: a rotation");
    std::string position;
    VIGIL_RETURN_IF_ERROR(node.GetString("position", &position));
    if (position == "primary") {
      tier.position = 0;
    } else if (position == "secondary") {
      tier.position = 1;
    } else {
      return node.Error("position",
                        absl::StrCat("must be primary or secondary, not \"", position, "\""));
    }
  }
  if (tier.receivers.empty()) {
    // The rotation says who is told; the receivers say how (SMS, e-mail, a robot
    // that mentions them). A tier without receivers would notify nobody.
    return node.Error("receivers", "a tier needs receivers (the rotation only picks the person)");
  }
  return tier;
}

absl::StatusOr<EscalationPolicy> ParsePolicy(
    const ConfigNode& node, const absl::flat_hash_set<std::string>& receiver_names,
    const absl::flat_hash_set<std::string>& rotation_names) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"name", "escalate", "tiers"}));
  EscalationPolicy policy;
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &policy.name));
  if (node.Has("escalate")) {
    std::vector<std::string> names;
    VIGIL_RETURN_IF_ERROR(node.GetStringList("escalate", &names));
    policy.escalate.clear();
    for (const std::string& name : names) {
      Severity severity;
      if (!ParseSeverity(name, &severity)) {
        return node.Error(
            "escalate", absl::StrCat("\"", name, "\" is not a severity (info, warning, critical)"));
      }
      policy.escalate.push_back(severity);
    }
  }
  if (!node.Has("tiers")) return node.Error("tiers", "is required (at least one tier)");
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> tiers, node.Child("tiers").Elements());
  for (size_t i = 0; i < tiers.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(EscalationTier tier,
                           ParseTier(tiers[i], i, receiver_names, rotation_names));
    if (i > 0 && tier.after <= policy.tiers.back().after) {
      return tiers[i].Error("after",
                            absl::StrCat("must be later than the previous tier's (",
                                         vigil::FormatDuration(policy.tiers.back().after), ")"));
    }
    policy.tiers.push_back(std::move(tier));
  }
  if (policy.tiers.empty()) return node.Error("tiers", "must list at least one tier");
  return policy;
}

}  // namespace

absl::StatusOr<std::vector<EscalationPolicy>> ParseEscalationPolicies(
    const ConfigNode& policies_sequence, const absl::flat_hash_set<std::string>& receiver_names,
    const absl::flat_hash_set<std::string>& rotation_names) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> elements, policies_sequence.Elements());
  std::vector<EscalationPolicy> policies;
  for (const ConfigNode& element : elements) {
    VIGIL_ASSIGN_OR_RETURN(EscalationPolicy policy,
                           ParsePolicy(element, receiver_names, rotation_names));
    if (FindEscalationPolicy(policies, policy.name) != nullptr) {
      return element.Error(
          "name", absl::StrCat("escalation policy \"", policy.name, "\" is defined twice"));
    }
    policies.push_back(std::move(policy));
  }
  return policies;
}

const EscalationPolicy* FindEscalationPolicy(const std::vector<EscalationPolicy>& policies,
                                             absl::string_view name) {
  for (const EscalationPolicy& policy : policies) {
    if (policy.name == name) return &policy;
  }
  return nullptr;
}

int DueTier(const EscalationPolicy& policy, Severity severity, absl::Duration unacknowledged_for) {
  if (!Escalates(policy, severity)) return 0;
  int due = 0;
  for (size_t i = 1; i < policy.tiers.size(); ++i) {
    if (policy.tiers[i].after <= unacknowledged_for) due = static_cast<int>(i);
  }
  return due;
}

absl::Duration NextTierAfter(const EscalationPolicy& policy, Severity severity, int tier) {
  if (!Escalates(policy, severity) || tier < 0 ||
      static_cast<size_t>(tier) + 1 >= policy.tiers.size()) {
    return absl::InfiniteDuration();
  }
  return policy.tiers[static_cast<size_t>(tier) + 1].after;
}

}  // namespace vigil::alerts
