// Forwarding to an Alertmanager: POST <url>/api/v2/alerts with the alerts' labels,
// annotations and times, so a site that already routes with Alertmanager keeps doing so.
// A resolved alert is sent with endsAt = when it resolved.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "collector/notify/alert_json.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"

namespace vigil::notify {
namespace {

class AlertmanagerChannel : public Channel {
 public:
  explicit AlertmanagerChannel(ReceiverConfig receiver) : receiver_(std::move(receiver)) {}

  SendResult Send(const Notification& notification) override {
    return ClassifyHttp(
        receiver_,
        HttpSend(JsonPost(receiver_,
                          absl::StrCat(absl::StripSuffix(receiver_.url, "/"), "/api/v2/alerts"),
                          DumpJson(AlertmanagerAlerts(notification)))));
  }

 private:
  const ReceiverConfig receiver_;
};

}  // namespace

std::unique_ptr<Channel> MakeAlertmanagerChannel(const ReceiverConfig& receiver) {
  return std::make_unique<AlertmanagerChannel>(receiver);
}

}  // namespace vigil::notify
