#include "collector/alerts/alerting_config.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/alerts/local_time.h"
#include "common/status.h"

namespace vigil::alerts {

absl::StatusOr<AlertingConfig> ParseAlertingConfig(const ConfigNode& node,
                                                   const std::string& base_dir) {
  AlertingConfig out;
  if (!node.IsDefined()) return out;
  VIGIL_RETURN_IF_ERROR(node.CheckKeys(
      {"rule_files", "evaluation_interval", "min_global_interval", "group_wait", "language",
       "timezone", "external_url", "ack_link_ttl", "flap_window", "flap_starts",
       "default_escalation", "receivers", "oncall", "escalation_policies", "maintenance_windows"}));
  VIGIL_RETURN_IF_ERROR(node.GetStringList("rule_files", &out.rule_files));
  for (std::string& f : out.rule_files) f = ResolveConfigPath(base_dir, f);
  VIGIL_RETURN_IF_ERROR(node.GetDuration("evaluation_interval", &out.evaluation_interval));
  if (out.evaluation_interval < absl::Seconds(1)) {
    return node.Error("evaluation_interval", "must be at least 1s");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("min_global_interval", &out.min_global_interval));
  VIGIL_RETURN_IF_ERROR(node.GetDuration("group_wait", &out.group_wait));
  if (out.group_wait < absl::ZeroDuration() || out.group_wait > absl::Minutes(5)) {
    return node.Error("group_wait", "must be between 0s and 5m");
  }
  std::string language = "zh";
  VIGIL_RETURN_IF_ERROR(node.GetString("language", &language));
  if (language == "zh" || language == "zh_CN" || language == "zh-CN") {
    out.language = notify::Language::kChinese;
  } else if (language == "en") {
    out.language = notify::Language::kEnglish;
  } else {
    return node.Error("language", absl::StrCat("\"", language, "\" is not zh or en"));
  }
  VIGIL_RETURN_IF_ERROR(GetZone(node, "timezone", &out.timezone));
  VIGIL_RETURN_IF_ERROR(node.GetString("external_url", &out.external_url));
  while (absl::EndsWith(out.external_url, "/")) out.external_url.pop_back();
  if (!out.external_url.empty() && !absl::StartsWith(out.external_url, "https://") &&
      !absl::StartsWith(out.external_url, "http://")) {
    return node.Error("external_url", "must start with https:// (or http://)");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("ack_link_ttl", &out.ack_link_ttl));
  if (out.ack_link_ttl <= absl::ZeroDuration()) return node.Error("ack_link_ttl", "must be > 0");
  VIGIL_RETURN_IF_ERROR(node.GetDuration("flap_window", &out.flap_window));
  int64_t starts = out.flap_starts;
  VIGIL_RETURN_IF_ERROR(node.GetInt("flap_starts", &starts));
  if (starts < 0 || starts > 1000) return node.Error("flap_starts", "must be 0 (off) to 1000");
  out.flap_starts = static_cast<int>(starts);
  VIGIL_RETURN_IF_ERROR(node.GetString("default_escalation", &out.default_escalation));

  if (node.Has("receivers")) {
    VIGIL_ASSIGN_OR_RETURN(out.receivers, notify::ParseReceivers(node.Child("receivers")));
  }
  if (node.Has("oncall")) {
    VIGIL_ASSIGN_OR_RETURN(out.oncall, ParseRotations(node.Child("oncall"), out.timezone));
  }
  absl::flat_hash_set<std::string> receiver_names;
  for (const notify::ReceiverConfig& r : out.receivers) receiver_names.insert(r.name);
  absl::flat_hash_set<std::string> rotation_names;
  for (const Rotation& r : out.oncall) rotation_names.insert(r.name);
  if (node.Has("escalation_policies")) {
    VIGIL_ASSIGN_OR_RETURN(
        out.escalation_policies,
        ParseEscalationPolicies(node.Child("escalation_policies"), receiver_names, rotation_names));
  }
  if (!out.default_escalation.empty()) {
    bool found = false;
    for (const EscalationPolicy& p : out.escalation_policies)
      found = found || p.name == out.default_escalation;
    if (!found) {
      return node.Error("default_escalation", absl::StrCat("no escalation policy named \"",
                                                           out.default_escalation, "\""));
    }
  }
  if (node.Has("maintenance_windows")) {
    VIGIL_ASSIGN_OR_RETURN(
        out.maintenance_windows,
        ParseMaintenanceWindows(node.Child("maintenance_windows"), out.timezone));
  }
  return out;
}

}  // namespace vigil::alerts
