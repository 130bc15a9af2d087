// The alerting endpoints' JSON, from the wire types of proto/vigil/v1/alerts.proto (the
// gRPC Alerts service and the HTTPS API show the same thing, converted once from the
// alert manager's types in alert_proto.h):
//
//   /api/v1/alerts  Prometheus' shape, {"alerts":[{"labels":{},"annotations":{},
//                   "state":"firing","activeAt":"2026-11-23T20:00:00.123Z",
//                   "value":"9.5e+01"}]}, plus Vigil's keys that Grafana ignores: id,
//                   severity, acknowledged, acknowledgedBy, acknowledgedAt, ackComment,
//                   silencedBy, inhibitedBy, maintenance, flapping, firedAt.
//   /api/v1/rules   Prometheus' shape, {"groups":[{"name","file","interval","rules":[
//                   {"type":"alerting","name","query","duration","keepFiringFor",
//                   "labels","annotations","alerts","health","lastError",
//                   "evaluationTime","lastEvaluation","state"}]}]} (durations in seconds),
//                   plus severity, clear, hostSilent, hostLocal, line.
//   Vigil's         history events, silences, on-call rotations.
//
// Times are RFC 3339 in UTC with milliseconds; a time that never happened is null,
// except Prometheus' own keys, which carry Go's zero time "0001-01-01T00:00:00Z" as
// Prometheus does.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/string_view.h"
#include "vigil/v1/alerts.pb.h"

namespace vigil::api {

// Go's strconv.FormatFloat(v, 'e', -1, 64), which Prometheus' /api/v1/alerts uses for
// "value": the shortest digits that read back as `v`, in exponent form: 95 -> "9.5e+01",
// 1 -> "1e+00", 1.5e-05 -> "1.5e-05"; "NaN", "+Inf", "-Inf".
std::string GoFloatExponent(double value);

// RFC 3339, UTC, milliseconds: "2026-11-23T20:00:00.123Z".
std::string Rfc3339Ms(int64_t unix_ms);

nlohmann::ordered_json AlertJson(const v1::Alert& alert);
// {"alerts":[...]}
nlohmann::ordered_json AlertsDataJson(const v1::ListAlertsResponse& alerts);

// {"groups":[...]}. `type` is the request's type parameter: "" (all), "alert" (alerting
// rules: all of Vigil's) or "record" (recording rules: none, so every group is left out,
// as Prometheus leaves out groups without matching rules).
nlohmann::ordered_json RulesDataJson(const v1::ListRulesResponse& rules, absl::string_view type);

nlohmann::ordered_json AlertEventJson(const v1::AlertEvent& event);
nlohmann::ordered_json SilenceJson(const v1::Silence& silence);
nlohmann::ordered_json OnCallJson(const v1::OnCallResponse& oncall);

}  // namespace vigil::api
