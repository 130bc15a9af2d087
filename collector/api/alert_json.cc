#include "collector/api/alert_json.h"

#include <charconv>
#include <cmath>

#include "absl/time/time.h"
#include "common/time_parse.h"

namespace vigil::api {
namespace {

// Go's zero time.Time as encoding/json writes it: what Prometheus shows for "never".
constexpr char kGoZeroTime[] = "0001-01-01T00:00:00Z";

nlohmann::ordered_json LabelsJson(const google::protobuf::RepeatedPtrField<v1::Label>& labels) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const v1::Label& l : labels) out[l.name()] = l.value();
  return out;
}

nlohmann::ordered_json AnnotationsJson(
    const google::protobuf::RepeatedPtrField<v1::Annotation>& annotations) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const v1::Annotation& a : annotations) out[a.name()] = a.text();
  return out;
}

// A time or null when it never happened (0).
nlohmann::ordered_json TimeOrNull(int64_t unix_ms) {
  if (unix_ms == 0) return nullptr;
  return Rfc3339Ms(unix_ms);
}

// Prometheus' own time keys: Go's zero time for "never".
std::string PromTime(int64_t unix_ms) { return unix_ms == 0 ? kGoZeroTime : Rfc3339Ms(unix_ms); }

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

nlohmann::ordered_json PersonJson(const v1::Person& p) {
  if (p.name().empty()) return nullptr;
  return {{"name", p.name()}, {"phone", p.phone()}, {"email", p.email()}};
}

}  // namespace

std::string GoFloatExponent(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // std::to_chars without a precision gives the shortest round-trip digits, and writes
  // the exponent as Go does: a sign and at least two digits.
  char buffer[64];
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  return std::string(buffer, r.ptr);
}

std::string Rfc3339Ms(int64_t unix_ms) {
  return FormatTimestamp(absl::FromUnixMillis(unix_ms));
}

nlohmann::ordered_json AlertJson(const v1::Alert& a) {
  nlohmann::ordered_json out;
  out["labels"] = LabelsJson(a.labels());
  out["annotations"] = AnnotationsJson(a.annotations());
  out["state"] = a.state();
  out["activeAt"] = PromTime(a.active_at_ms());
  out["value"] = GoFloatExponent(a.value());
  out["id"] = a.id();
  out["severity"] = a.severity();
  out["firedAt"] = TimeOrNull(a.fired_at_ms());
  out["acknowledged"] = a.acknowledged();
  out["acknowledgedBy"] = a.acknowledged_by();
  out["acknowledgedAt"] = TimeOrNull(a.acknowledged_at_ms());
  out["ackComment"] = a.ack_comment();
  out["silencedBy"] = a.silenced_by();
  out["inhibitedBy"] = a.inhibited_by();
  out["maintenance"] = a.maintenance();
  out["flapping"] = a.flapping();
  return out;
}

nlohmann::ordered_json AlertsDataJson(const v1::ListAlertsResponse& alerts) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const v1::Alert& a : alerts.alerts()) list.push_back(AlertJson(a));
  return {{"alerts", std::move(list)}};
}

nlohmann::ordered_json RulesDataJson(const v1::ListRulesResponse& rules, absl::string_view type) {
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  if (type == "record") return {{"groups", std::move(groups)}};
  for (const v1::RuleGroup& g : rules.groups()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    int64_t last_evaluation_ms = 0;
    int64_t evaluation_time_us = 0;
    for (const v1::Rule& r : g.rules()) {
      nlohmann::ordered_json alerts = nlohmann::ordered_json::array();
      for (const v1::Alert& a : r.alerts()) alerts.push_back(AlertJson(a));
      nlohmann::ordered_json rule;
      rule["state"] = r.state();
      rule["name"] = r.name();
      rule["query"] = r.query();
      rule["duration"] = Seconds(r.for_ms());
      rule["keepFiringFor"] = Seconds(r.keep_firing_for_ms());
      rule["labels"] = LabelsJson(r.labels());
      rule["annotations"] = AnnotationsJson(r.annotations());
      rule["alerts"] = std::move(alerts);
      rule["health"] = r.health();
      rule["lastError"] = r.last_error();
      rule["evaluationTime"] = static_cast<double>(r.evaluation_time_us()) / 1e6;
      rule["lastEvaluation"] = PromTime(r.last_evaluation_ms());
      rule["type"] = "alerting";
      rule["severity"] = r.severity();
      rule["clear"] = r.clear();
      rule["hostSilent"] = Seconds(r.host_silent_ms());
      rule["hostLocal"] = r.host_local();
      rule["line"] = r.line();
      list.push_back(std::move(rule));
      last_evaluation_ms = std::max(last_evaluation_ms, r.last_evaluation_ms());
      evaluation_time_us += r.evaluation_time_us();
    }
    nlohmann::ordered_json group;
    group["name"] = g.name();
    group["file"] = g.file();
    group["rules"] = std::move(list);
    group["interval"] = Seconds(g.interval_ms());
    group["limit"] = 0;
    group["evaluationTime"] = static_cast<double>(evaluation_time_us) / 1e6;
    group["lastEvaluation"] = PromTime(last_evaluation_ms);
    groups.push_back(std::move(group));
  }
  return {{"groups", std::move(groups)}};
}

nlohmann::ordered_json AlertEventJson(const v1::AlertEvent& e) {
  nlohmann::ordered_json out;
  out["time"] = Rfc3339Ms(e.time_ms());
  out["alertId"] = e.alert_id();
  out["alertname"] = e.rule();
  out["labels"] = LabelsJson(e.labels());
  out["kind"] = e.kind();
  out["detail"] = e.detail();
  out["value"] = GoFloatExponent(e.value());
  return out;
}

nlohmann::ordered_json SilenceJson(const v1::Silence& s) {
  nlohmann::ordered_json out;
  out["id"] = s.id();
  out["matchers"] = s.matchers();
  out["startsAt"] = Rfc3339Ms(s.starts_at_ms());
  out["endsAt"] = Rfc3339Ms(s.ends_at_ms());
  out["createdAt"] = Rfc3339Ms(s.created_at_ms());
  out["createdBy"] = s.created_by();
  out["comment"] = s.comment();
  out["state"] = s.state();
  out["expiredEarly"] = s.expired_early();
  return out;
}

nlohmann::ordered_json OnCallJson(const v1::OnCallResponse& oncall) {
  nlohmann::ordered_json rotations = nlohmann::ordered_json::array();
  for (const v1::Rotation& r : oncall.rotations()) {
    nlohmann::ordered_json shifts = nlohmann::ordered_json::array();
    for (const v1::Shift& s : r.shifts()) {
      shifts.push_back({{"start", Rfc3339Ms(s.start_ms())},
                        {"end", Rfc3339Ms(s.end_ms())},
                        {"person", PersonJson(s.person())},
                        {"override", s.override()},
                        {"reason", s.reason()}});
    }
    rotations.push_back({{"name", r.name()},
                         {"primary", PersonJson(r.primary())},
                         {"secondary", PersonJson(r.secondary())},
                         {"schedule", std::move(shifts)}});
  }
  return {{"now", Rfc3339Ms(oncall.now_ms())}, {"rotations", std::move(rotations)}};
}

}  // namespace vigil::api
