// Alerting endpoints: Prometheus' /api/v1/alerts and /api/v1/rules (what Grafana reads),
// and Vigil's acknowledgement, history, silences and on-call. Changes (ack, silences)
// are written to the audit log, synced, before they are made: can't audit -> don't
// change. Without an alert manager (no `alerting:` section) alerts and rules are empty,
// as before alerting existed, and Vigil's endpoints answer 503.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "collector/api/alert_json.h"
#include "collector/api/alert_proto.h"
#include "collector/api/http_handlers.h"
#include "collector/api/prom_params.h"
#include "common/time_parse.h"

namespace vigil::api {
namespace {

ApiReply AlertingOff() {
  return Error(ErrorType::kUnavailable,
               "alerting is off: the collector's configuration has no alerting: section");
}

ApiReply OrderedSuccess(const nlohmann::ordered_json& data) {
  return SuccessJson(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The error reply of the alert manager's or silences' status: kNotFound 404,
// kFailedPrecondition (an alert that resolved, a silence that has ended) and
// kAlreadyExists (acknowledged already) 409.
ApiReply AlertError(const absl::Status& status) {
  if (absl::IsNotFound(status)) return Error(ErrorType::kNotFound, status.message());
  if (absl::IsFailedPrecondition(status) || absl::IsAlreadyExists(status)) {
    return Error(ErrorType::kConflict, status.message());
  }
  return ErrorFromStatus(status);
}

// Writes the entry of a change, synced; the change is made only if this succeeds.
absl::Status AuditChange(const HttpApiDeps& deps, const ApiRequest& request, std::string target) {
  AuditEntry entry = AuditBase(request);
  entry.result = AuditResult::kOk;
  entry.status = 200;
  entry.target = std::move(target);
  return deps.audit->Append(std::move(entry), /*sync=*/true);
}

// Records that an audited change then failed (not synced: nothing changed).
void AuditFailure(const HttpApiDeps& deps, const ApiRequest& request, const ApiReply& reply,
                  absl::string_view what) {
  AuditEntry entry = AuditBase(request);
  entry.result = AuditResult::kError;
  entry.status = reply.status;
  entry.target = absl::StrCat(what, " failed: ", reply.error);
  (void)deps.audit->Append(std::move(entry), /*sync=*/false);
}

ApiReply AuditUnavailable(const absl::Status& written, absl::string_view what) {
  return Error(ErrorType::kUnavailable,
               absl::StrCat(what, " was not done: the audit log cannot be written (",
                            written.message(), ")"));
}

// `name` from the URL, the form body or a JSON object body (a string, or a number as
// its text).
std::optional<std::string> Field(const ApiRequest& request, const std::string& name) {
  if (std::optional<std::string> p = request.Param(name); p.has_value()) return p;
  if (!absl::StartsWith(request.http.get_header_value("Content-Type"), "application/json")) {
    return std::nullopt;
  }
  nlohmann::json body =
      nlohmann::json::parse(request.http.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains(name)) return std::nullopt;
  const nlohmann::json& v = body[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

// The path's segment after `prefix`, up to the next '/': the id in
// /api/v1/alerts/<id>/ack and /api/v1/silences/<id>.
std::string PathId(const std::string& path, absl::string_view prefix) {
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, prefix)) return "";
  return std::string(rest.substr(0, rest.find('/')));
}

absl::StatusOr<absl::Time> TimeField(const ApiRequest& request, const std::string& name,
                                     absl::Time fallback) {
  std::optional<std::string> text = Field(request, name);
  if (!text.has_value() || text->empty()) return fallback;
  absl::StatusOr<int64_t> ms = ParseTimeParam(*text);
  if (!ms.ok()) return InvalidParameter(name, ms.status());
  return absl::FromUnixMillis(*ms);
}

// A whole number parameter within [min, max], or `fallback` if absent.
absl::StatusOr<int64_t> BoundedInt(const ApiRequest& request, const std::string& name,
                                   int64_t fallback, int64_t min, int64_t max) {
  std::optional<std::string> text = request.Param(name);
  if (!text.has_value()) return fallback;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*text, &n) || n < min || n > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid parameter \"", name, "\": must be a whole number from ", min, " to ", max));
  }
  return n;
}

std::string AlertTitle(const alerts::Alert& alert) {
  std::string title = alert.rule;
  if (absl::string_view instance = alert.labels.Get("instance"); !instance.empty()) {
    absl::StrAppend(&title, " on ", instance);
  }
  return title;
}

}  // namespace

ApiReply HandleRules(const HttpApiDeps& deps, const ApiRequest& request) {
  const std::string type = request.Param("type").value_or("");
  if (type != "" && type != "alert" && type != "record") {
    return Error(ErrorType::kBadData,
                 absl::StrCat("unsupported type \"", type, "\": use alert or record"));
  }
  v1::ListRulesResponse rules;
  if (deps.alerts != nullptr) {
    for (const alerts::GroupStatus& g : deps.alerts->Rules())
      *rules.add_groups() = RuleGroupProto(g);
  }
  return OrderedSuccess(RulesDataJson(rules, type));
}

ApiReply HandleAlerts(const HttpApiDeps& deps, const ApiRequest&) {
  v1::ListAlertsResponse list;
  if (deps.alerts != nullptr) {
    for (const alerts::Alert& a : deps.alerts->Alerts()) *list.add_alerts() = AlertProto(a);
  }
  return OrderedSuccess(AlertsDataJson(list));
}

ApiReply HandleAlertAck(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  const std::string id = PathId(request.http.path, "/api/v1/alerts/");
  const std::string comment = Field(request, "comment").value_or("");
  // Who acknowledges is the authenticated principal, never a request field.
  const std::string& by = request.principal.name;
  std::string title = id;
  for (const alerts::Alert& a : deps.alerts->Alerts()) {
    if (a.id == id) title = absl::StrCat(id, " (", AlertTitle(a), ")");
  }
  const std::string what = absl::StrCat("acknowledge alert ", title);
  if (absl::Status written =
          AuditChange(deps, request, comment.empty() ? what : absl::StrCat(what, ": ", comment));
      !written.ok()) {
    return AuditUnavailable(written, what);
  }
  absl::StatusOr<alerts::Alert> acked = deps.alerts->Acknowledge(id, by, comment);
  if (!acked.ok()) {
    ApiReply reply = AlertError(acked.status());
    AuditFailure(deps, request, reply, what);
    return reply;
  }
  return OrderedSuccess(AlertJson(AlertProto(*acked)));
}

ApiReply HandleAlertHistory(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  alerts::HistoryQuery query;
  absl::StatusOr<absl::Time> from = TimeField(request, "start", absl::InfinitePast());
  if (!from.ok()) return ErrorFromStatus(from.status());
  absl::StatusOr<absl::Time> to = TimeField(request, "end", absl::InfiniteFuture());
  if (!to.ok()) return ErrorFromStatus(to.status());
  if (*to < *from) return Error(ErrorType::kBadData, "end timestamp must not be before start time");
  query.from = *from;
  query.to = *to;
  query.instance = request.Param("instance").value_or("");
  query.alert_id = request.Param("alert").value_or("");
  absl::StatusOr<int64_t> limit = BoundedInt(request, "limit", 1000, 1, 100'000);
  if (!limit.ok()) return ErrorFromStatus(limit.status());
  query.limit = static_cast<size_t>(*limit);
  absl::StatusOr<std::vector<alerts::AlertEvent>> events = deps.alerts->History(query);
  if (!events.ok()) return AlertError(events.status());
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const alerts::AlertEvent& e : *events) data.push_back(AlertEventJson(AlertEventProto(e)));
  return OrderedSuccess(data);
}

ApiReply HandleSilencesList(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  const std::string expired = request.Param("expired").value_or("false");
  if (expired != "true" && expired != "false") {
    return Error(ErrorType::kBadData, "invalid parameter \"expired\": use true or false");
  }
  const absl::Time now = deps.clock->Now();
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const alerts::Silence& s : deps.alerts->silences().List(expired == "true")) {
    data.push_back(SilenceJson(SilenceProto(s, now)));
  }
  return OrderedSuccess(data);
}

ApiReply HandleSilenceCreate(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  const std::string matchers = Field(request, "matchers").value_or("");
  if (matchers.empty()) {
    return Error(ErrorType::kBadData,
                 "missing parameter \"matchers\", e.g. {alertname=\"DiskFull\",instance=\"db1\"}");
  }
  const std::string comment = Field(request, "comment").value_or("");
  if (comment.empty()) {
    return Error(ErrorType::kBadData, "missing parameter \"comment\": say why alerts are silenced");
  }
  const absl::Time now = deps.clock->Now();
  absl::StatusOr<absl::Time> starts = TimeField(request, "startsAt", now);
  if (!starts.ok()) return ErrorFromStatus(starts.status());
  absl::StatusOr<absl::Time> ends = TimeField(request, "endsAt", absl::InfinitePast());
  if (!ends.ok()) return ErrorFromStatus(ends.status());
  const std::optional<std::string> duration = Field(request, "duration");
  if ((*ends == absl::InfinitePast()) == !duration.has_value()) {
    return Error(ErrorType::kBadData, "give either \"endsAt\" or \"duration\" (e.g. 2h)");
  }
  if (duration.has_value()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(*duration);
    if (!d.ok()) return ErrorFromStatus(InvalidParameter("duration", d.status()));
    if (*d <= absl::ZeroDuration()) {
      return Error(ErrorType::kBadData, "invalid parameter \"duration\": must be positive");
    }
    *ends = *starts + *d;
  }
  if (*ends <= *starts) return Error(ErrorType::kBadData, "the silence must end after it starts");
  if (*ends <= now) return Error(ErrorType::kBadData, "the silence would end in the past");
  const std::string what =
      absl::StrCat("create silence ", matchers, " from ", Rfc3339Ms(absl::ToUnixMillis(*starts)),
                   " to ", Rfc3339Ms(absl::ToUnixMillis(*ends)));
  if (absl::Status written = AuditChange(deps, request, absl::StrCat(what, ": ", comment));
      !written.ok()) {
    return AuditUnavailable(written, what);
  }
  absl::StatusOr<alerts::Silence> created =
      deps.alerts->silences().Create(matchers, *starts, *ends, request.principal.name, comment);
  if (!created.ok()) {
    ApiReply reply = AlertError(created.status());
    AuditFailure(deps, request, reply, what);
    return reply;
  }
  // The state as of now, after the store stamped the silence.
  return OrderedSuccess(SilenceJson(SilenceProto(*created, deps.clock->Now())));
}

ApiReply HandleSilenceExpire(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  const std::string id = PathId(request.http.path, "/api/v1/silences/");
  const std::string what = absl::StrCat("expire silence ", id);
  if (absl::Status written = AuditChange(deps, request, what); !written.ok()) {
    return AuditUnavailable(written, what);
  }
  absl::StatusOr<alerts::Silence> expired =
      deps.alerts->silences().Expire(id, request.principal.name);
  if (!expired.ok()) {
    ApiReply reply = AlertError(expired.status());
    AuditFailure(deps, request, reply, what);
    return reply;
  }
  return OrderedSuccess(SilenceJson(SilenceProto(*expired, deps.clock->Now())));
}

ApiReply HandleOnCall(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOff();
  absl::StatusOr<int64_t> days = BoundedInt(request, "days", 7, 1, 366);
  if (!days.ok()) return ErrorFromStatus(days.status());
  const alerts::AlertingConfig config = deps.alerts->config();
  return OrderedSuccess(
      OnCallJson(OnCallProto(config.oncall, deps.clock->Now(), static_cast<int>(*days))));
}

}  // namespace vigil::api
