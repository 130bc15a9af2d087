// DingTalk (钉钉) group robot: a markdown message (title, text) that @mentions the
// on-call recipients by phone (atMobiles, and "@<phone>" in the text, which DingTalk
// needs to highlight them). With a signing secret the URL gets &timestamp=<ms>&sign=
// <urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret)))>, the timestamp
// from the injected clock (DingTalk refuses one more than an hour off). With a custom
// keyword the keyword is put into every message. Reply errcode 0 is success; 130101
// (rate limited: DingTalk then blocks the robot for 10 minutes) is retried after 10
// minutes; anything else is permanent.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/notify/alert_json.h"
#include "collector/notify/channel.h"
#include "collector/notify/http_post.h"
#include "collector/notify/message_text.h"
#include "common/url_encode.h"

namespace vigil::notify {
namespace {

constexpr int64_t kDingTalkRateLimited = 130101;

std::string Sign(int64_t timestamp_ms, const std::string& secret) {
  const std::string to_sign = absl::StrCat(timestamp_ms, "\n", secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &mac_len);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

class DingTalkChannel : public Channel {
 public:
  DingTalkChannel(ReceiverConfig receiver, const Clock& clock)
      : receiver_(std::move(receiver)), clock_(clock) {}

  SendResult Send(const Notification& notification) override {
    const Language language = LanguageFor(receiver_, notification);
    nlohmann::json mobiles = nlohmann::json::array();
    std::string mentions;
    for (const Recipient& r : notification.recipients) {
      if (r.phone.empty()) continue;
      mobiles.push_back(r.phone);
      absl::StrAppend(&mentions, " @", r.phone);
    }
    const size_t reserve = mentions.size() + receiver_.keyword.size() + 8;
    MessageText text =
        RenderMessage(notification, language, TextFormat::kMarkdown, kDingTalkLimit - reserve);
    if (!receiver_.keyword.empty() && !absl::StrContains(text.body, receiver_.keyword)) {
      text.body = absl::StrCat(receiver_.keyword, "\n", text.body);
    }
    if (!receiver_.keyword.empty() && !absl::StrContains(text.title, receiver_.keyword)) {
      text.title = absl::StrCat(receiver_.keyword, " ", text.title);
    }
    if (!mentions.empty()) absl::StrAppend(&text.body, "\n", mentions);
    const nlohmann::json message = {{"msgtype", "markdown"},
                                    {"markdown", {{"title", text.title}, {"text", text.body}}},
                                    {"at", {{"atMobiles", mobiles}, {"isAtAll", false}}}};

    std::string url = receiver_.url;
    if (!receiver_.secret.empty()) {
      const int64_t timestamp = clock_.NowMs();
      absl::StrAppend(&url, absl::StrContains(url, "?") ? "&" : "?", "timestamp=", timestamp,
                      "&sign=", PercentEncode(Sign(timestamp, receiver_.secret)));
    }
    return ClassifyRobotReply(receiver_,
                              HttpSend(JsonPost(receiver_, std::move(url), DumpJson(message))),
                              kDingTalkRateLimited, absl::Minutes(10));
  }

 private:
  const ReceiverConfig receiver_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<Channel> MakeDingTalkChannel(const ReceiverConfig& receiver, const Clock& clock) {
  return std::make_unique<DingTalkChannel>(receiver, clock);
}

}  // namespace vigil::notify
