#include "collector/notify/channel.h"

#include "absl/strings/str_cat.h"
#include "collector/notify/http_post.h"
#include "common/utf8.h"
#include "nlohmann/json.hpp"

namespace vigil::notify {

std::unique_ptr<Channel> MakeChannel(const ReceiverConfig& receiver, const Clock& clock) {
  switch (receiver.type) {
    case ChannelType::kWebhook:
      return MakeWebhookChannel(receiver);
    case ChannelType::kWeCom:
      return MakeWeComChannel(receiver);
    case ChannelType::kDingTalk:
      return MakeDingTalkChannel(receiver, clock);
    case ChannelType::kSms:
      return MakeSmsChannel(receiver);
    case ChannelType::kEmail:
      return MakeEmailChannel(receiver, clock);
    case ChannelType::kAlertmanager:
      return MakeAlertmanagerChannel(receiver);
  }
  return nullptr;
}

HttpRequest JsonPost(const ReceiverConfig& receiver, std::string url, std::string body) {
  HttpRequest request;
  request.url = std::move(url);
  request.headers = receiver.headers;
  request.body = std::move(body);
  request.timeout = receiver.timeout;
  request.ca_file = receiver.ca_file;
  return request;
}

SendResult ClassifyHttp(const ReceiverConfig& receiver, const absl::StatusOr<HttpResponse>& reply) {
  if (!reply.ok()) {
    return SendResult::Retryable(
        absl::StrCat("receiver ", receiver.name, ": ", reply.status().message()));
  }
  const int status = reply->status;
  if (status >= 200 && status < 300) return SendResult::Ok();
  std::string message = absl::StrCat("receiver ", receiver.name, ": ", RedactUrl(receiver.url),
                                     " answered HTTP ", status);
  if (!reply->body.empty()) {
    absl::StrAppend(&message, ": ", ToValidUtf8(TruncateUtf8(reply->body, 200)));
  }
  if (status == 408 || status == 429 || status >= 500) {
    return SendResult::Retryable(std::move(message), reply->retry_after);
  }
  return SendResult::Permanent(std::move(message));
}

SendResult ClassifyRobotReply(const ReceiverConfig& receiver,
                              const absl::StatusOr<HttpResponse>& reply, int64_t rate_limited,
                              absl::Duration rate_limit_wait) {
  SendResult http = ClassifyHttp(receiver, reply);
  if (!http.ok()) return http;
  const nlohmann::json json = nlohmann::json::parse(reply->body, nullptr, false);
  if (!json.is_object() || !json.contains("errcode") || !json["errcode"].is_number_integer()) {
    return SendResult::Permanent(absl::StrCat(
        "receiver ", receiver.name, ": ", RedactUrl(receiver.url),
        " answered without an errcode: ", ToValidUtf8(TruncateUtf8(reply->body, 200))));
  }
  const int64_t errcode = json["errcode"].get<int64_t>();
  if (errcode == 0) return SendResult::Ok();
  std::string errmsg;
  if (json.contains("errmsg") && json["errmsg"].is_string()) errmsg = json["errmsg"];
  std::string message =
      absl::StrCat("receiver ", receiver.name, ": ", RedactUrl(receiver.url), " answered errcode ",
                   errcode, ": ", ToValidUtf8(TruncateUtf8(errmsg, 200)));
  if (errcode == rate_limited) return SendResult::Retryable(std::move(message), rate_limit_wait);
  return SendResult::Permanent(std::move(message));
}

}  // namespace vigil::notify
