// A notification channel: renders a Notification in its service's format and delivers
// it (one implementation per file: webhook.cc, wecom.cc, dingtalk.cc, sms.cc, email.cc,
// alertmanager.cc). The outbox (notifier.cc) decides about retries from the SendResult.
//
// A channel is used by one dispatcher thread at a time; implementations hold only their
// configuration and are otherwise stateless.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/notify/http_post.h"
#include "collector/notify/notification.h"
#include "collector/notify/receiver_config.h"
#include "common/clock.h"

namespace vigil::notify {

struct SendResult {
  enum class Kind { kOk, kRetryable, kPermanent };
  Kind kind = Kind::kOk;
  // For a failure: names the receiver and the HTTP status, errcode or SMTP reply; never
  // a secret (URLs are redacted).
  std::string message;
  absl::Duration retry_after = absl::ZeroDuration();  // a minimum wait the service asked for

  static SendResult Ok() { return {}; }
  static SendResult Retryable(std::string message,
                              absl::Duration retry_after = absl::ZeroDuration()) {
    return {Kind::kRetryable, std::move(message), retry_after};
  }
  static SendResult Permanent(std::string message) {
    return {Kind::kPermanent, std::move(message), absl::ZeroDuration()};
  }
  bool ok() const { return kind == Kind::kOk; }
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual SendResult Send(const Notification& notification) = 0;
};

// The channel for `receiver`'s type. `clock` (DingTalk's signature timestamp, e-mail's
// Date) must outlive the channel.
std::unique_ptr<Channel> MakeChannel(const ReceiverConfig& receiver, const Clock& clock);

// One per file.
std::unique_ptr<Channel> MakeWebhookChannel(const ReceiverConfig& receiver);
std::unique_ptr<Channel> MakeWeComChannel(const ReceiverConfig& receiver);
std::unique_ptr<Channel> MakeDingTalkChannel(const ReceiverConfig& receiver, const Clock& clock);
std::unique_ptr<Channel> MakeSmsChannel(const ReceiverConfig& receiver);
std::unique_ptr<Channel> MakeEmailChannel(const ReceiverConfig& receiver, const Clock& clock);
std::unique_ptr<Channel> MakeAlertmanagerChannel(const ReceiverConfig& receiver);

// A JSON POST to `url` with the receiver's headers, timeout and CA file: the request
// of every JSON channel (webhook, Alertmanager, the robots).
HttpRequest JsonPost(const ReceiverConfig& receiver, std::string url, std::string body);

// The usual reading of an HTTP reply: 2xx ok; 408, 429 and 5xx retryable (honouring
// Retry-After); other statuses permanent; a transport failure retryable. The message
// names the receiver and the status, and quotes the start of the reply's body.
SendResult ClassifyHttp(const ReceiverConfig& receiver, const absl::StatusOr<HttpResponse>& reply);

// The IM robots' reading (WeCom, DingTalk): HTTP as ClassifyHttp, then the JSON reply's
// `errcode`: 0 ok, `rate_limited` retryable after at least `rate_limit_wait`, others
// permanent (the message names errcode and errmsg).
SendResult ClassifyRobotReply(const ReceiverConfig& receiver,
                              const absl::StatusOr<HttpResponse>& reply, int64_t rate_limited,
                              absl::Duration rate_limit_wait);

}  // namespace vigil::notify
