// The collector configuration's `alerting:` section: rule files, evaluation, language,
// receivers, on-call rotations, escalation policies and maintenance windows. See the
// README's configuration reference.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/alerts/escalation.h"
#include "collector/alerts/maintenance.h"
#include "collector/alerts/oncall.h"
#include "collector/notify/notification.h"
#include "collector/notify/receiver_config.h"
#include "common/config_node.h"

namespace vigil::alerts {

struct AlertingConfig {
  std::vector<std::string> rule_files;  // paths or globs, relative to the config file
  // How often every rule is also evaluated on a timer (for `for`, absent data, series
  // that stopped); a group's `interval` overrides it.
  absl::Duration evaluation_interval = absl::Seconds(15);
  // Rules over all hosts (not host-local, rule_scope.h) run at most this often when
  // data arrives.
  absl::Duration min_global_interval = absl::Seconds(1);
  // A new alert's first message waits this long for the host's other alerts to join it.
  absl::Duration group_wait = absl::Milliseconds(500);
  notify::Language language = notify::Language::kChinese;
  absl::TimeZone timezone = absl::LocalTimeZone();
  // The collector's HTTPS URL as on-call phones reach it (acknowledge links); "" = no
  // links in messages.
  std::string external_url;
  absl::Duration ack_link_ttl = absl::Hours(24);
  // Flapping: an alert that starts firing flap_starts times within flap_window is held
  // firing and reported once as flapping; it resolves after a quiet flap_window.
  absl::Duration flap_window = absl::Minutes(10);
  int flap_starts = 3;
  std::string default_escalation;  // policy for rules without one; "" = the first
  std::vector<notify::ReceiverConfig> receivers;
  std::vector<Rotation> oncall;
  std::vector<EscalationPolicy> escalation_policies;
  std::vector<MaintenanceWindow> maintenance_windows;
};

// Parses `alerting:`; relative rule_files are resolved against `base_dir`. Without
// escalation_policies, a policy "default" sends every alert to every receiver.
absl::StatusOr<AlertingConfig> ParseAlertingConfig(const ConfigNode& alerting,
                                                   const std::string& base_dir);

}  // namespace vigil::alerts
