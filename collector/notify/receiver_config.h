// The receivers of notifications, as configured under `alerting.receivers` in the
// collector's config: each a name, a channel type and the type's keys (where to post,
// how to sign, whom to mail). ParseReceivers checks them strictly (unknown keys, a
// missing url, duplicate names are errors naming the file and line).
//
// Secrets: the DingTalk signing secret may be written inline (`secret`) or read from a
// file (`secret_file`); the SMTP password only from a file (`password_file`), read at
// each send so that rotating it needs no reload. No secret is ever put in a log line or
// an error message (http_post.h RedactUrl drops URLs' query strings, which carry the
// IM robots' keys).
//
// Value types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/notify/notification.h"
#include "common/config_node.h"

namespace vigil::notify {

enum class ChannelType { kWebhook, kWeCom, kDingTalk, kSms, kEmail, kAlertmanager };
// "webhook", "wecom", "dingtalk", "sms", "email", "alertmanager".
absl::string_view ChannelTypeName(ChannelType type);
bool ParseChannelType(absl::string_view text, ChannelType* type);

struct ReceiverConfig {
  std::string name;
  ChannelType type = ChannelType::kWebhook;
  // webhook: where the JSON is POSTed; wecom/dingtalk: the robot's webhook URL (with its
  // key or access_token); sms: the gateway URL template; alertmanager: the base URL
  // (POSTs <url>/api/v2/alerts).
  std::string url;
  // Messages a minute (a token bucket of this size refilled over a minute); 0 =
  // unlimited. Default 20 for wecom and dingtalk (their robots' limit), else 0.
  int rate_limit_per_minute = 0;
  bool send_resolved = true;         // also notify when alerts resolve
  std::optional<Language> language;  // overrides the notification's
  absl::Duration timeout = absl::Seconds(10);
  std::string ca_file;  // PEM CA bundle for https/smtps; "" = the system's
  // webhook, sms, alertmanager: extra HTTP headers, "Name: value".
  std::vector<std::string> headers;

  // dingtalk
  std::string secret;   // "SEC..." signing secret; "" = unsigned robot
  std::string keyword;  // robot "custom keyword" security: put into every message

  // sms: one request per phone number (the recipients' plus `to`).
  std::string method = "POST";  // GET or POST
  std::string body;             // template; {{phone}} {{message}} {{name}}
  std::string content_type = "application/json";

  // email
  std::string smtp_url;  // smtp://host:587 (STARTTLS) or smtps://host:465
  bool starttls = true;  // smtp://: require STARTTLS (false: plain, for a local relay)
  std::string from;
  std::string username;
  std::string password_file;
  std::string subject_prefix = "[Vigil]";

  // sms and email: fixed recipients besides the on-call ones (phones or addresses).
  std::vector<std::string> to;
};

// Parses the `alerting.receivers` sequence. An absent node yields no receivers.
absl::StatusOr<std::vector<ReceiverConfig>> ParseReceivers(const ConfigNode& receivers);

// The receiver's language for `notification`.
inline Language LanguageFor(const ReceiverConfig& receiver, const Notification& notification) {
  return receiver.language.value_or(notification.language);
}

}  // namespace vigil::notify
