#include "collector/notify/alert_json.h"

#include <map>

#include "common/time_parse.h"

namespace vigil::notify {
namespace {

// Labels every alert of the notification has with the same value.
LabelSet CommonLabels(const Notification& n) {
  if (n.alerts.empty()) return {};
  std::vector<Label> common;
  for (const Label& label : n.alerts.front().labels.labels()) {
    bool everywhere = true;
    for (const AlertItem& a : n.alerts) {
      if (a.labels.Get(label.name) != label.value) everywhere = false;
    }
    if (everywhere) common.push_back(label);
  }
  return LabelSet(std::move(common));
}

nlohmann::json CommonAnnotations(const Notification& n) {
  nlohmann::json out = nlohmann::json::object();
  if (n.alerts.empty()) return out;
  for (const auto& [name, text] : n.alerts.front().annotations) {
    bool everywhere = true;
    for (const AlertItem& a : n.alerts) {
      bool found = false;
      for (const auto& [other_name, other_text] : a.annotations) {
        if (other_name == name && other_text == text) found = true;
      }
      everywhere = everywhere && found;
    }
    if (everywhere) out[name] = text;
  }
  return out;
}

}  // namespace

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Rfc3339(absl::Time t) {
  if (t == absl::InfinitePast()) return "0001-01-01T00:00:00Z";
  return FormatTimestamp(t);
}

nlohmann::json LabelsJson(const LabelSet& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const Label& label : labels.labels()) out[label.name] = label.value;
  return out;
}

nlohmann::json AnnotationsJson(const AlertItem& alert) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, text] : alert.annotations) out[name] = text;
  return out;
}

nlohmann::json WebhookPayload(const Notification& n, const std::string& receiver) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const AlertItem& a : n.alerts) {
    alerts.push_back({{"status", a.resolved ? "resolved" : "firing"},
                      {"labels", LabelsJson(a.labels)},
                      {"annotations", AnnotationsJson(a)},
                      {"startsAt", Rfc3339(a.starts_at)},
                      {"endsAt", Rfc3339(a.resolved ? a.ends_at : absl::InfinitePast())},
                      {"generatorURL", a.generator_url},
                      {"fingerprint", a.id}});
  }
  nlohmann::json group_labels = nlohmann::json::object();
  if (!n.group_key.empty()) {
    const LabelSet common = CommonLabels(n);
    if (!common.Get("instance").empty()) {
      group_labels["instance"] = std::string(common.Get("instance"));
    }
  }
  return {{"version", "4"},
          {"groupKey", n.group_key},
          {"truncatedAlerts", 0},
          {"status", n.AnyFiring() ? "firing" : "resolved"},
          {"receiver", receiver},
          {"groupLabels", group_labels},
          {"commonLabels", LabelsJson(CommonLabels(n))},
          {"commonAnnotations", CommonAnnotations(n)},
          {"externalURL", n.external_url},
          {"alerts", alerts}};
}

nlohmann::json AlertmanagerAlerts(const Notification& n) {
  nlohmann::json out = nlohmann::json::array();
  for (const AlertItem& a : n.alerts) {
    nlohmann::json alert = {{"labels", LabelsJson(a.labels)}, {"annotations", AnnotationsJson(a)}};
    if (!a.generator_url.empty()) alert["generatorURL"] = a.generator_url;
    if (a.starts_at != absl::InfinitePast()) alert["startsAt"] = Rfc3339(a.starts_at);
    if (a.resolved && a.ends_at != absl::InfinitePast()) alert["endsAt"] = Rfc3339(a.ends_at);
    out.push_back(std::move(alert));
  }
  return out;
}

}  // namespace vigil::notify
