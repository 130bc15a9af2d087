// The notifier with a real state store and a real webhook receiver, under a ManualClock:
// rate limits with merging, retries with growing backoff, a restart, permanent drops.
#include "collector/notify/notifier.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/notify/outbox.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/collector/notify/sample_notification.h"
#include "tests/unit/collector/notify/test_receivers.h"

namespace vigil::notify {
namespace {

using nlohmann::json;
using testing::HttpReceiver;

const absl::Time kStart = absl::FromUnixSeconds(1714550400);

ReceiverConfig Webhook(const std::string& url, int rate = 0) {
  ReceiverConfig r;
  r.name = "hook";
  r.type = ChannelType::kWebhook;
  r.url = url;
  r.rate_limit_per_minute = rate;
  return r;
}

Notification Message(int i) {
  Notification n = testing::SampleNotification("hook", 0);
  n.alerts.push_back(testing::SampleAlert(absl::StrCat("alert-", i), absl::StrCat("db", i)));
  n.group_key = absl::StrCat("db", i);
  n.created = absl::InfinitePast();
  return n;
}

size_t AlertsReceived(const HttpReceiver& server) {
  size_t n = 0;
  for (const auto& req : server.Requests()) n += json::parse(req.body)["alerts"].size();
  return n;
}

std::vector<OutboxRecord> OutboxRecords(state::StateStore& store) {
  std::vector<OutboxRecord> out;
  REQUIRE(store
              .Scan(state::Keyspace::kOutbox, "",
                    [&](absl::string_view key, absl::string_view value) {
                      auto record = DecodeOutboxRecord(state::ReadUint64(key), value);
                      if (record.ok()) out.push_back(*record);
                      return true;
                    })
              .ok());
  return out;
}

size_t PendingFor(const Notifier& notifier, const std::string& receiver) {
  for (const auto& [name, count] : notifier.Pending()) {
    if (name == receiver) return count;
  }
  return 0;
}

TEST_CASE("rate limit: 25 messages to a 20/min receiver, 20 sent, the rest merged into one",
          "[notify][outbox]") {
  testing::TempDir dir;
  auto store = state::StateStore::Open(dir.Path("state"));
  REQUIRE(store.ok());
  HttpReceiver server;
  ManualClock clock(kStart);
  MetricsRegistry metrics;
  auto notifier =
      Notifier::Start({Webhook(server.Url("/hook"), 20)}, store->get(), &clock, &metrics);
  REQUIRE(notifier.ok());
  for (int i = 0; i < 25; ++i) REQUIRE((*notifier)->Enqueue(Message(i)).ok());
  REQUIRE(server.WaitForRequests(20));
  // The clock has not moved: no token for a 21st, and the waiting ones merge into one.
  REQUIRE(testing::WaitFor([&] { return PendingFor(**notifier, "hook") == 1; }, absl::Seconds(20)));
  CHECK(server.Requests().size() == 20);
  CHECK(OutboxRecords(**store).size() == 1);

  clock.Advance(absl::Seconds(3));  // one token
  (*notifier)->Poke();
  REQUIRE(server.WaitForRequests(21));
  REQUIRE(testing::WaitFor([&] { return (*notifier)->Pending().empty(); }, absl::Seconds(20)));
  CHECK(server.Requests().size() == 21);
  CHECK(AlertsReceived(server) == 25);
  CHECK(json::parse(server.Requests().back().body)["alerts"].size() == 5);
  CHECK(OutboxRecords(**store).empty());
  CHECK(absl::StrContains(metrics.Render(), "vigil_notify_sent_total{receiver=\"hook\"} 21"));
  CHECK((*notifier)->SentLog(100).size() == 21);
}

TEST_CASE("retry: a failing receiver is retried with growing backoff, then delivered once",
          "[notify][outbox]") {
  testing::TempDir dir;
  auto store = state::StateStore::Open(dir.Path("state"));
  REQUIRE(store.ok());
  HttpReceiver server;
  std::atomic<bool> healthy{false};
  server.SetResponder([&](const HttpReceiver::Request&, httplib::Response& res) {
    res.status = healthy ? 200 : 500;
  });
  ManualClock clock(kStart);
  MetricsRegistry metrics;
  NotifierOptions options;
  options.initial_backoff = absl::Seconds(1);
  options.max_backoff = absl::Seconds(8);
  auto notifier =
      Notifier::Start({Webhook(server.Url("/hook"))}, store->get(), &clock, &metrics, options);
  REQUIRE(notifier.ok());
  REQUIRE((*notifier)->Enqueue(Message(1)).ok());

  // Each failure doubles the wait: 1s, 2s, 4s, 8s, 8s (the cap).
  const absl::Duration expected[] = {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4),
                                     absl::Seconds(8), absl::Seconds(8)};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    REQUIRE(testing::WaitFor(
        [&] {
          auto records = OutboxRecords(**store);
          return records.size() == 1 && records[0].attempts == attempt;
        },
        absl::Seconds(20)));
    const OutboxRecord record = OutboxRecords(**store)[0];
    CHECK(record.next_attempt - clock.Now() == expected[attempt - 1]);
    CHECK(absl::StrContains(record.last_error, "HTTP 500"));
    CHECK(server.Requests().size() == static_cast<size_t>(attempt));
    clock.Advance(expected[attempt - 1]);
    if (attempt == 5) healthy = true;
    (*notifier)->Poke();
  }
  REQUIRE(testing::WaitFor([&] { return (*notifier)->Pending().empty(); }, absl::Seconds(20)));
  CHECK(server.Requests().size() == 6);
  CHECK(OutboxRecords(**store).empty());
  const std::vector<SentEntry> log = (*notifier)->SentLog(10);
  REQUIRE(log.size() == 1);
  CHECK(log[0].result == "sent");
  CHECK(log[0].attempts == 6);
  CHECK(log[0].alert_ids == std::vector<std::string>{"alert-1"});
  CHECK(absl::StrContains(metrics.Render(),
                          "vigil_notify_failures_total{receiver=\"hook\",kind=\"retryable\"} 5"));
}

TEST_CASE("restart: what was pending is delivered exactly once by the next run",
          "[notify][outbox]") {
  testing::TempDir dir;
  ManualClock clock(kStart);
  const int port = testing::FreePort();
  {
    auto store = state::StateStore::Open(dir.Path("state"));
    REQUIRE(store.ok());
    // The receiver is down: nothing listens on the port.
    auto notifier = Notifier::Start({Webhook(absl::StrCat("http://127.0.0.1:", port, "/hook"))},
                                    store->get(), &clock, nullptr);
    REQUIRE(notifier.ok());
    for (int i = 0; i < 3; ++i) REQUIRE((*notifier)->Enqueue(Message(i)).ok());
    REQUIRE(testing::WaitFor(
        [&] {
          auto records = OutboxRecords(**store);
          return !records.empty() && records[0].attempts >= 1;
        },
        absl::Seconds(20)));
    (*notifier)->Stop();
  }
  HttpReceiver server;
  {
    auto store = state::StateStore::Open(dir.Path("state"));
    REQUIRE(store.ok());
    CHECK_FALSE(OutboxRecords(**store).empty());
    clock.Advance(absl::Minutes(10));
    auto notifier = Notifier::Start({Webhook(server.Url("/hook"))}, store->get(), &clock, nullptr);
    REQUIRE(notifier.ok());
    REQUIRE(testing::WaitFor([&] { return (*notifier)->Pending().empty(); }, absl::Seconds(20)));
    CHECK(AlertsReceived(server) == 3);
    CHECK(OutboxRecords(**store).empty());
    (*notifier)->Stop();
  }
  {
    // A third run finds nothing to send again.
    auto store = state::StateStore::Open(dir.Path("state"));
    REQUIRE(store.ok());
    auto notifier = Notifier::Start({Webhook(server.Url("/hook"))}, store->get(), &clock, nullptr);
    REQUIRE(notifier.ok());
    CHECK((*notifier)->Pending().empty());
    // Messages waiting behind a backoff were merged: the log lists each alert once.
    size_t logged = 0;
    for (const SentEntry& entry : (*notifier)->SentLog(10)) {
      CHECK(entry.result == "sent");
      logged += entry.alert_ids.size();
    }
    CHECK(logged == 3);
  }
  CHECK(AlertsReceived(server) == 3);
}

TEST_CASE("a permanent failure is dropped and logged; secrets stay out of the log",
          "[notify][outbox]") {
  testing::TempDir dir;
  auto store = state::StateStore::Open(dir.Path("state"));
  REQUIRE(store.ok());
  HttpReceiver server;
  server.SetResponder([](const HttpReceiver::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content("no such hook", "text/plain");
  });
  ManualClock clock(kStart);
  MetricsRegistry metrics;
  auto notifier = Notifier::Start({Webhook(server.Url("/hook?token=hook-secret-8"))}, store->get(),
                                  &clock, &metrics);
  REQUIRE(notifier.ok());
  REQUIRE((*notifier)->Enqueue(Message(1)).ok());
  REQUIRE(
      testing::WaitFor([&] { return (*notifier)->SentLog(10).size() == 1; }, absl::Seconds(20)));
  const SentEntry entry = (*notifier)->SentLog(10)[0];
  CHECK(absl::StartsWith(entry.result, "dropped: receiver hook"));
  CHECK(absl::StrContains(entry.result, "HTTP 400"));
  CHECK_FALSE(absl::StrContains(entry.result, "hook-secret-8"));
  CHECK(server.Requests().size() == 1);
  CHECK(OutboxRecords(**store).empty());
  CHECK(absl::StrContains(metrics.Render(),
                          "vigil_notify_dropped_total{receiver=\"hook\",reason=\"permanent\"} 1"));
  CHECK_FALSE((*notifier)->Enqueue(testing::SampleNotification("nobody")).ok());
}

TEST_CASE("a message older than max_age is dropped as expired", "[notify][outbox]") {
  testing::TempDir dir;
  auto store = state::StateStore::Open(dir.Path("state"));
  REQUIRE(store.ok());
  HttpReceiver server;
  server.SetResponder(
      [](const HttpReceiver::Request&, httplib::Response& res) { res.status = 502; });
  ManualClock clock(kStart);
  MetricsRegistry metrics;
  NotifierOptions options;
  options.max_age = absl::Hours(1);
  auto notifier =
      Notifier::Start({Webhook(server.Url("/hook"))}, store->get(), &clock, &metrics, options);
  REQUIRE(notifier.ok());
  REQUIRE((*notifier)->Enqueue(Message(1)).ok());
  REQUIRE(server.WaitForRequests(1));
  clock.Advance(absl::Hours(2));
  (*notifier)->Poke();
  REQUIRE(testing::WaitFor([&] { return (*notifier)->Pending().empty(); }, absl::Seconds(20)));
  CHECK(absl::StrContains(metrics.Render(),
                          "vigil_notify_dropped_total{receiver=\"hook\",reason=\"expired\"} 1"));
  CHECK(absl::StrContains((*notifier)->SentLog(1).at(0).result, "HTTP 502"));
}

TEST_CASE("merging keeps the newest version of each alert, firing first", "[notify][outbox]") {
  Notification a = testing::SampleNotification("hook", 0);
  a.alerts = {testing::SampleAlert("x", "db1"), testing::SampleAlert("y", "db1")};
  Notification b = testing::SampleNotification("hook", 0);
  b.alerts = {testing::SampleAlert("x", "db1", /*resolved=*/true),
              testing::SampleAlert("z", "db2")};
  b.group_key = "db2";
  b.escalated = true;
  const Notification merged = MergeNotifications({&a, &b});
  REQUIRE(merged.alerts.size() == 3);
  CHECK(merged.alerts[0].id == "y");
  CHECK(merged.alerts[1].id == "z");
  CHECK(merged.alerts[2].id == "x");
  CHECK(merged.alerts[2].resolved);
  CHECK(merged.group_key == "db1,db2");
  CHECK(merged.escalated);
}

}  // namespace
}  // namespace vigil::notify
