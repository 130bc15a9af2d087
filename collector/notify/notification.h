// What the alert manager hands to the notifier: one message for one receiver, about
// the alerts of one host (group) that changed together. Channels (one file each:
// webhook, wecom, dingtalk, sms, email, alertmanager) render it in their own format and
// language (message_text.h).
//
// Value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/labels.h"

namespace vigil::notify {

enum class Language { kChinese, kEnglish };

// One alert in a message.
struct AlertItem {
  std::string id;   // the alert's stable id (hex fingerprint), Alertmanager's fingerprint
  LabelSet labels;  // alertname, severity, instance, ... (no __name__)
  std::vector<std::pair<std::string, std::string>> annotations;  // rendered, file order
  bool resolved = false;
  absl::Time starts_at = absl::InfinitePast();  // when it started firing
  absl::Time ends_at = absl::InfinitePast();    // when it resolved; InfinitePast if not
  double value = 0;                             // the expression's value when it changed
  bool acknowledged = false;
  std::string acknowledged_by;
  bool flapping = false;      // held: changed state too often (reported once)
  std::string ack_url;        // signed link that acknowledges it from a phone; "" if none
  std::string generator_url;  // link to the rule's expression in the API; "" if none
};

// Who is on duty for the notified tier (oncall rotations); IM robots mention them,
// SMS and e-mail go to them.
struct Recipient {
  std::string name;
  std::string phone;  // E.164 or local digits, as configured
  std::string email;
};

struct Notification {
  std::string receiver;           // alerting.receivers[].name
  std::string group_key;          // the host (instance label), or the rule for alerts without one
  std::vector<AlertItem> alerts;  // firing first, then resolved
  std::vector<Recipient> recipients;
  int tier = 0;            // escalation tier that sent it (0 = first)
  bool escalated = false;  // sent because nobody acknowledged in time
  Language language = Language::kChinese;
  std::string external_url;  // the collector's URL as the on-call engineer reaches it
  absl::Time created = absl::InfinitePast();

  bool AnyFiring() const {
    for (const AlertItem& a : alerts) {
      if (!a.resolved) return true;
    }
    return false;
  }
};

}  // namespace vigil::notify
