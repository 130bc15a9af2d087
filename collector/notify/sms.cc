// SMS through an HTTP gateway described by templates: the URL and the body may hold
// {{phone}}, {{message}} and {{name}}, filled per recipient (URL-encoded in the URL;
// JSON-escaped in a JSON body, URL-encoded in a form body, as is otherwise). One request
// per phone number: the on-call recipients' and the receiver's `to`. The message is the
// short form (message_text.h RenderShortText). Any 2xx is success. When one number
// fails the whole message is retried (the others may get it twice: better than not at
// all).
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"
#include "collector/notify/message_text.h"
#include "common/url_encode.h"
#include "nlohmann/json.hpp"

namespace vigil::notify {
namespace {

std::string JsonEscape(const std::string& text) {
  const std::string quoted =
      nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

class SmsChannel : public Channel {
 public:
  explicit SmsChannel(ReceiverConfig receiver) : receiver_(std::move(receiver)) {}

  SendResult Send(const Notification& notification) override {
    const std::string message = RenderShortText(notification, LanguageFor(receiver_, notification));
    std::vector<std::pair<std::string, std::string>> targets;  // phone, name
    std::set<std::string> seen;
    for (const Recipient& r : notification.recipients) {
      if (!r.phone.empty() && seen.insert(r.phone).second) targets.emplace_back(r.phone, r.name);
    }
    for (const std::string& phone : receiver_.to) {
      if (seen.insert(phone).second) targets.emplace_back(phone, "");
    }
    if (targets.empty()) {
      return SendResult::Permanent(
          absl::StrCat("receiver ", receiver_.name, ": no phone number to send to"));
    }
    const bool json = absl::StrContains(receiver_.content_type, "json");
    const bool form = absl::StrContains(receiver_.content_type, "x-www-form-urlencoded");
    for (const auto& [phone, name] : targets) {
      HttpRequest request;
      request.method = receiver_.method;
      request.url = absl::StrReplaceAll(receiver_.url, {{"{{phone}}", PercentEncode(phone)},
                                                        {"{{message}}", PercentEncode(message)},
                                                        {"{{name}}", PercentEncode(name)}});
      const auto fill = [&](const std::string& value) {
        return json ? JsonEscape(value) : form ? PercentEncode(value) : value;
      };
      request.body = absl::StrReplaceAll(
          receiver_.body,
          {{"{{phone}}", fill(phone)}, {"{{message}}", fill(message)}, {"{{name}}", fill(name)}});
      request.content_type = receiver_.content_type;
      request.headers = receiver_.headers;
      request.timeout = receiver_.timeout;
      request.ca_file = receiver_.ca_file;
      SendResult result = ClassifyHttp(receiver_, HttpSend(request));
      if (!result.ok()) return result;
    }
    return SendResult::Ok();
  }

 private:
  const ReceiverConfig receiver_;
};

}  // namespace

std::unique_ptr<Channel> MakeSmsChannel(const ReceiverConfig& receiver) {
  return std::make_unique<SmsChannel>(receiver);
}

}  // namespace vigil::notify
