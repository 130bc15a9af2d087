// Message text: languages, markers, and cutting to a channel's limit on UTF-8 boundaries.
#include "collector/notify/message_text.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "common/utf8.h"
#include "tests/unit/collector/notify/sample_notification.h"

namespace vigil::notify {
namespace {

TEST_CASE("message text in Chinese and English, with markers", "[notify][text]") {
  Notification n = testing::SampleNotification("r", 1);
  n.alerts[0].flapping = true;
  n.escalated = true;
  n.tier = 1;
  n.created = n.alerts[0].starts_at + absl::Minutes(15);
  n.recipients = {{"Li Lei", "138", ""}};
  const MessageText en = RenderMessage(n, Language::kEnglish, TextFormat::kMarkdown, 4096);
  CHECK(absl::StartsWith(en.title, "[ESCALATED][FIRING:1] db1 HostDown"));
  CHECK(absl::StrContains(en.body, "db1 is down"));
  CHECK(absl::StrContains(en.body, "Escalated: not acknowledged in 15 min"));
  CHECK(absl::StrContains(en.body, "Flapping"));
  CHECK(absl::StrContains(en.body, "[Acknowledge](https://vigil.example/ack?t=abc)"));
  CHECK(absl::StrContains(en.body, "On duty: Li Lei"));
  const MessageText zh = RenderMessage(n, Language::kChinese, TextFormat::kPlain, 4096);
  CHECK(absl::StrContains(zh.body, "db1 主机宕机"));
  CHECK(absl::StrContains(zh.body, "值班: Li Lei"));

  Notification resolved = testing::SampleNotification("r", 0);
  resolved.alerts.push_back(testing::SampleAlert("r1", "db1", /*resolved=*/true));
  const MessageText done = RenderMessage(resolved, Language::kEnglish, TextFormat::kPlain, 4096);
  CHECK(absl::StartsWith(done.title, "[RESOLVED]"));
  CHECK(absl::StrContains(done.body, "Lasted: 12m"));
  CHECK_FALSE(absl::StrContains(done.body, "ack?t="));
}

TEST_CASE("long messages are cut with '... and N more', never inside UTF-8", "[notify][text]") {
  Notification n = testing::SampleNotification("r", 200);
  for (auto& a : n.alerts) a.annotations[1].second = "数据库主机宕机，请立即处理数据库主机宕机";
  for (size_t limit : {kWeComTextLimit, kWeComMarkdownLimit, size_t{700}}) {
    const MessageText text = RenderMessage(n, Language::kChinese, TextFormat::kMarkdown, limit);
    CHECK(text.body.size() <= limit);
    CHECK(IsValidUtf8(text.body));
    CHECK(absl::StrContains(text.body, "……另有"));
  }
  const std::string sms = RenderShortText(n, Language::kChinese, 40);
  CHECK(IsValidUtf8(sms));
  const std::string short_en = RenderShortText(n, Language::kEnglish);
  CHECK(absl::StartsWith(short_en, "[CRITICAL] HostDown db1: db1 is down (+199) ack: https://"));
  CHECK(TruncateUtf8("主机", 4) == "主");
}

}  // namespace
}  // namespace vigil::notify
