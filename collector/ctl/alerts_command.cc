#include "collector/ctl/alerts_command.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "collector/ctl/output.h"
#include "collector/ctl/time_flags.h"
#include "common/time_parse.h"

namespace vigil::ctl {
namespace {

template <typename Message>
std::string LabelOf(const Message& m, absl::string_view name) {
  for (const v1::Label& l : m.labels()) {
    if (l.name() == name) return l.value();
  }
  return "";
}

std::string Summary(const v1::Alert& alert) {
  for (const v1::Annotation& a : alert.annotations()) {
    if (a.name() == "summary") return a.text();
  }
  return "";
}

std::string Time(int64_t unix_ms, absl::TimeZone zone) {
  if (unix_ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", absl::FromUnixMillis(unix_ms), zone);
}

std::string State(const v1::Alert& alert) {
  std::string state = alert.state();
  std::vector<std::string> notes;
  if (alert.flapping()) notes.push_back("flapping");
  if (!alert.silenced_by().empty()) notes.push_back("silenced");
  if (!alert.maintenance().empty()) notes.push_back("maintenance");
  if (!alert.inhibited_by().empty()) notes.push_back("inhibited");
  for (size_t i = 0; i < notes.size(); ++i) {
    absl::StrAppend(&state, i == 0 ? " (" : ",", notes[i]);
  }
  if (!notes.empty()) state += ")";
  return state;
}

std::string PersonText(const v1::Person& person) {
  if (person.name().empty()) return "nobody";
  if (person.phone().empty()) return person.name();
  return absl::StrCat(person.name(), " (", person.phone(), ")");
}

}  // namespace

absl::StatusOr<v1::ListAlertsResponse> FilterAlerts(const v1::ListAlertsResponse& alerts,
                                                    absl::string_view instance,
                                                    absl::string_view since, absl::Time now) {
  absl::Time from = absl::InfinitePast();
  if (!since.empty()) {
    absl::StatusOr<absl::Duration> back = ParseDuration(since);
    if (!back.ok())
      return absl::InvalidArgumentError(absl::StrCat("--since: ", back.status().message()));
    from = now - *back;
  }
  v1::ListAlertsResponse out;
  for (const v1::Alert& a : alerts.alerts()) {
    if (!instance.empty() && LabelOf(a, "instance") != instance) continue;
    if (absl::FromUnixMillis(a.active_at_ms()) < from) continue;
    *out.add_alerts() = a;
  }
  return out;
}

absl::StatusOr<v1::HistoryRequest> HistoryRequestFor(absl::string_view since,
                                                     absl::string_view instance, absl::Time now) {
  absl::StatusOr<absl::Duration> back = ParseDuration(since.empty() ? "24h" : since);
  if (!back.ok())
    return absl::InvalidArgumentError(absl::StrCat("--since: ", back.status().message()));
  v1::HistoryRequest request;
  request.set_start_ms(absl::ToUnixMillis(now - *back));
  request.set_instance(std::string(instance));
  return request;
}

absl::StatusOr<v1::CreateSilenceRequest> SilenceRequestFor(absl::string_view matchers,
                                                           absl::string_view duration,
                                                           absl::string_view until,
                                                           absl::string_view comment,
                                                           absl::Time now) {
  if (matchers.empty()) {
    return absl::InvalidArgumentError(
        "which alerts? give matchers, e.g. '{alertname=\"DiskFull\",instance=\"db1\"}'");
  }
  if (comment.empty()) return absl::InvalidArgumentError("--comment: say why alerts are silenced");
  if (duration.empty() == until.empty()) {
    return absl::InvalidArgumentError("give either --duration (e.g. 2h) or --until (a time)");
  }
  v1::CreateSilenceRequest request;
  request.set_matchers(std::string(matchers));
  request.set_comment(std::string(comment));
  if (!duration.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDuration(duration);
    if (!d.ok())
      return absl::InvalidArgumentError(absl::StrCat("--duration: ", d.status().message()));
    if (*d <= absl::ZeroDuration())
      return absl::InvalidArgumentError("--duration must be positive");
    request.set_duration_ms(absl::ToInt64Milliseconds(*d));
  } else {
    absl::StatusOr<absl::Time> end = TimeFlag("--until", until, now);
    if (!end.ok()) return end.status();
    if (*end <= now) return absl::InvalidArgumentError("--until is in the past");
    request.set_ends_at_ms(absl::ToUnixMillis(*end));
  }
  return request;
}

std::string FormatAlertsTable(const v1::ListAlertsResponse& alerts, absl::Time now) {
  if (alerts.alerts().empty()) return "no alerts are pending or firing\n";
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATE", "SEVERITY", "ALERT", "INSTANCE", "SINCE", "ACK", "SUMMARY"}};
  for (const v1::Alert& a : alerts.alerts()) {
    const int64_t since = a.fired_at_ms() != 0 ? a.fired_at_ms() : a.active_at_ms();
    const std::string instance = LabelOf(a, "instance");
    rows.push_back({a.id(), State(a), a.severity(), a.rule(), instance.empty() ? "-" : instance,
                    Age(since, now), a.acknowledged() ? a.acknowledged_by() : "-", Summary(a)});
  }
  return Table(rows);
}

std::string FormatHistoryTable(const v1::HistoryResponse& history, absl::TimeZone zone) {
  if (history.events().empty()) return "no alert events match\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "ALERT", "INSTANCE", "EVENT", "DETAIL", "ID"}};
  for (const v1::AlertEvent& e : history.events()) {
    const std::string instance = LabelOf(e, "instance");
    rows.push_back({Time(e.time_ms(), zone), e.rule(), instance.empty() ? "-" : instance, e.kind(),
                    e.detail().empty() ? "-" : e.detail(), e.alert_id()});
  }
  return Table(rows);
}

std::string FormatSilencesTable(const v1::ListSilencesResponse& silences, absl::TimeZone zone) {
  if (silences.silences().empty()) return "no silences\n";
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STATE", "MATCHERS", "STARTS", "ENDS", "CREATED BY", "COMMENT"}};
  for (const v1::Silence& s : silences.silences()) {
    rows.push_back({s.id(), s.expired_early() ? s.state() + " (early)" : s.state(), s.matchers(),
                    Time(s.starts_at_ms(), zone), Time(s.ends_at_ms(), zone), s.created_by(),
                    s.comment()});
  }
  return Table(rows);
}

std::string FormatSilence(const v1::Silence& s, absl::TimeZone zone) {
  return absl::StrCat("silence ", s.id(), " ", s.state(), ": ", s.matchers(), " from ",
                      Time(s.starts_at_ms(), zone), " until ", Time(s.ends_at_ms(), zone), " (by ",
                      s.created_by(), ": ", s.comment(), ")\n");
}

std::string FormatAcknowledged(const v1::Alert& a, absl::TimeZone zone) {
  const std::string instance = LabelOf(a, "instance");
  return absl::StrCat("acknowledged ", a.id(), " ", a.rule(),
                      instance.empty() ? "" : absl::StrCat(" on ", instance), " by ",
                      a.acknowledged_by(), " at ", Time(a.acknowledged_at_ms(), zone), "\n");
}

std::string FormatOnCall(const v1::OnCallResponse& oncall, absl::TimeZone zone) {
  if (oncall.rotations().empty()) return "no on-call rotations are configured\n";
  std::string out;
  for (const v1::Rotation& r : oncall.rotations()) {
    if (!out.empty()) out += "\n";
    absl::StrAppend(&out, r.name(), ": on duty now ", PersonText(r.primary()));
    if (!r.secondary().name().empty())
      absl::StrAppend(&out, ", next in line ", PersonText(r.secondary()));
    out += "\n";
    std::vector<std::vector<std::string>> rows;
    for (const v1::Shift& s : r.shifts()) {
      if (s.start_ms() <= oncall.now_ms()) continue;  // the shift in progress: shown above
      std::string who = PersonText(s.person());
      if (s.override()) {
        absl::StrAppend(&who, " [override", s.reason().empty() ? "" : ": " + s.reason(), "]");
      }
      rows.push_back({"  " + Time(s.start_ms(), zone), "->", who});
    }
    out += rows.empty() ? "  no hand-over in the period shown\n" : Table(rows);
  }
  return out;
}

std::string FormatProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace vigil::ctl
