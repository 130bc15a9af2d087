// WeCom (企业微信) group robot. A markdown message (4096 bytes) when nobody is to be
// mentioned; WeCom's markdown cannot @mention by phone, so when the on-call recipients
// have phone numbers the message is a `text` message (2048 bytes) with
// mentioned_mobile_list instead, which rings their phones. Reply errcode 0 is success,
// 45009 (over the robot's 20 messages a minute) is retried after a minute, anything
// else is permanent.
#include "collector/notify/alert_json.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"
#include "collector/notify/message_text.h"

namespace vigil::notify {
namespace {

constexpr int64_t kWeComRateLimited = 45009;

class WeComChannel : public Channel {
 public:
  explicit WeComChannel(ReceiverConfig receiver) : receiver_(std::move(receiver)) {}

  SendResult Send(const Notification& notification) override {
    const Language language = LanguageFor(receiver_, notification);
    nlohmann::json mobiles = nlohmann::json::array();
    for (const Recipient& r : notification.recipients) {
      if (!r.phone.empty()) mobiles.push_back(r.phone);
    }
    nlohmann::json message;
    if (mobiles.empty()) {
      const MessageText text =
          RenderMessage(notification, language, TextFormat::kMarkdown, kWeComMarkdownLimit);
      message = {{"msgtype", "markdown"}, {"markdown", {{"content", text.body}}}};
    } else {
      const MessageText text =
          RenderMessage(notification, language, TextFormat::kPlain, kWeComTextLimit);
      message = {{"msgtype", "text"},
                 {"text", {{"content", text.body}, {"mentioned_mobile_list", mobiles}}}};
    }
    return ClassifyRobotReply(receiver_,
                              HttpSend(JsonPost(receiver_, receiver_.url, DumpJson(message))),
                              kWeComRateLimited, absl::Minutes(1));
  }

 private:
  const ReceiverConfig receiver_;
};

}  // namespace

std::unique_ptr<Channel> MakeWeComChannel(const ReceiverConfig& receiver) {
  return std::make_unique<WeComChannel>(receiver);
}

}  // namespace vigil::notify
