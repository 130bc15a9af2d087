// vigilctl alerts, ack, silence and oncall: requests built from flags and how the
// Alerts service's answers are printed.
#include "collector/ctl/alerts_command.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace vigil::ctl {
namespace {

constexpr int64_t kT0 = 1'795'464'000'000;  // 2026-11-23T20:00:00Z

v1::Alert DiskAlert() {
  v1::Alert a;
  a.set_id("0123456789abcdef");
  a.set_rule("DiskFull");
  for (auto [name, value] : {std::pair{"alertname", "DiskFull"}, std::pair{"instance", "db1"},
                             std::pair{"severity", "critical"}}) {
    v1::Label* l = a.add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  v1::Annotation* summary = a.add_annotations();
  summary->set_name("summary");
  summary->set_text("磁盘 /data 将满 / disk /data almost full");
  a.set_severity("critical");
  a.set_state("firing");
  a.set_active_at_ms(kT0 - 600'000);
  a.set_fired_at_ms(kT0 - 300'000);
  return a;
}

TEST_CASE("vigilctl alerts prints one row per alert with who acknowledged and why it is quiet") {
  v1::ListAlertsResponse alerts;
  *alerts.add_alerts() = DiskAlert();
  v1::Alert* pending = alerts.add_alerts();
  pending->set_id("fedcba9876543210");
  pending->set_rule("HighLoad");
  pending->set_severity("warning");
  pending->set_state("pending");
  pending->set_active_at_ms(kT0 - 30'000);
  pending->set_silenced_by("s-1");
  pending->set_flapping(true);
  alerts.mutable_alerts(0)->set_acknowledged(true);
  alerts.mutable_alerts(0)->set_acknowledged_by("alice");

  const std::string table = FormatAlertsTable(alerts, absl::FromUnixMillis(kT0));
  const std::vector<std::string> lines = absl::StrSplit(table, '\n');
  REQUIRE(lines.size() == 4);  // header, two rows, the empty string after the last \n
  CHECK(absl::StartsWith(lines[0], "ID"));
  for (const char* column : {"STATE", "SEVERITY", "ALERT", "INSTANCE", "SINCE", "ACK", "SUMMARY"}) {
    CHECK(absl::StrContains(lines[0], column));
  }
  // SINCE is the age of the firing state, not of pending.
  CHECK(absl::StrContains(lines[1], "0123456789abcdef  firing"));
  CHECK(absl::StrContains(lines[1], "DiskFull"));
  CHECK(absl::StrContains(lines[1], "db1"));
  CHECK(absl::StrContains(lines[1], "5m ago"));
  CHECK(absl::StrContains(lines[1], "alice"));
  CHECK(absl::EndsWith(lines[1], "磁盘 /data 将满 / disk /data almost full"));
  CHECK(absl::StrContains(lines[2], "pending (flapping,silenced)"));
  CHECK(absl::StrContains(lines[2], "30s ago"));

  CHECK(FormatAlertsTable(v1::ListAlertsResponse(), absl::FromUnixMillis(kT0)) ==
        "no alerts are pending or firing\n");

  const nlohmann::json json = nlohmann::json::parse(FormatProtoJson(alerts));
  CHECK(json["alerts"][0]["acknowledged_by"] == "alice");
  CHECK(json["alerts"][1]["silenced_by"] == "s-1");
}

TEST_CASE("vigilctl alerts --instance and --since filter the list") {
  v1::ListAlertsResponse alerts;
  *alerts.add_alerts() = DiskAlert();  // db1, active 10 minutes ago
  v1::Alert* other = alerts.add_alerts();
  other->set_id("1");
  other->set_active_at_ms(kT0 - 60'000);
  const absl::Time now = absl::FromUnixMillis(kT0);
  CHECK(FilterAlerts(alerts, "db1", "", now)->alerts_size() == 1);
  CHECK(FilterAlerts(alerts, "db2", "", now)->alerts_size() == 0);
  CHECK(FilterAlerts(alerts, "", "5m", now)->alerts(0).id() == "1");
  CHECK(FilterAlerts(alerts, "", "", now)->alerts_size() == 2);
  CHECK(absl::StartsWith(FilterAlerts(alerts, "", "soon", now).status().message(), "--since"));
}

TEST_CASE("vigilctl alerts --history asks for the last 24h by default and prints events") {
  const absl::Time now = absl::FromUnixMillis(kT0);
  absl::StatusOr<v1::HistoryRequest> request = HistoryRequestFor("", "db1", now);
  REQUIRE(request.ok());
  CHECK(request->start_ms() == kT0 - 86'400'000);
  CHECK(request->instance() == "db1");
  CHECK(HistoryRequestFor("2h", "", now)->start_ms() == kT0 - 7'200'000);
  CHECK(!HistoryRequestFor("x", "", now).ok());

  v1::HistoryResponse history;
  v1::AlertEvent* e = history.add_events();
  e->set_time_ms(kT0);
  e->set_alert_id("0123456789abcdef");
  e->set_rule("DiskFull");
  v1::Label* l = e->add_labels();
  l->set_name("instance");
  l->set_value("db1");
  e->set_kind("acknowledged");
  e->set_detail("alice: replacing the disk");
  const std::string table = FormatHistoryTable(history, absl::UTCTimeZone());
  CHECK(absl::StrContains(table,
                          "2026-11-23 20:00:00 UTC  DiskFull  db1       acknowledged  "
                          "alice: replacing the disk  0123456789abcdef"));
  CHECK(FormatHistoryTable(v1::HistoryResponse(), absl::UTCTimeZone()) ==
        "no alert events match\n");
}

TEST_CASE("vigilctl silence add takes a duration or an end, and requires a comment") {
  const absl::Time now = absl::FromUnixMillis(kT0);
  const std::string m = R"({instance="db1"})";
  absl::StatusOr<v1::CreateSilenceRequest> r = SilenceRequestFor(m, "2h", "", "backup", now);
  REQUIRE(r.ok());
  CHECK(r->matchers() == m);
  CHECK(r->duration_ms() == 7'200'000);
  CHECK(r->ends_at_ms() == 0);
  CHECK(r->comment() == "backup");
  r = SilenceRequestFor(m, "", "2026-11-23T22:00:00Z", "backup", now);
  REQUIRE(r.ok());
  CHECK(r->ends_at_ms() == kT0 + 7'200'000);
  CHECK(r->duration_ms() == 0);

  CHECK(absl::StrContains(SilenceRequestFor(m, "2h", "", "", now).status().message(), "--comment"));
  CHECK(!SilenceRequestFor(m, "", "", "x", now).ok());
  CHECK(!SilenceRequestFor(m, "2h", "1795470000", "x", now).ok());
  CHECK(absl::StartsWith(SilenceRequestFor(m, "soon", "", "x", now).status().message(),
                         "--duration"));
  CHECK(absl::StrContains(
      SilenceRequestFor(m, "", "2026-11-23T19:00:00Z", "x", now).status().message(), "past"));
  CHECK(!SilenceRequestFor("", "2h", "", "x", now).ok());
}

TEST_CASE("vigilctl silence list and the confirmations") {
  v1::ListSilencesResponse silences;
  v1::Silence* s = silences.add_silences();
  s->set_id("s-1");
  s->set_state("active");
  s->set_matchers(R"({instance="db1"})");
  s->set_starts_at_ms(kT0);
  s->set_ends_at_ms(kT0 + 7'200'000);
  s->set_created_by("bob");
  s->set_comment("nightly backup");
  const std::string table = FormatSilencesTable(silences, absl::UTCTimeZone());
  CHECK(absl::StartsWith(table, "ID   STATE   MATCHERS"));
  CHECK(absl::StrContains(table,
                          "s-1  active  {instance=\"db1\"}  2026-11-23 20:00:00 UTC  "
                          "2026-11-23 22:00:00 UTC  bob         nightly backup"));
  s->set_state("expired");
  s->set_expired_early(true);
  CHECK(absl::StrContains(FormatSilencesTable(silences, absl::UTCTimeZone()), "expired (early)"));
  CHECK(FormatSilencesTable(v1::ListSilencesResponse(), absl::UTCTimeZone()) == "no silences\n");
  CHECK(FormatSilence(*s, absl::UTCTimeZone()) ==
        "silence s-1 expired: {instance=\"db1\"} from 2026-11-23 20:00:00 UTC until 2026-11-23 "
        "22:00:00 UTC (by bob: nightly backup)\n");

  v1::Alert acked = DiskAlert();
  acked.set_acknowledged(true);
  acked.set_acknowledged_by("bob");
  acked.set_acknowledged_at_ms(kT0);
  CHECK(FormatAcknowledged(acked, absl::UTCTimeZone()) ==
        "acknowledged 0123456789abcdef DiskFull on db1 by bob at 2026-11-23 20:00:00 UTC\n");
}

TEST_CASE("vigilctl oncall shows who is on duty and the coming hand-overs") {
  v1::OnCallResponse oncall;
  oncall.set_now_ms(kT0);
  v1::Rotation* r = oncall.add_rotations();
  r->set_name("dba");
  r->mutable_primary()->set_name("alice");
  r->mutable_primary()->set_phone("13800000001");
  r->mutable_secondary()->set_name("bob");
  auto shift = [&](int64_t start, int64_t end, const char* who, bool override, const char* reason) {
    v1::Shift* s = r->add_shifts();
    s->set_start_ms(start);
    s->set_end_ms(end);
    s->mutable_person()->set_name(who);
    s->set_override(override);
    s->set_reason(reason);
  };
  const int64_t day = 86'400'000;
  shift(kT0 - day / 2, kT0 + day / 2, "alice", false, "");  // in progress: not a hand-over
  shift(kT0 + day / 2, kT0 + day, "bob", false, "");
  shift(kT0 + day, kT0 + 2 * day, "carol", true, "春节 holiday swap");
  oncall.add_rotations()->set_name("network");

  const std::string text = FormatOnCall(oncall, absl::UTCTimeZone());
  CHECK(text ==
        "dba: on duty now alice (13800000001), next in line bob\n"
        "  2026-11-24 08:00:00 UTC  ->  bob\n"
        "  2026-11-24 20:00:00 UTC  ->  carol [override: 春节 holiday swap]\n"
        "\n"
        "network: on duty now nobody\n"
        "  no hand-over in the period shown\n");
  CHECK(FormatOnCall(v1::OnCallResponse(), absl::UTCTimeZone()) ==
        "no on-call rotations are configured\n");
}

}  // namespace
}  // namespace vigil::ctl
