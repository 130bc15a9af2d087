// alerting.receivers parsing: every type's keys, defaults, and errors with file:line.
#include "collector/notify/receiver_config.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace vigil::notify {
namespace {

absl::StatusOr<std::vector<ReceiverConfig>> Parse(const std::string& yaml) {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "collector.yaml");
  if (!root.ok()) return root.status();
  return ParseReceivers(root->Child("receivers"));
}

TEST_CASE("receivers of every type parse with their keys and defaults", "[notify][config]") {
  auto receivers = Parse(R"(receivers:
  - name: dba-wecom
    type: wecom
    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k
  - name: dba-dingtalk
    type: dingtalk
    url: https://oapi.dingtalk.com/robot/send?access_token=t
    secret: SECabc
    keyword: Vigil
    language: en
    rate_limit_per_minute: 10
  - name: sms
    type: sms
    url: https://sms.example/send
    body: '{"to":"{{phone}}","text":"{{message}}"}'
    to: ["13800000000"]
  - name: mail
    type: email
    smtp_url: smtp://mail.example:587
    from: vigil@example.org
    to: [dba@example.org]
    username: vigil
    password_file: /etc/vigil/smtp-password
  - name: am
    type: alertmanager
    url: http://am.example:9093
    send_resolved: false
    timeout: 3s
)");
  REQUIRE(receivers.ok());
  REQUIRE(receivers->size() == 5);
  const auto& r = *receivers;
  CHECK(r[0].type == ChannelType::kWeCom);
  CHECK(r[0].rate_limit_per_minute == 20);
  CHECK_FALSE(r[0].language.has_value());
  CHECK(r[1].secret == "SECabc");
  CHECK(r[1].keyword == "Vigil");
  CHECK(r[1].rate_limit_per_minute == 10);
  CHECK(r[1].language == Language::kEnglish);
  CHECK(r[2].method == "POST");
  CHECK(r[2].to == std::vector<std::string>{"13800000000"});
  CHECK(r[2].rate_limit_per_minute == 0);
  CHECK(r[3].starttls);
  CHECK(r[3].password_file == "/etc/vigil/smtp-password");
  CHECK(r[4].send_resolved == false);
  CHECK(r[4].timeout == absl::Seconds(3));
}

TEST_CASE("receiver errors name the file, line and key", "[notify][config]") {
  auto unknown = Parse(
      "receivers:\n  - name: mail\n    type: email\n    smtp_url: smtp://m:587\n"
      "    from: a@b\n    password: hunter2\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(absl::StrContains(unknown.status().message(), "collector.yaml:6:"));
  CHECK(absl::StrContains(unknown.status().message(), "password: unknown key"));
  CHECK_FALSE(absl::StrContains(unknown.status().message(), "hunter2"));

  auto twice = Parse(
      "receivers:\n  - {name: a, type: webhook, url: 'http://x'}\n"
      "  - {name: a, type: webhook, url: 'http://y'}\n");
  REQUIRE_FALSE(twice.ok());
  CHECK(absl::StrContains(twice.status().message(), "defined twice"));

  auto no_url = Parse("receivers:\n  - {name: a, type: wecom}\n");
  REQUIRE_FALSE(no_url.ok());
  CHECK(absl::StrContains(no_url.status().message(), "url"));

  auto bad_type = Parse("receivers:\n  - {name: a, type: pager, url: 'http://x'}\n");
  REQUIRE_FALSE(bad_type.ok());
  CHECK(absl::StrContains(bad_type.status().message(), "unknown receiver type 'pager'"));

  auto no_placeholder =
      Parse("receivers:\n  - {name: s, type: sms, url: 'http://x', body: 'hello'}\n");
  REQUIRE_FALSE(no_placeholder.ok());
  CHECK(absl::StrContains(no_placeholder.status().message(), "{{message}}"));
}

}  // namespace
}  // namespace vigil::notify
