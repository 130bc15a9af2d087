#include "bench/webhook_receiver.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <string>

namespace vigil::bench {
namespace {

// What the collector's webhook channel posts (Alertmanager's webhook payload, v4).
constexpr char kPayload[] = R"({
  "version": "4", "groupKey": "bench-agent-01000", "status": "firing", "receiver": "bench",
  "groupLabels": {"instance": "bench-agent-01000"},
  "commonLabels": {"alertname": "BenchProbe"}, "commonAnnotations": {},
  "externalURL": "", "truncatedAlerts": 0,
  "alerts": [
    {"status": "firing", "labels": {"alertname": "BenchProbe", "instance": "bench-agent-01000",
      "severity": "critical", "trial": "7"}, "annotations": {},
      "startsAt": "2026-01-01T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "", "fingerprint": "0123456789abcdef"},
    {"status": "resolved", "labels": {"alertname": "BenchProbe", "trial": "6"},
      "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
      "endsAt": "2026-01-01T00:00:05Z", "fingerprint": "fedcba9876543210"},
    {"status": "firing", "labels": {"alertname": "HostCpuBusy", "trial": "8"}}
  ]
})";

TEST_CASE("ParseWebhookAlerts reads each alert's labels and status", "[webhook_receiver]") {
  absl::StatusOr<std::vector<WebhookAlert>> alerts = ParseWebhookAlerts(kPayload);
  REQUIRE(alerts.ok());
  REQUIRE(alerts->size() == 3);
  CHECK((*alerts)[0].firing);
  CHECK((*alerts)[0].labels.at("trial") == "7");
  CHECK((*alerts)[0].labels.at("alertname") == "BenchProbe");
  CHECK(!(*alerts)[1].firing);
  CHECK((*alerts)[2].labels.at("alertname") == "HostCpuBusy");
}

TEST_CASE("ParseWebhookAlerts says what is wrong with a payload", "[webhook_receiver]") {
  auto message = [](absl::string_view body) {
    absl::StatusOr<std::vector<WebhookAlert>> alerts = ParseWebhookAlerts(body);
    REQUIRE(!alerts.ok());
    return std::string(alerts.status().message());
  };
  CHECK(message("{") == "the body is not JSON");
  CHECK(message("[]") == "the body is not a JSON object");
  CHECK(message(R"({"status": "firing"})") == "the payload has no `alerts` array");
  CHECK(message(R"({"alerts": [{"status": "firing"}]})") == "alerts[0] has no `labels` object");
  CHECK(message(R"({"alerts": [{"status": "firing", "labels": {"a": 1}}]})") ==
        "alerts[0].labels.a is not a string");
  CHECK(message(R"({"alerts": [{"status": "pending", "labels": {}}]})") ==
        "alerts[0].status is 'pending', not firing or resolved");
}

TEST_CASE("WebhookReceiver records the first firing of the watched rule by its key label",
          "[webhook_receiver]") {
  absl::StatusOr<std::unique_ptr<WebhookReceiver>> receiver =
      WebhookReceiver::Start("BenchProbe", "trial");
  REQUIRE(receiver.ok());
  const std::string url = (*receiver)->url();
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  const std::string host_port =
      url.substr(std::string("http://").size(), url.size() - std::string("http://").size() - 5);
  httplib::Client client("http://" + host_port);

  // Nothing yet: the wait ends at its deadline (already past) without a time.
  CHECK(!(*receiver)->WaitFiring("7", absl::Now()).has_value());

  const absl::Time before = absl::Now();
  httplib::Result posted = client.Post("/hook", kPayload, "application/json");
  REQUIRE(posted);
  CHECK(posted->status == 200);
  std::optional<absl::Time> seven = (*receiver)->WaitFiring("7", absl::Now());
  REQUIRE(seven.has_value());
  CHECK(*seven >= before);
  CHECK(*seven <= absl::Now());
  CHECK(!(*receiver)->WaitFiring("6", absl::Now()).has_value());  // resolved only
  CHECK(!(*receiver)->WaitFiring("8", absl::Now()).has_value());  // another rule

  // A repeat keeps the first arrival.
  REQUIRE(client.Post("/hook", kPayload, "application/json"));
  CHECK((*receiver)->WaitFiring("7", absl::Now()) == seven);

  httplib::Result bad = client.Post("/hook", "not json", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->body == "the body is not JSON");

  const WebhookReceiver::Counts counts = (*receiver)->counts();
  CHECK(counts.posts == 3);
  CHECK(counts.bad_posts == 1);
  CHECK(counts.firing == 2);
  CHECK(counts.resolved == 2);
  CHECK(counts.other_alerts == 2);
}

}  // namespace
}  // namespace vigil::bench
