#include "collector/notify/receiver_config.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "common/status.h"

namespace vigil::notify {
namespace {

constexpr absl::string_view kCommonKeys[] = {
    "name",          "type",     "url",     "rate_limit_per_minute",
    "send_resolved", "language", "timeout", "ca_file"};

std::vector<absl::string_view> KeysFor(ChannelType type) {
  std::vector<absl::string_view> keys(std::begin(kCommonKeys), std::end(kCommonKeys));
  switch (type) {
    case ChannelType::kWebhook:
    case ChannelType::kAlertmanager:
      keys.push_back("headers");
      break;
    case ChannelType::kWeCom:
      break;
    case ChannelType::kDingTalk:
      keys.insert(keys.end(), {"secret", "secret_file", "keyword"});
      break;
    case ChannelType::kSms:
      keys.insert(keys.end(), {"headers", "method", "body", "content_type", "to"});
      break;
    case ChannelType::kEmail:
      keys.erase(std::find(keys.begin(), keys.end(), "url"));
      keys.insert(keys.end(), {"smtp_url", "starttls", "from", "to", "username", "password_file",
                               "subject_prefix"});
      break;
  }
  return keys;
}

bool IsHttpUrl(absl::string_view url) {
  return absl::StartsWith(url, "http://") || absl::StartsWith(url, "https://");
}

absl::Status CheckHeaders(const ConfigNode& node, const std::vector<std::string>& headers) {
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0 ||
        header.find_first_of("\r\n") != std::string::npos) {
      return node.Error("headers", absl::StrCat("'", header.substr(0, colon),
                                                "...' is not a header line \"Name: value\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ReceiverConfig> ParseReceiver(const ConfigNode& node) {
  ReceiverConfig r;
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &r.name));
  if (r.name.empty()) return node.Error("name", "must not be empty");
  std::string type;
  VIGIL_RETURN_IF_ERROR(node.RequireString("type", &type));
  if (!ParseChannelType(type, &r.type)) {
    return node.Error("type", absl::StrCat("unknown receiver type '", type,
                                           "' (webhook, wecom, dingtalk, sms, email, "
                                           "alertmanager)"));
  }
  const std::vector<absl::string_view> keys = KeysFor(r.type);
  VIGIL_RETURN_IF_ERROR(node.CheckKeys(std::span<const absl::string_view>(keys)));

  VIGIL_RETURN_IF_ERROR(node.GetString("url", &r.url));
  if (r.type != ChannelType::kEmail) {
    if (r.url.empty()) return node.Error("url", "missing: the receiver's URL is required");
    if (!IsHttpUrl(r.url)) return node.Error("url", "must start with http:// or https://");
  }
  r.rate_limit_per_minute =
      (r.type == ChannelType::kWeCom || r.type == ChannelType::kDingTalk) ? 20 : 0;
  int64_t rate = r.rate_limit_per_minute;
  VIGIL_RETURN_IF_ERROR(node.GetInt("rate_limit_per_minute", &rate));
  if (rate < 0 || rate > 100000) {
    return node.Error("rate_limit_per_minute", "must be between 0 (unlimited) and 100000");
  }
  r.rate_limit_per_minute = static_cast<int>(rate);
  VIGIL_RETURN_IF_ERROR(node.GetBool("send_resolved", &r.send_resolved));
  if (node.Has("language")) {
    std::string language;
    VIGIL_RETURN_IF_ERROR(node.GetString("language", &language));
    language = absl::AsciiStrToLower(language);
    if (language == "zh" || language == "zh-cn" || language == "chinese") {
      r.language = Language::kChinese;
    } else if (language == "en" || language == "english") {
      r.language = Language::kEnglish;
    } else {
      return node.Error("language", absl::StrCat("'", language, "' is not zh or en"));
    }
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("timeout", &r.timeout));
  if (r.timeout <= absl::ZeroDuration() || r.timeout > absl::Minutes(5)) {
    return node.Error("timeout", "must be more than 0 and at most 5m");
  }
  VIGIL_RETURN_IF_ERROR(node.GetString("ca_file", &r.ca_file));
  if (node.Has("headers")) {
    VIGIL_RETURN_IF_ERROR(node.GetStringList("headers", &r.headers));
    VIGIL_RETURN_IF_ERROR(CheckHeaders(node, r.headers));
  }
  VIGIL_RETURN_IF_ERROR(node.GetStringList("to", &r.to));

  switch (r.type) {
    case ChannelType::kDingTalk: {
      VIGIL_RETURN_IF_ERROR(node.GetString("secret", &r.secret));
      if (node.Has("secret_file")) {
        if (!r.secret.empty()) return node.Error("secret_file", "give secret or secret_file");
        std::string path;
        VIGIL_RETURN_IF_ERROR(node.GetString("secret_file", &path));
        absl::StatusOr<std::string> secret = ReadFile(path, 4096);
        if (!secret.ok()) return node.Error("secret_file", secret.status().message());
        r.secret = std::string(absl::StripAsciiWhitespace(*secret));
      }
      VIGIL_RETURN_IF_ERROR(node.GetString("keyword", &r.keyword));
      break;
    }
    case ChannelType::kSms: {
      VIGIL_RETURN_IF_ERROR(node.GetString("method", &r.method));
      r.method = absl::AsciiStrToUpper(r.method);
      if (r.method != "GET" && r.method != "POST") {
        return node.Error("method", "must be GET or POST");
      }
      VIGIL_RETURN_IF_ERROR(node.GetString("body", &r.body));
      if (r.method == "POST" && r.body.empty()) {
        return node.Error("body", "missing: a POST gateway needs a body template");
      }
      VIGIL_RETURN_IF_ERROR(node.GetString("content_type", &r.content_type));
      if (!absl::StrContains(r.url + r.body, "{{message}}")) {
        return node.Error("body", "neither url nor body has the {{message}} placeholder");
      }
      break;
    }
    case ChannelType::kEmail: {
      VIGIL_RETURN_IF_ERROR(node.RequireString("smtp_url", &r.smtp_url));
      if (!absl::StartsWith(r.smtp_url, "smtp://") && !absl::StartsWith(r.smtp_url, "smtps://")) {
        return node.Error("smtp_url", "must start with smtp:// (STARTTLS) or smtps://");
      }
      VIGIL_RETURN_IF_ERROR(node.GetBool("starttls", &r.starttls));
      VIGIL_RETURN_IF_ERROR(node.RequireString("from", &r.from));
      VIGIL_RETURN_IF_ERROR(node.GetString("username", &r.username));
      VIGIL_RETURN_IF_ERROR(node.GetString("password_file", &r.password_file));
      if (!r.username.empty() && r.password_file.empty()) {
        return node.Error("password_file", "missing: username is set but no password_file");
      }
      VIGIL_RETURN_IF_ERROR(node.GetString("subject_prefix", &r.subject_prefix));
      break;
    }
    default:
      break;
  }
  return r;
}

}  // namespace

absl::string_view ChannelTypeName(ChannelType type) {
  switch (type) {
    case ChannelType::kWebhook:
      return "webhook";
    case ChannelType::kWeCom:
      return "wecom";
    case ChannelType::kDingTalk:
      return "dingtalk";
    case ChannelType::kSms:
      return "sms";
    case ChannelType::kEmail:
      return "email";
    case ChannelType::kAlertmanager:
      return "alertmanager";
  }
  return "unknown";
}

bool ParseChannelType(absl::string_view text, ChannelType* type) {
  for (ChannelType t : {ChannelType::kWebhook, ChannelType::kWeCom, ChannelType::kDingTalk,
                        ChannelType::kSms, ChannelType::kEmail, ChannelType::kAlertmanager}) {
    if (text == ChannelTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::vector<ReceiverConfig>> ParseReceivers(const ConfigNode& receivers) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> elements, receivers.Elements());
  std::vector<ReceiverConfig> out;
  std::set<std::string> names;
  for (const ConfigNode& element : elements) {
    VIGIL_ASSIGN_OR_RETURN(ReceiverConfig receiver, ParseReceiver(element));
    if (!names.insert(receiver.name).second) {
      return element.Error("name", absl::StrCat("receiver '", receiver.name, "' is defined twice"));
    }
    out.push_back(std::move(receiver));
  }
  return out;
}

}  // namespace vigil::notify
