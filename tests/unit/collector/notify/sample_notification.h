// Notifications the notify tests send.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "collector/notify/notification.h"

namespace vigil::testing {

inline notify::AlertItem SampleAlert(const std::string& id, const std::string& instance,
                                     bool resolved = false) {
  notify::AlertItem a;
  a.id = id;
  a.labels =
      LabelSet({{"alertname", "HostDown"}, {"severity", "critical"}, {"instance", instance}});
  a.annotations = {{"summary", absl::StrCat(instance, " is down")},
                   {"summary_zh", absl::StrCat(instance, " 主机宕机")}};
  a.resolved = resolved;
  a.starts_at = absl::FromUnixSeconds(1714550400);  // 2024-05-01T08:00:00Z
  if (resolved) a.ends_at = a.starts_at + absl::Minutes(12);
  a.value = 1;
  a.ack_url = "https://vigil.example/ack?t=abc";
  a.generator_url = "https://vigil.example/graph?g0.expr=up";
  return a;
}

inline notify::Notification SampleNotification(const std::string& receiver, int alerts = 1) {
  notify::Notification n;
  n.receiver = receiver;
  n.group_key = "db1";
  for (int i = 0; i < alerts; ++i) {
    n.alerts.push_back(SampleAlert(absl::StrCat("00000000000000a", i), "db1"));
  }
  n.language = notify::Language::kEnglish;
  n.external_url = "https://vigil.example";
  n.created = absl::FromUnixSeconds(1714550460);
  return n;
}

}  // namespace vigil::testing
