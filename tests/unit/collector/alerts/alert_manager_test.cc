// The alert manager end to end under an injected clock: rules evaluated when data
// arrives, the lifecycle (for, clear, flapping), restarts in each state, escalation,
// silences, host down and inhibition, with messages received by a real webhook server.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "tests/unit/collector/alerts/manager_fixture.h"

namespace vigil::alerts {
namespace {

using testing::ManagerFixture;

constexpr char kRules[] = R"(groups:
- name: test
  interval: 1m
  rules:
  - alert: CpuBusy
    expr: cpu > 90
    clear: cpu < 80
    severity: critical
    annotations:
      summary: "CPU {{ $value }} on {{ $labels.instance }}"
  - alert: DiskFull
    expr: disk > 95
    for: 5m
    severity: warning
  - alert: HostDown
    host_silent: 60s
    severity: critical
    inhibit_equal: [instance]
)";

constexpr char kAlerting[] = R"(
rule_files: [$RULES]
group_wait: 0s
external_url: https://vigil.test:7071
language: en
receivers:
  - {name: im, type: webhook, url: $HOOK}
  - {name: sms, type: webhook, url: $HOOK2}
oncall:
  - name: dba
    handover: daily
    at: "09:00"
    timezone: UTC
    start: 2026-01-01
    people:
      - {name: alice, phone: "13800000001"}
      - {name: bob, phone: "13800000002"}
escalation_policies:
  - name: default
    escalate: [critical]
    tiers:
      - receivers: [im]
        oncall: dba
      - after: 10m
        receivers: [sms]
        oncall: dba
        position: secondary
)";

std::string AlertName(const nlohmann::json& body, size_t i = 0) {
  return body["alerts"][i]["labels"]["alertname"].get<std::string>();
}
std::string Instance(const nlohmann::json& body, size_t i = 0) {
  return body["alerts"][i]["labels"]["instance"].get<std::string>();
}

std::vector<AlertEvent> Events(AlertManager& m, const std::string& id) {
  HistoryQuery q;
  q.alert_id = id;
  absl::StatusOr<std::vector<AlertEvent>> h = m.History(q);
  REQUIRE(h.ok());
  return *h;
}

// Who the rotation has on duty now (position 0) or as the secondary (1).
std::string OnDutyNow(ManagerFixture& f, int position) {
  const AlertingConfig config = f.manager().config();
  REQUIRE(config.oncall.size() == 1);
  return OnDuty(config.oncall[0], f.clock().Now(), position).name;
}

// Messages that went to `path` of the receiver.
std::vector<nlohmann::json> To(ManagerFixture& f, const std::string& path) {
  std::vector<nlohmann::json> out;
  const std::vector<nlohmann::json> bodies = f.sink().Bodies();
  const std::vector<std::string> paths = f.sink().Paths();
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (paths[i] == path) out.push_back(bodies[i]);
  }
  return out;
}

bool HasEvent(const std::vector<AlertEvent>& events, const std::string& kind) {
  for (const AlertEvent& e : events) {
    if (e.kind == kind) return true;
  }
  return false;
}

TEST_CASE(
    "an alert fires on the batch that crosses the threshold and is sent once, also across a "
    "restart",
    "[alerts][manager]") {
  ManagerFixture f(kRules, kAlerting);
  f.Sample("db1", "cpu", 50);
  f.Run();
  CHECK(f.Find("CpuBusy") == nullptr);
  f.Advance(absl::Seconds(1));
  f.Sample("db1", "cpu", 95);
  f.Run();
  const Alert* a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  CHECK(a->notified_tier == 0);
  CHECK(a->annotations.at(0).second == "CPU 95 on db1");
  REQUIRE(f.sink().WaitFor(1) == 1);
  nlohmann::json body = f.sink().Bodies()[0];
  CHECK(body["status"] == "firing");
  CHECK(AlertName(body) == "CpuBusy");
  CHECK(Instance(body) == "db1");
  CHECK(f.sink().Paths()[0] == "/hook");
  const std::string id = a->id;
  // The notified event names the on-call person of the day.
  bool named = false;
  for (const AlertEvent& e : Events(f.manager(), id)) {
    if (e.kind == "notified") named = e.detail.find(OnDutyNow(f, 0)) != std::string::npos;
  }
  CHECK(named);

  f.Restart();
  f.Advance(absl::Seconds(1));
  f.Sample("db1", "cpu", 96);
  f.Run();
  a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->id == id);
  CHECK(a->state == AlertState::kFiring);
  // A second host's alert is the next message: nothing was sent again for db1.
  f.Sample("db2", "cpu", 99);
  f.Run();
  REQUIRE(f.sink().WaitFor(2) == 2);
  CHECK(Instance(f.sink().Bodies()[1]) == "db2");
  CHECK(f.sink().Count() == 2);
}

TEST_CASE("clear gives hysteresis: fires above 90, stays between, resolves below 80",
          "[alerts][manager][lifecycle]") {
  ManagerFixture f(kRules, kAlerting);
  f.Sample("db1", "cpu", 95);
  f.Run();
  REQUIRE(f.sink().WaitFor(1) == 1);
  f.Advance(absl::Seconds(1));
  f.Sample("db1", "cpu", 85);
  f.Run();
  const Alert* a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  f.Advance(absl::Seconds(1));
  f.Sample("db1", "cpu", 75);
  f.Run();
  CHECK(f.Find("CpuBusy") == nullptr);  // resolved: no longer listed
  REQUIRE(f.sink().WaitFor(2) == 2);
  nlohmann::json resolved = f.sink().Bodies()[1];
  CHECK(resolved["status"] == "resolved");
  CHECK(AlertName(resolved) == "CpuBusy");
}

TEST_CASE("for: a pending alert keeps its start across a restart and fires on time",
          "[alerts][manager][lifecycle][restart]") {
  ManagerFixture f(kRules, kAlerting);
  f.Sample("db1", "disk", 97);
  f.Run();
  const Alert* a = f.Find("DiskFull");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kPending);
  const absl::Time started = a->active_at;
  f.Advance(absl::Minutes(3));
  f.Sample("db1", "disk", 97);
  f.Run();
  f.Restart();
  f.Advance(absl::Minutes(1));
  f.Sample("db1", "disk", 98);
  f.Run();
  a = f.Find("DiskFull");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kPending);
  CHECK(a->active_at == started);
  f.Advance(absl::Minutes(1));
  f.Sample("db1", "disk", 98);
  f.Run();
  a = f.Find("DiskFull");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  CHECK(a->fired_at - started == absl::Minutes(5));
  REQUIRE(f.sink().WaitFor(1) == 1);
  CHECK(AlertName(f.sink().Bodies()[0]) == "DiskFull");
  // A rule with `for: 5m` runs on arriving data at most every 30 s (for/10).
  f.Sample("db2", "disk", 99);
  f.Run();
  CHECK(f.manager().Alerts().size() == 1);
  f.Advance(absl::Seconds(30));
  f.Sample("db1", "disk", 98);
  f.Sample("db2", "disk", 99);
  f.Run();
  REQUIRE(f.manager().Alerts().size() == 2);
  // A pending alert whose condition stops holding is dropped, not resolved.
  f.Advance(absl::Seconds(30));
  f.Sample("db1", "disk", 98);  // db1 keeps sending: it is not down
  f.Sample("db2", "disk", 10);
  f.Run();
  CHECK(f.manager().Alerts().size() == 1);
}

TEST_CASE(
    "a critical alert not acknowledged in 10 minutes goes to the next tier; an acknowledged one "
    "does not",
    "[alerts][manager][escalation]") {
  ManagerFixture f(kRules, kAlerting);
  f.Sample("db1", "cpu", 95);
  f.Sample("db2", "cpu", 95);
  f.Run();
  REQUIRE(f.sink().WaitFor(2) == 2);
  std::string db2;
  for (const Alert& a : f.manager().Alerts()) {
    if (a.labels.Get("instance") == "db2") db2 = a.id;
  }
  REQUIRE(!db2.empty());
  // Both agents keep sending (a silent one would be host down).
  auto minutes = [&](int n) {
    for (int i = 0; i < n; ++i) {
      f.Advance(absl::Minutes(1));
      f.Sample("db1", "cpu", 95);
      f.Sample("db2", "cpu", 95);
      f.Run();
    }
  };
  minutes(4);
  absl::StatusOr<Alert> acked = f.manager().Acknowledge(db2, "carol", "looking at it");
  REQUIRE(acked.ok());
  CHECK(acked->acknowledged_by == "carol");
  CHECK(f.manager().Acknowledge(db2, "dave", "").status().code() ==
        absl::StatusCode::kAlreadyExists);
  CHECK(f.manager().Acknowledge("0000000000000000", "dave", "").status().code() ==
        absl::StatusCode::kNotFound);
  minutes(5);
  CHECK(f.sink().Count() == 2);  // 9 minutes: nothing escalated yet
  minutes(1);
  REQUIRE(f.sink().WaitFor(3) == 3);
  nlohmann::json escalated = f.sink().Bodies()[2];
  CHECK(f.sink().Paths()[2] == "/hook2");
  CHECK(Instance(escalated) == "db1");
  bool secondary = false;
  for (const Alert& a : f.manager().Alerts()) {
    if (a.labels.Get("instance") != "db1") continue;
    CHECK(a.notified_tier == 1);
    for (const AlertEvent& e : Events(f.manager(), a.id)) {
      if (e.kind == "escalated") secondary = e.detail.find(OnDutyNow(f, 1)) != std::string::npos;
    }
  }
  CHECK(secondary);
  // The acknowledged alert stays at tier 0; its history has the acknowledgement.
  std::vector<AlertEvent> events = Events(f.manager(), db2);
  CHECK(HasEvent(events, "acknowledged"));
  CHECK_FALSE(HasEvent(events, "escalated"));
  // The acknowledgement survives a restart.
  f.Restart();
  bool still_acked = false;
  for (const Alert& a : f.manager().Alerts()) {
    if (a.id == db2) still_acked = a.acknowledged && a.acknowledged_by == "carol";
  }
  CHECK(still_acked);
}

TEST_CASE("a silenced alert is recorded but not sent until the silence ends",
          "[alerts][manager][silence]") {
  ManagerFixture f(kRules, kAlerting);
  const absl::Time now = f.clock().Now();
  absl::StatusOr<Silence> s = f.manager().silences().Create(
      R"({instance="db3"})", now, now + absl::Hours(1), "erin", "replacing a disk");
  INFO(s.status().message());
  REQUIRE(s.ok());
  f.Sample("db3", "cpu", 99);
  f.Run();
  const Alert* a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  CHECK(a->silenced_by == s->id);
  CHECK(a->notified_tier == -1);
  CHECK(HasEvent(Events(f.manager(), a->id), "silenced"));
  REQUIRE(f.manager().silences().Expire(s->id, "erin").ok());
  f.Advance(absl::Seconds(1));
  f.Run();
  REQUIRE(f.sink().WaitFor(1) == 1);
  CHECK(Instance(f.sink().Bodies()[0]) == "db3");
  a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->notified_tier == 0);
  CHECK(a->silenced_by.empty());
}

TEST_CASE("host down fires for a silent agent and inhibits that host's other alerts",
          "[alerts][manager][hostdown]") {
  ManagerFixture f(kRules, kAlerting);
  f.Sample("db4", "disk", 99);
  f.Sample("db5", "cpu", 10);
  f.Run();
  f.Advance(absl::Seconds(30));
  f.Sample("db5", "cpu", 10);
  f.Run();
  CHECK(f.Find("HostDown") == nullptr);
  f.Advance(absl::Seconds(31));
  f.Sample("db5", "cpu", 10);
  f.Run();
  const Alert* down = f.Find("HostDown");
  REQUIRE(down != nullptr);
  CHECK(down->labels.Get("instance") == "db4");
  CHECK(down->state == AlertState::kFiring);
  const std::string down_id = down->id;
  REQUIRE(f.sink().WaitFor(1) == 1);
  CHECK(AlertName(f.sink().Bodies()[0]) == "HostDown");
  // A collector restart is not the host's return: host down stays firing, unrepeated.
  f.Restart();
  f.Advance(absl::Seconds(1));
  f.Sample("db5", "cpu", 10);
  f.Run();
  down = f.Find("HostDown");
  REQUIRE(down != nullptr);
  CHECK(down->id == down_id);
  CHECK(down->state == AlertState::kFiring);
  // DiskFull of db4 fires at 5 minutes (its sample is still within the lookback) but is
  // inhibited.
  f.Advance(absl::Seconds(238));
  f.Sample("db5", "cpu", 10);
  f.Run();
  const Alert* disk = f.Find("DiskFull");
  REQUIRE(disk != nullptr);
  CHECK(disk->state == AlertState::kFiring);
  CHECK(disk->inhibited_by == down_id);
  CHECK(disk->notified_tier == -1);
  // The agent returns: host down resolves, and the disk alert, no longer inhibited, is
  // sent, in one message for the host (firing first).
  f.Sample("db4", "disk", 99);
  f.Run();
  CHECK(f.Find("HostDown") == nullptr);
  REQUIRE(f.sink().WaitFor(2) == 2);
  bool down_resolved = false, disk_sent = false;
  const nlohmann::json last = f.sink().Bodies()[1];
  REQUIRE(last["alerts"].size() == 2);
  for (const nlohmann::json& alert : last["alerts"]) {
    const std::string name = alert["labels"]["alertname"];
    down_resolved = down_resolved || (name == "HostDown" && alert["status"] == "resolved");
    disk_sent = disk_sent || (name == "DiskFull" && alert["status"] == "firing");
  }
  CHECK(AlertName(last, 0) == "DiskFull");
  CHECK(down_resolved);
  CHECK(disk_sent);
}

TEST_CASE("an alert that keeps flapping is reported once as flapping and held until quiet",
          "[alerts][manager][flapping]") {
  ManagerFixture f(kRules, kAlerting);
  for (int cycle = 0; cycle < 2; ++cycle) {
    f.Sample("db1", "cpu", 95);
    f.Run();
    f.Advance(absl::Seconds(20));
    f.Sample("db1", "cpu", 70);
    f.Run();
    f.Advance(absl::Seconds(20));
  }
  REQUIRE(f.sink().WaitFor(4) == 4);  // fired, resolved, fired, resolved
  f.Sample("db1", "cpu", 95);
  f.Run();
  const Alert* a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->flapping);
  REQUIRE(f.sink().WaitFor(5) == 5);
  // Going below the clear threshold does not resolve it while it flaps.
  f.Advance(absl::Seconds(20));
  f.Sample("db1", "cpu", 70);
  f.Run();
  f.Advance(absl::Seconds(20));
  f.Sample("db1", "cpu", 95);
  f.Run();
  f.Advance(absl::Seconds(20));
  f.Sample("db1", "cpu", 70);
  f.Run();
  a = f.Find("CpuBusy");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  // Quiet for the flap window: it resolves, once.
  for (int i = 0; i < 11; ++i) {
    f.Advance(absl::Minutes(1));
    f.Sample("db1", "cpu", 70);
    f.Run();
  }
  CHECK(f.Find("CpuBusy") == nullptr);
  // To the first tier: fired, resolved, fired, resolved, fired (flapping), resolved. (Held
  // firing for over 10 minutes unacknowledged, it also went to the second tier.)
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (To(f, "/hook").size() < 6 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  const std::vector<nlohmann::json> first = To(f, "/hook");
  REQUIRE(first.size() == 6);
  CHECK(first[5]["status"] == "resolved");
  CHECK(first[4]["status"] == "firing");
}

TEST_CASE("two rules of one name and different severities make two alerts, acknowledged apart",
          "[alerts][manager]") {
  ManagerFixture f(
      R"(groups:
- name: space
  rules:
  - alert: DiskSpace
    expr: free_percent < 20
    severity: warning
  - alert: DiskSpace
    expr: free_percent < 10
    severity: critical
)",
      "rule_files: [$RULES]\ngroup_wait: 0s\nreceivers: [{name: im, type: webhook, url: $HOOK}]\n");
  f.Sample("db1", "free_percent", 5);
  f.Run();
  std::vector<Alert> alerts = f.manager().Alerts();
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].id != alerts[1].id);
  const Alert& critical = alerts[0].severity == Severity::kCritical ? alerts[0] : alerts[1];
  REQUIRE(f.manager().Acknowledge(critical.id, "carol", "").ok());
  size_t acknowledged = 0;
  for (const Alert& a : f.manager().Alerts()) {
    if (a.acknowledged) {
      ++acknowledged;
      CHECK(a.severity == Severity::kCritical);
    }
  }
  CHECK(acknowledged == 1);
  // Both survive a restart as two.
  f.Restart();
  CHECK(f.manager().Alerts().size() == 2);
}

TEST_CASE("keep_firing_for holds a firing alert through a short dip, and a restart keeps the hold",
          "[alerts][manager][lifecycle][restart]") {
  ManagerFixture f(
      R"(groups:
- name: lag
  rules:
  - alert: ReplicationLag
    expr: lag_seconds > 30
    keep_firing_for: 2m
    severity: warning
)",
      "rule_files: [$RULES]\ngroup_wait: 0s\nreceivers: [{name: im, type: webhook, url: $HOOK}]\n");
  f.Sample("db1", "lag_seconds", 45);
  f.Run();
  REQUIRE(f.sink().WaitFor(1) == 1);
  f.Advance(absl::Seconds(10));
  f.Sample("db1", "lag_seconds", 5);
  f.Run();
  const Alert* a = f.Find("ReplicationLag");
  REQUIRE(a != nullptr);
  CHECK(a->state == AlertState::kFiring);
  CHECK(a->condition_lost_at == f.clock().Now());
  const absl::Time lost = a->condition_lost_at;
  f.Restart();
  f.Advance(absl::Seconds(60));
  f.Sample("db1", "lag_seconds", 5);
  f.Run();
  a = f.Find("ReplicationLag");
  REQUIRE(a != nullptr);  // 70 s into a 2-minute hold
  CHECK(a->condition_lost_at == lost);
  f.Advance(absl::Seconds(60));
  f.Sample("db1", "lag_seconds", 5);
  f.Run();
  CHECK(f.Find("ReplicationLag") == nullptr);
  REQUIRE(f.sink().WaitFor(2) == 2);
  CHECK(f.sink().Bodies()[1]["status"] == "resolved");
}

}  // namespace
}  // namespace vigil::alerts
