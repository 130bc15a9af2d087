// The generic webhook: Alertmanager's webhook payload (version "4"), POSTed as JSON with
// the receiver's extra headers, so anything that takes Alertmanager's webhooks takes
// Vigil's.
#include "absl/strings/str_cat.h"
#include "collector/notify/alert_json.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"

namespace vigil::notify {
namespace {

class WebhookChannel : public Channel {
 public:
  explicit WebhookChannel(ReceiverConfig receiver) : receiver_(std::move(receiver)) {}

  SendResult Send(const Notification& notification) override {
    return ClassifyHttp(receiver_,
                        HttpSend(JsonPost(receiver_, receiver_.url,
                                          DumpJson(WebhookPayload(notification, receiver_.name)))));
  }

 private:
  const ReceiverConfig receiver_;
};

}  // namespace

std::unique_ptr<Channel> MakeWebhookChannel(const ReceiverConfig& receiver) {
  return std::make_unique<WebhookChannel>(receiver);
}

}  // namespace vigil::notify
