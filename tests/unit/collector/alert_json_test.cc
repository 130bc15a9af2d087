// The alerting endpoints' JSON: Prometheus' shapes for /api/v1/alerts and /api/v1/rules
// (what Grafana reads) with Vigil's extra keys, and Vigil's silences and on-call.
#include "collector/api/alert_json.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace vigil::api {
namespace {

constexpr int64_t kT0 = 1'795'464'000'123;  // 2026-11-23T20:00:00.123Z

void AddLabel(google::protobuf::RepeatedPtrField<v1::Label>* labels, const std::string& name,
              const std::string& value) {
  v1::Label* l = labels->Add();
  l->set_name(name);
  l->set_value(value);
}

v1::Alert FiringAlert() {
  v1::Alert a;
  a.set_id("0123456789abcdef");
  a.set_rule("DiskFull");
  AddLabel(a.mutable_labels(), "alertname", "DiskFull");
  AddLabel(a.mutable_labels(), "instance", "db1");
  AddLabel(a.mutable_labels(), "severity", "critical");
  v1::Annotation* summary = a.add_annotations();
  summary->set_name("summary");
  summary->set_text("disk <full>");
  a.set_severity("critical");
  a.set_state("firing");
  a.set_value(95);
  a.set_active_at_ms(kT0);
  a.set_fired_at_ms(kT0 + 60'000);
  a.set_acknowledged(true);
  a.set_acknowledged_by("alice");
  a.set_silenced_by("s-1");
  return a;
}

TEST_CASE("Alert values are written as Go's FormatFloat(v, 'e', -1, 64), as Prometheus does") {
  CHECK(GoFloatExponent(95) == "9.5e+01");
  CHECK(GoFloatExponent(1) == "1e+00");
  CHECK(GoFloatExponent(0) == "0e+00");
  CHECK(GoFloatExponent(-0.25) == "-2.5e-01");
  CHECK(GoFloatExponent(1.5e-05) == "1.5e-05");
  CHECK(GoFloatExponent(1e100) == "1e+100");
  CHECK(GoFloatExponent(0.1) == "1e-01");
  CHECK(GoFloatExponent(123456789.125) == "1.23456789125e+08");
  CHECK(GoFloatExponent(std::nan("")) == "NaN");
  CHECK(GoFloatExponent(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(GoFloatExponent(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("/api/v1/alerts: Prometheus' keys first, then Vigil's") {
  v1::ListAlertsResponse list;
  *list.add_alerts() = FiringAlert();
  const nlohmann::ordered_json data = AlertsDataJson(list);
  REQUIRE(data["alerts"].size() == 1);
  const nlohmann::ordered_json& a = data["alerts"][0];
  std::vector<std::string> keys;
  for (const auto& [key, value] : a.items()) keys.push_back(key);
  CHECK(std::vector<std::string>(keys.begin(), keys.begin() + 5) ==
        std::vector<std::string>{"labels", "annotations", "state", "activeAt", "value"});
  CHECK(a["labels"] ==
        nlohmann::json{{"alertname", "DiskFull"}, {"instance", "db1"}, {"severity", "critical"}});
  CHECK(a["annotations"] == nlohmann::json{{"summary", "disk <full>"}});
  CHECK(a["state"] == "firing");
  CHECK(a["activeAt"] == "2026-11-23T20:00:00.123Z");
  CHECK(a["value"] == "9.5e+01");
  CHECK(a["id"] == "0123456789abcdef");
  CHECK(a["acknowledged"] == true);
  CHECK(a["acknowledgedBy"] == "alice");
  CHECK(a["acknowledgedAt"].is_null());  // never set: null, not 1970
  CHECK(a["silencedBy"] == "s-1");
  CHECK(a["inhibitedBy"] == "");
  CHECK(a["maintenance"] == "");
  CHECK(a["flapping"] == false);
  CHECK(a["firedAt"] == "2026-11-23T20:01:00.123Z");

  CHECK(AlertsDataJson(v1::ListAlertsResponse()).dump() == R"({"alerts":[]})");
}

v1::ListRulesResponse Rules() {
  v1::ListRulesResponse rules;
  v1::RuleGroup* g = rules.add_groups();
  g->set_name("disk");
  g->set_file("/etc/vigil/rules/disk.yml");
  g->set_interval_ms(15'000);
  v1::Rule* r = g->add_rules();
  r->set_name("DiskFull");
  r->set_query("disk_used_ratio > 0.9");
  r->set_clear("disk_used_ratio < 0.8");
  r->set_for_ms(300'000);
  r->set_keep_firing_for_ms(60'000);
  r->set_severity("critical");
  AddLabel(r->mutable_labels(), "severity", "critical");
  v1::Annotation* summary = r->add_annotations();
  summary->set_name("summary");
  summary->set_text("Disk {{ $labels.mountpoint }} full");
  r->set_health("ok");
  r->set_last_evaluation_ms(kT0);
  r->set_evaluation_time_us(1500);
  r->set_state("firing");
  *r->add_alerts() = FiringAlert();
  v1::Rule* never = g->add_rules();
  never->set_name("HostDown");
  never->set_host_silent_ms(120'000);
  never->set_health("unknown");
  never->set_state("inactive");
  return rules;
}

TEST_CASE("/api/v1/rules: Prometheus' group and alerting-rule shape, durations in seconds") {
  const nlohmann::ordered_json data = RulesDataJson(Rules(), "");
  REQUIRE(data["groups"].size() == 1);
  const nlohmann::ordered_json& g = data["groups"][0];
  CHECK(g["name"] == "disk");
  CHECK(g["file"] == "/etc/vigil/rules/disk.yml");
  CHECK(g["interval"] == 15.0);
  CHECK(g["lastEvaluation"] == "2026-11-23T20:00:00.123Z");
  REQUIRE(g["rules"].size() == 2);
  const nlohmann::ordered_json& r = g["rules"][0];
  CHECK(r["type"] == "alerting");
  CHECK(r["name"] == "DiskFull");
  CHECK(r["query"] == "disk_used_ratio > 0.9");
  CHECK(r["duration"] == 300.0);
  CHECK(r["keepFiringFor"] == 60.0);
  CHECK(r["labels"] == nlohmann::json{{"severity", "critical"}});
  CHECK(r["annotations"] == nlohmann::json{{"summary", "Disk {{ $labels.mountpoint }} full"}});
  CHECK(r["health"] == "ok");
  CHECK(r["lastError"] == "");
  CHECK(r["evaluationTime"] == 0.0015);
  CHECK(r["lastEvaluation"] == "2026-11-23T20:00:00.123Z");
  CHECK(r["state"] == "firing");
  REQUIRE(r["alerts"].size() == 1);
  CHECK(r["alerts"][0]["value"] == "9.5e+01");
  CHECK(r["clear"] == "disk_used_ratio < 0.8");
  const nlohmann::ordered_json& never = g["rules"][1];
  CHECK(never["lastEvaluation"] == "0001-01-01T00:00:00Z");  // Go's zero time, as Prometheus
  CHECK(never["hostSilent"] == 120.0);
  CHECK(never["state"] == "inactive");
  CHECK(never["alerts"] == nlohmann::json::array());

  CHECK(RulesDataJson(Rules(), "alert") == data);
  CHECK(RulesDataJson(Rules(), "record").dump() == R"({"groups":[]})");
}

TEST_CASE("Silences, history events and on-call as JSON") {
  v1::Silence s;
  s.set_id("s-1");
  s.set_matchers(R"({instance="db1"})");
  s.set_starts_at_ms(kT0);
  s.set_ends_at_ms(kT0 + 3'600'000);
  s.set_created_at_ms(kT0);
  s.set_created_by("bob");
  s.set_comment("backup");
  s.set_state("active");
  CHECK(SilenceJson(s).dump() ==
        R"({"id":"s-1","matchers":"{instance=\"db1\"}","startsAt":"2026-11-23T20:00:00.123Z",)"
        R"("endsAt":"2026-11-23T21:00:00.123Z","createdAt":"2026-11-23T20:00:00.123Z",)"
        R"("createdBy":"bob","comment":"backup","state":"active","expiredEarly":false})");

  v1::AlertEvent e;
  e.set_time_ms(kT0);
  e.set_alert_id("0123456789abcdef");
  e.set_rule("DiskFull");
  AddLabel(e.mutable_labels(), "instance", "db1");
  e.set_kind("acknowledged");
  e.set_detail("alice: on it");
  e.set_value(0.5);
  CHECK(AlertEventJson(e).dump() ==
        R"({"time":"2026-11-23T20:00:00.123Z","alertId":"0123456789abcdef",)"
        R"("alertname":"DiskFull","labels":{"instance":"db1"},"kind":"acknowledged",)"
        R"("detail":"alice: on it","value":"5e-01"})");

  v1::OnCallResponse oncall;
  oncall.set_now_ms(kT0);
  v1::Rotation* r = oncall.add_rotations();
  r->set_name("dba");
  r->mutable_primary()->set_name("alice");
  r->mutable_primary()->set_phone("13800000001");
  v1::Shift* shift = r->add_shifts();
  shift->set_start_ms(kT0);
  shift->set_end_ms(kT0 + 86'400'000);
  shift->mutable_person()->set_name("alice");
  shift->set_override(true);
  shift->set_reason("holiday");
  const nlohmann::ordered_json json = OnCallJson(oncall);
  CHECK(json["now"] == "2026-11-23T20:00:00.123Z");
  CHECK(json["rotations"][0]["primary"]["phone"] == "13800000001");
  CHECK(json["rotations"][0]["secondary"].is_null());  // nobody next in line
  CHECK(json["rotations"][0]["schedule"][0]["end"] == "2026-11-24T20:00:00.123Z");
  CHECK(json["rotations"][0]["schedule"][0]["override"] == true);
  CHECK(json["rotations"][0]["schedule"][0]["reason"] == "holiday");
}

}  // namespace
}  // namespace vigil::api
