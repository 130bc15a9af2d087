#include "collector/api/alerts_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "collector/api/alert_json.h"
#include "collector/api/alert_proto.h"

namespace vigil::api {
namespace {

constexpr char kListAlerts[] = "/vigil.v1.Alerts/ListAlerts";
constexpr char kListRules[] = "/vigil.v1.Alerts/ListRules";
constexpr char kAcknowledge[] = "/vigil.v1.Alerts/Acknowledge";
constexpr char kHistory[] = "/vigil.v1.Alerts/History";
constexpr char kListSilences[] = "/vigil.v1.Alerts/ListSilences";
constexpr char kCreateSilence[] = "/vigil.v1.Alerts/CreateSilence";
constexpr char kExpireSilence[] = "/vigil.v1.Alerts/ExpireSilence";
constexpr char kOnCall[] = "/vigil.v1.Alerts/OnCall";

// The HTTP status an error is audited with.
int HttpStatusOf(const absl::Status& status) {
  if (absl::IsNotFound(status)) return 404;
  if (absl::IsFailedPrecondition(status) || absl::IsAlreadyExists(status)) return 409;
  if (absl::IsInvalidArgument(status)) return 400;
  return 500;
}

std::string AlertTitle(const alerts::Alert& alert) {
  std::string title = absl::StrCat(alert.id, " (", alert.rule);
  if (absl::string_view instance = alert.labels.Get("instance"); !instance.empty()) {
    absl::StrAppend(&title, " on ", instance);
  }
  return title + ")";
}

}  // namespace

AlertsService::AlertsService(alerts::AlertManager* alerts, const GrpcAccess* access,
                             AuditLog* audit, const Clock* clock)
    : alerts_(alerts), access_(access), audit_(audit), clock_(clock) {}

absl::Time AlertsService::Now() const { return clock_ != nullptr ? clock_->Now() : absl::Now(); }

grpc::Status AlertsService::Admit(const grpc::ServerContext& context, Role role,
                                  absl::string_view method, Principal* principal) const {
  grpc::Status admitted = access_->Admit(context, role, method, principal);
  if (!admitted.ok()) return admitted;
  if (alerts_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "alerting is off: the collector's configuration has no alerting: section");
  }
  return grpc::Status::OK;
}

grpc::Status AlertsService::AuditChange(const grpc::ServerContext& context,
                                        const Principal& principal, absl::string_view method,
                                        const std::string& target) const {
  AuditEntry entry = GrpcAuditEntry(context, principal, method);
  entry.result = AuditResult::kOk;
  entry.status = 200;
  entry.target = target;
  absl::Status written = audit_->Append(std::move(entry), /*sync=*/true);
  if (written.ok()) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      absl::StrCat(target, " was not done: the audit log cannot be written (",
                                   written.message(), ")"));
}

void AlertsService::AuditFailure(const grpc::ServerContext& context, const Principal& principal,
                                 absl::string_view method, const std::string& target,
                                 const absl::Status& status) const {
  AuditEntry entry = GrpcAuditEntry(context, principal, method);
  entry.result = AuditResult::kError;
  entry.status = HttpStatusOf(status);
  entry.target = absl::StrCat(target, " failed: ", status.message());
  (void)audit_->Append(std::move(entry), /*sync=*/false);
}

grpc::Status AlertsService::ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest*,
                                       v1::ListAlertsResponse* response) {
  if (grpc::Status s = Admit(*context, Role::kViewer, kListAlerts); !s.ok()) return s;
  for (const alerts::Alert& a : alerts_->Alerts()) *response->add_alerts() = AlertProto(a);
  return grpc::Status::OK;
}

grpc::Status AlertsService::ListRules(grpc::ServerContext* context, const v1::ListRulesRequest*,
                                      v1::ListRulesResponse* response) {
  if (grpc::Status s = Admit(*context, Role::kViewer, kListRules); !s.ok()) return s;
  for (const alerts::GroupStatus& g : alerts_->Rules()) *response->add_groups() = RuleGroupProto(g);
  return grpc::Status::OK;
}

grpc::Status AlertsService::Acknowledge(grpc::ServerContext* context,
                                        const v1::AcknowledgeRequest* request,
                                        v1::AcknowledgeResponse* response) {
  Principal principal;
  if (grpc::Status s = Admit(*context, Role::kOperator, kAcknowledge, &principal); !s.ok()) {
    return s;
  }
  std::string target = absl::StrCat("acknowledge alert ", request->id());
  for (const alerts::Alert& a : alerts_->Alerts()) {
    if (a.id == request->id()) target = absl::StrCat("acknowledge alert ", AlertTitle(a));
  }
  const std::string audited =
      request->comment().empty() ? target : absl::StrCat(target, ": ", request->comment());
  if (grpc::Status s = AuditChange(*context, principal, kAcknowledge, audited); !s.ok()) return s;
  absl::StatusOr<alerts::Alert> acked =
      alerts_->Acknowledge(request->id(), principal.name, request->comment());
  if (!acked.ok()) {
    AuditFailure(*context, principal, kAcknowledge, target, acked.status());
    return ToGrpcStatus(acked.status());
  }
  *response->mutable_alert() = AlertProto(*acked);
  return grpc::Status::OK;
}

grpc::Status AlertsService::History(grpc::ServerContext* context, const v1::HistoryRequest* request,
                                    v1::HistoryResponse* response) {
  if (grpc::Status s = Admit(*context, Role::kViewer, kHistory); !s.ok()) return s;
  alerts::HistoryQuery query;
  if (request->start_ms() != 0) query.from = absl::FromUnixMillis(request->start_ms());
  if (request->end_ms() != 0) query.to = absl::FromUnixMillis(request->end_ms());
  query.alert_id = request->alert_id();
  query.instance = request->instance();
  if (request->limit() != 0) query.limit = request->limit();
  absl::StatusOr<std::vector<alerts::AlertEvent>> events = alerts_->History(query);
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (const alerts::AlertEvent& e : *events) *response->add_events() = AlertEventProto(e);
  return grpc::Status::OK;
}

grpc::Status AlertsService::ListSilences(grpc::ServerContext* context,
                                         const v1::ListSilencesRequest* request,
                                         v1::ListSilencesResponse* response) {
  if (grpc::Status s = Admit(*context, Role::kViewer, kListSilences); !s.ok()) return s;
  const absl::Time now = Now();
  for (const alerts::Silence& silence : alerts_->silences().List(request->include_expired())) {
    *response->add_silences() = SilenceProto(silence, now);
  }
  return grpc::Status::OK;
}

grpc::Status AlertsService::CreateSilence(grpc::ServerContext* context,
                                          const v1::CreateSilenceRequest* request,
                                          v1::CreateSilenceResponse* response) {
  Principal principal;
  if (grpc::Status s = Admit(*context, Role::kOperator, kCreateSilence, &principal); !s.ok()) {
    return s;
  }
  auto invalid = [](absl::string_view message) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(message));
  };
  if (request->matchers().empty()) return invalid("a silence needs matchers");
  if (request->comment().empty()) return invalid("a silence needs a comment: say why");
  const absl::Time now = Now();
  const absl::Time starts =
      request->starts_at_ms() != 0 ? absl::FromUnixMillis(request->starts_at_ms()) : now;
  if ((request->ends_at_ms() != 0) == (request->duration_ms() != 0)) {
    return invalid("give either the end or the duration of the silence");
  }
  if (request->duration_ms() < 0) return invalid("the duration must be positive");
  const absl::Time ends = request->ends_at_ms() != 0
                              ? absl::FromUnixMillis(request->ends_at_ms())
                              : starts + absl::Milliseconds(request->duration_ms());
  if (ends <= starts) return invalid("the silence must end after it starts");
  if (ends <= now) return invalid("the silence would end in the past");
  const std::string target = absl::StrCat("create silence ", request->matchers(), " from ",
                                          Rfc3339Ms(absl::ToUnixMillis(starts)), " to ",
                                          Rfc3339Ms(absl::ToUnixMillis(ends)));
  if (grpc::Status s = AuditChange(*context, principal, kCreateSilence,
                                   absl::StrCat(target, ": ", request->comment()));
      !s.ok()) {
    return s;
  }
  absl::StatusOr<alerts::Silence> created = alerts_->silences().Create(
      request->matchers(), starts, ends, principal.name, request->comment());
  if (!created.ok()) {
    AuditFailure(*context, principal, kCreateSilence, target, created.status());
    return ToGrpcStatus(created.status());
  }
  *response->mutable_silence() = SilenceProto(*created, Now());
  return grpc::Status::OK;
}

grpc::Status AlertsService::ExpireSilence(grpc::ServerContext* context,
                                          const v1::ExpireSilenceRequest* request,
                                          v1::ExpireSilenceResponse* response) {
  Principal principal;
  if (grpc::Status s = Admit(*context, Role::kOperator, kExpireSilence, &principal); !s.ok()) {
    return s;
  }
  const std::string target = absl::StrCat("expire silence ", request->id());
  if (grpc::Status s = AuditChange(*context, principal, kExpireSilence, target); !s.ok()) return s;
  absl::StatusOr<alerts::Silence> expired =
      alerts_->silences().Expire(request->id(), principal.name);
  if (!expired.ok()) {
    AuditFailure(*context, principal, kExpireSilence, target, expired.status());
    return ToGrpcStatus(expired.status());
  }
  *response->mutable_silence() = SilenceProto(*expired, Now());
  return grpc::Status::OK;
}

grpc::Status AlertsService::OnCall(grpc::ServerContext* context, const v1::OnCallRequest* request,
                                   v1::OnCallResponse* response) {
  if (grpc::Status s = Admit(*context, Role::kViewer, kOnCall); !s.ok()) return s;
  const int days = request->days() == 0 ? 7 : static_cast<int>(std::min(request->days(), 366u));
  *response = OnCallProto(alerts_->config().oncall, Now(), days);
  return grpc::Status::OK;
}

}  // namespace vigil::api
