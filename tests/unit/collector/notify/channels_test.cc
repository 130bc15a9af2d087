// Each channel against a real local receiver: what goes over the wire (method, path,
// headers, JSON, DingTalk's signature, SMTP with STARTTLS) and how replies are read.
#include <openssl/hmac.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/ctl/certs.h"
#include "collector/notify/channel.h"
#include "common/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/collector/notify/sample_notification.h"
#include "tests/unit/collector/notify/test_receivers.h"

namespace vigil::notify {
namespace {

using nlohmann::json;
using testing::HttpReceiver;
using testing::SampleNotification;

ReceiverConfig Receiver(ChannelType type, const std::string& url) {
  ReceiverConfig r;
  r.name = "team";
  r.type = type;
  r.url = url;
  return r;
}

TEST_CASE("webhook channel POSTs Alertmanager's webhook payload with custom headers",
          "[notify][webhook]") {
  HttpReceiver server;
  ReceiverConfig r = Receiver(ChannelType::kWebhook, server.Url("/hook"));
  r.headers = {"Authorization: Bearer hook-token-1"};
  Notification n = SampleNotification("team", 2);
  n.alerts[1] = testing::SampleAlert("00000000000000b1", "db1", /*resolved=*/true);
  REQUIRE(MakeChannel(r, Clock::Real())->Send(n).ok());
  REQUIRE(server.Requests().size() == 1);
  const HttpReceiver::Request req = server.Requests()[0];
  CHECK(req.method == "POST");
  CHECK(req.path == "/hook");
  CHECK(req.Header("Authorization") == "Bearer hook-token-1");
  CHECK(absl::StartsWith(req.Header("Content-Type"), "application/json"));
  const json body = json::parse(req.body);
  CHECK(body["version"] == "4");
  CHECK(body["receiver"] == "team");
  CHECK(body["status"] == "firing");
  CHECK(body["groupKey"] == "db1");
  CHECK(body["externalURL"] == "https://vigil.example");
  CHECK(body["commonLabels"]["instance"] == "db1");
  CHECK(body["commonLabels"]["alertname"] == "HostDown");
  REQUIRE(body["alerts"].size() == 2);
  CHECK(body["alerts"][0]["status"] == "firing");
  CHECK(body["alerts"][0]["startsAt"] == "2024-05-01T08:00:00.000Z");
  CHECK(body["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z");
  CHECK(body["alerts"][0]["fingerprint"] == "00000000000000a0");
  CHECK(body["alerts"][0]["annotations"]["summary"] == "db1 is down");
  CHECK(body["alerts"][1]["status"] == "resolved");
  CHECK(body["alerts"][1]["endsAt"] == "2024-05-01T08:12:00.000Z");
}

TEST_CASE("HTTP replies: 5xx and 429 are retryable, 4xx permanent, refused retryable",
          "[notify][webhook]") {
  HttpReceiver server;
  const ReceiverConfig r = Receiver(ChannelType::kWebhook, server.Url("/hook?token=s3cr3t-q"));
  auto channel = MakeChannel(r, Clock::Real());
  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "30");
  });
  SendResult result = channel->Send(SampleNotification("team"));
  CHECK(result.kind == SendResult::Kind::kRetryable);
  CHECK(result.retry_after == absl::Seconds(30));
  CHECK(absl::StrContains(result.message, "team"));
  CHECK(absl::StrContains(result.message, "503"));
  CHECK_FALSE(absl::StrContains(result.message, "s3cr3t-q"));

  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content("bad payload", "text/plain");
  });
  result = channel->Send(SampleNotification("team"));
  CHECK(result.kind == SendResult::Kind::kPermanent);
  CHECK(absl::StrContains(result.message, "HTTP 400: bad payload"));
  CHECK_FALSE(absl::StrContains(result.message, "s3cr3t-q"));

  ReceiverConfig down = Receiver(ChannelType::kWebhook, "http://127.0.0.1:1/x?key=s3cr3t-q");
  result = MakeChannel(down, Clock::Real())->Send(SampleNotification("team"));
  CHECK(result.kind == SendResult::Kind::kRetryable);
  CHECK_FALSE(absl::StrContains(result.message, "s3cr3t-q"));
}

TEST_CASE("wecom channel: markdown, or text mentioning phones; errcode 45009 is retryable",
          "[notify][wecom]") {
  HttpReceiver server;
  ReceiverConfig r =
      Receiver(ChannelType::kWeCom, server.Url("/cgi-bin/webhook/send?key=wecom-key-9"));
  r.language = Language::kChinese;
  auto channel = MakeChannel(r, Clock::Real());
  Notification n = SampleNotification("team", 1);
  REQUIRE(channel->Send(n).ok());
  json body = json::parse(server.Requests().at(0).body);
  CHECK(server.Requests()[0].Param("key") == "wecom-key-9");
  CHECK(body["msgtype"] == "markdown");
  const std::string content = body["markdown"]["content"];
  CHECK(absl::StrContains(content, "db1 主机宕机"));  // summary_zh in Chinese
  CHECK(absl::StrContains(content, "HostDown"));
  CHECK(absl::StrContains(content, "https://vigil.example/ack?t=abc"));

  n.recipients = {{"Li Lei", "13800000001", ""}};
  REQUIRE(channel->Send(n).ok());
  body = json::parse(server.Requests().at(1).body);
  CHECK(body["msgtype"] == "text");
  CHECK(body["text"]["mentioned_mobile_list"] == json::array({"13800000001"}));
  CHECK(absl::StrContains(std::string(body["text"]["content"]), "Li Lei"));

  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.set_content(R"({"errcode":45009,"errmsg":"api freq out of limit"})", "application/json");
  });
  SendResult result = channel->Send(n);
  CHECK(result.kind == SendResult::Kind::kRetryable);
  CHECK(absl::StrContains(result.message, "45009"));
  CHECK_FALSE(absl::StrContains(result.message, "wecom-key-9"));
  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.set_content(R"({"errcode":93000,"errmsg":"invalid webhook url"})", "application/json");
  });
  result = channel->Send(n);
  CHECK(result.kind == SendResult::Kind::kPermanent);
  CHECK(absl::StrContains(result.message, "93000"));
  CHECK_FALSE(absl::StrContains(result.message, "wecom-key-9"));
}

std::string DingTalkSign(const std::string& timestamp, const std::string& secret) {
  const std::string to_sign = timestamp + "\n" + secret;
  unsigned char mac[64];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &len);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(mac), len));
}

TEST_CASE("dingtalk channel signs with the clock's timestamp and mentions phones",
          "[notify][dingtalk]") {
  HttpReceiver server;
  const std::string secret = "SEC0123456789abcdef-not-real";
  server.SetResponder([&](const HttpReceiver::Request& req, httplib::Response& res) {
    // What DingTalk checks: the signature over the timestamp with the secret.
    const bool valid = req.Param("sign") == DingTalkSign(req.Param("timestamp"), secret);
    res.set_content(valid ? R"({"errcode":0,"errmsg":"ok"})"
                          : R"({"errcode":310000,"errmsg":"sign not match"})",
                    "application/json");
  });
  ReceiverConfig r =
      Receiver(ChannelType::kDingTalk, server.Url("/robot/send?access_token=dt-token-7"));
  r.secret = secret;
  r.keyword = "VigilAlert";
  ManualClock clock(absl::FromUnixMillis(1714550400123));
  auto channel = MakeChannel(r, clock);
  Notification n = SampleNotification("team");
  n.recipients = {{"Han Meimei", "13900000002", ""}};
  const SendResult result = channel->Send(n);
  REQUIRE(result.ok());
  const HttpReceiver::Request req = server.Requests().at(0);
  CHECK(req.Param("timestamp") == "1714550400123");
  CHECK(req.Param("access_token") == "dt-token-7");
  const json body = json::parse(req.body);
  CHECK(body["msgtype"] == "markdown");
  CHECK(body["at"]["atMobiles"] == json::array({"13900000002"}));
  CHECK(body["at"]["isAtAll"] == false);
  const std::string text = body["markdown"]["text"];
  CHECK(absl::StrContains(text, "@13900000002"));
  CHECK(absl::StrContains(text, "VigilAlert"));
  CHECK(absl::StrContains(std::string(body["markdown"]["title"]), "VigilAlert"));

  // A wrong secret is refused by the receiver: permanent, and the secret is not told.
  r.secret = "SECwrong-secret-value";
  const SendResult refused = MakeChannel(r, clock)->Send(n);
  CHECK(refused.kind == SendResult::Kind::kPermanent);
  CHECK(absl::StrContains(refused.message, "310000"));
  CHECK_FALSE(absl::StrContains(refused.message, "SECwrong-secret-value"));
  CHECK_FALSE(absl::StrContains(refused.message, "dt-token-7"));

  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.set_content(R"({"errcode":130101,"errmsg":"send too fast"})", "application/json");
  });
  const SendResult limited = MakeChannel(r, clock)->Send(n);
  CHECK(limited.kind == SendResult::Kind::kRetryable);
  CHECK(limited.retry_after >= absl::Minutes(10));
}

TEST_CASE("sms channel fills the gateway template per phone number", "[notify][sms]") {
  HttpReceiver server;
  ReceiverConfig r = Receiver(ChannelType::kSms, server.Url("/sms/send?to={{phone}}"));
  r.body = R"({"phone":"{{phone}}","text":"{{message}}","who":"{{name}}"})";
  r.headers = {"X-Api-Key: sms-key-3"};
  r.to = {"+8613700000009"};
  Notification n = SampleNotification("team");
  n.alerts[0].annotations[0].second = "db1 \"quoted\" down";
  n.recipients = {{"Li Lei", "13800000001", ""}};
  REQUIRE(MakeChannel(r, Clock::Real())->Send(n).ok());
  const std::vector<HttpReceiver::Request> requests = server.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].Param("to") == "13800000001");
  CHECK(requests[1].Param("to") == "+8613700000009");
  CHECK(requests[0].Header("X-Api-Key") == "sms-key-3");
  const json body = json::parse(requests[0].body);  // JSON-escaped placeholders
  CHECK(body["phone"] == "13800000001");
  CHECK(body["who"] == "Li Lei");
  const std::string text = body["text"];
  CHECK(absl::StartsWith(text, "[CRITICAL] HostDown db1: db1 \"quoted\" down"));
  CHECK(absl::StrContains(text, "ack: https://vigil.example/ack?t=abc"));

  ReceiverConfig get = Receiver(ChannelType::kSms, server.Url("/get?p={{phone}}&m={{message}}"));
  get.method = "GET";
  get.to = {"123"};
  REQUIRE(MakeChannel(get, Clock::Real())->Send(n).ok());
  const HttpReceiver::Request last = server.Requests().back();
  CHECK(last.method == "GET");
  CHECK(absl::StartsWith(last.Param("m"), "[CRITICAL] HostDown db1"));
}

TEST_CASE("email channel speaks SMTP with STARTTLS, AUTH and a UTF-8 subject", "[notify][email]") {
  testing::TempDir dir;
  REQUIRE(ctl::InitCa(dir.Path("ca"), "Test", false).ok());
  REQUIRE(ctl::IssueCertificate(dir.Path("ca"), {"collector", "localhost", {"IP:127.0.0.1"}}, false)
              .ok());
  testing::SmtpSink sink(dir.Path("ca/localhost.crt"), dir.Path("ca/localhost.key"));
  dir.WriteFile("smtp-password", "smtp-pass-5\n");

  ReceiverConfig r;
  r.name = "mail";
  r.type = ChannelType::kEmail;
  r.smtp_url = absl::StrCat("smtp://127.0.0.1:", sink.port());
  r.ca_file = dir.Path("ca/ca.crt");
  r.from = "Vigil <vigil@hospital.example>";
  r.to = {"dba@hospital.example"};
  r.username = "vigil";
  r.password_file = dir.Path("smtp-password");
  r.language = Language::kChinese;
  Notification n = SampleNotification("mail");
  n.recipients = {{"Li Lei", "13800000001", "lilei@hospital.example"}};
  const SendResult result = MakeChannel(r, Clock::Real())->Send(n);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(sink.WaitForMessages(1));
  const testing::SmtpSink::Message m = sink.Messages()[0];
  CHECK(m.tls);
  CHECK(m.auth_user == "vigil");
  CHECK(m.auth_password == "smtp-pass-5");
  CHECK(m.mail_from == "<vigil@hospital.example>");
  CHECK(m.rcpt_to ==
        std::vector<std::string>{"<lilei@hospital.example>", "<dba@hospital.example>"});
  const std::string subject = testing::DecodeHeaderWords(testing::MailHeader(m.data, "Subject"));
  CHECK(absl::StartsWith(subject, "[Vigil] [告警:1] db1 HostDown"));
  CHECK(testing::MailHeader(m.data, "Content-Type") == "text/plain; charset=UTF-8");
  CHECK_FALSE(testing::MailHeader(m.data, "Message-ID").empty());
  CHECK_FALSE(testing::MailHeader(m.data, "Date").empty());
  const std::string body = testing::DecodeBase64Lines(testing::MailBody(m.data));
  CHECK(absl::StrContains(body, "db1 主机宕机"));
  CHECK(absl::StrContains(body, "Li Lei"));

  // Without a CA that trusts the sink's certificate the send fails (verification is on).
  r.ca_file = "";
  const SendResult untrusted = MakeChannel(r, Clock::Real())->Send(n);
  CHECK_FALSE(untrusted.ok());
  CHECK_FALSE(absl::StrContains(untrusted.message, "smtp-pass-5"));
}

TEST_CASE("alertmanager channel: a real Alertmanager lists the forwarded alert",
          "[notify][alertmanager]") {
  const std::string binary = "/usr/bin/prometheus-alertmanager";
  if (access(binary.c_str(), X_OK) != 0) {
    WARN("skipped: no " << binary);
    return;
  }
  testing::TempDir dir;
  dir.WriteFile("am.yml", "route:\n  receiver: none\nreceivers:\n  - name: none\n");
  const int port = testing::FreePort();
  testing::ChildProcess am(
      {binary, "--config.file=" + dir.Path("am.yml"), "--storage.path=" + dir.Path("data"),
       absl::StrCat("--web.listen-address=127.0.0.1:", port), "--cluster.listen-address="},
      dir.Path("am.log"));
  httplib::Client client("127.0.0.1", port);
  const bool ready = testing::WaitFor(
      [&] {
        auto res = client.Get("/-/ready");
        return res && res->status == 200;
      },
      absl::Seconds(30));
  INFO(am.Output());
  REQUIRE(ready);

  ReceiverConfig r = Receiver(ChannelType::kAlertmanager, absl::StrCat("http://127.0.0.1:", port));
  Notification n = SampleNotification("team");
  n.alerts[0].starts_at = absl::Now() - absl::Minutes(1);
  const SendResult result = MakeChannel(r, Clock::Real())->Send(n);
  INFO(result.message);
  REQUIRE(result.ok());
  auto res = client.Get("/api/v2/alerts");
  REQUIRE(res);
  const json alerts = json::parse(res->body);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["labels"]["alertname"] == "HostDown");
  CHECK(alerts[0]["labels"]["instance"] == "db1");
  CHECK(alerts[0]["annotations"]["summary_zh"] == "db1 主机宕机");
  CHECK(alerts[0]["status"]["state"] == "active");
}

}  // namespace
}  // namespace vigil::notify
