// The acknowledge link's pages, GET and POST /ack (ack_page.h). No login: the link's
// HMAC signature (ack_link.h), checked on both requests, is the credential, and it
// names who may acknowledge which alert until when. GET only shows the alert and the
// button, because chat apps fetch links to preview them; POST acknowledges as
// "<who> (link)". The acknowledgement is audited (synced, before it is made) with
// principal <who> and auth "ack-link"; a bad or expired signature is audited as refused.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/api/ack_page.h"
#include "collector/api/alert_proto.h"
#include "collector/api/http_handlers.h"
#include "common/log.h"

namespace vigil::api {
namespace {

constexpr char kAckLinkAuth[] = "ack-link";

ApiReply HtmlReply(int status, std::string body) {
  ApiReply reply;
  reply.status = status;
  reply.content_type = "text/html; charset=utf-8";
  reply.body = std::move(body);
  reply.headers = AckPageHeaders();
  return reply;
}

ApiReply MessagePage(int status, const Bilingual& title, const Bilingual& message,
                     const v1::Alert* alert = nullptr) {
  ApiReply reply = HtmlReply(status, AckPage(title, message, alert, nullptr));
  if (status >= 400) reply.error = message.en;
  return reply;
}

AckLinkFields Fields(const ApiRequest& request) {
  return AckLinkFields{request.Param("alert").value_or(""), request.Param("who").value_or(""),
                       request.Param("exp").value_or(""), request.Param("sig").value_or("")};
}

AuditEntry LinkAudit(const ApiRequest& request, const AckLinkFields& link) {
  AuditEntry entry = AuditBase(request);
  entry.principal = link.who;
  entry.auth = kAckLinkAuth;
  entry.role = std::string(RoleName(Role::kNone));
  return entry;
}

// Verifies the link's signature and expiry; on failure the 403 page, audited.
std::optional<ApiReply> Refuse(const HttpApiDeps& deps, const ApiRequest& request,
                               const AckLinkFields& link) {
  int64_t exp = 0;
  absl::Status verified =
      absl::SimpleAtoi(link.exp, &exp)
          ? deps.alerts->ack_links().Verify(link.alert, link.who, exp, link.sig, deps.clock->Now())
          : absl::PermissionDeniedError("the link's expiry (exp) is not a number");
  if (verified.ok()) return std::nullopt;
  AuditEntry entry = LinkAudit(request, link);
  entry.result = AuditResult::kForbidden;
  entry.status = 403;
  entry.target =
      absl::StrCat("acknowledge link for alert ", link.alert, " refused: ", verified.message());
  (void)deps.audit->Append(std::move(entry), /*sync=*/false);
  LogWarning("http: refused the acknowledge link for alert ", link.alert, " from ", request.remote,
             ": ", verified.message());
  return MessagePage(403, {"链接无效", "Link not valid"},
                     {"此确认链接无效或已过期。请在 vigilctl 或 API 中确认告警。",
                      "This acknowledge link is not valid or has expired. Acknowledge the "
                      "alert with vigilctl or the API instead."});
}

// The alert in force with this id, if any.
std::optional<alerts::Alert> FindAlert(const HttpApiDeps& deps, const std::string& id) {
  for (alerts::Alert& a : deps.alerts->Alerts()) {
    if (a.id == id) return std::move(a);
  }
  return std::nullopt;
}

ApiReply AlertGone() {
  return MessagePage(404, {"告警已结束", "Alert no longer active"},
                     {"此告警已恢复或不存在，无需确认。",
                      "This alert has resolved or does not exist; there is nothing to "
                      "acknowledge."});
}

ApiReply AlertingOffPage() {
  return MessagePage(404, {"告警未启用", "Alerting is off"},
                     {"此采集器未配置告警。", "This collector has no alerting configured."});
}

}  // namespace

ApiReply HandleAckLinkView(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOffPage();
  const AckLinkFields link = Fields(request);
  if (std::optional<ApiReply> refused = Refuse(deps, request, link)) return *std::move(refused);
  std::optional<alerts::Alert> alert = FindAlert(deps, link.alert);
  if (!alert.has_value()) return AlertGone();
  const v1::Alert shown = AlertProto(*alert);
  if (alert->acknowledged) {
    return MessagePage(
        200, {"已确认", "Already acknowledged"},
        {absl::StrCat("此告警已由 ", alert->acknowledged_by, " 确认。"),
         absl::StrCat("This alert was acknowledged by ", alert->acknowledged_by, ".")},
        &shown);
  }
  return HtmlReply(200, AckPage({"确认告警", "Acknowledge alert"},
                                {"点击下方按钮确认您正在处理此告警。",
                                 "Press the button to confirm that you are handling this alert."},
                                &shown, &link));
}

ApiReply HandleAckLinkConfirm(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.alerts == nullptr) return AlertingOffPage();
  const AckLinkFields link = Fields(request);
  if (std::optional<ApiReply> refused = Refuse(deps, request, link)) return *std::move(refused);
  const std::string comment = request.Param("comment").value_or("");
  const std::string by = absl::StrCat(link.who, " (link)");
  std::string target = absl::StrCat("acknowledge alert ", link.alert);
  if (std::optional<alerts::Alert> alert = FindAlert(deps, link.alert)) {
    absl::StrAppend(&target, " (", alert->rule, " on ", alert->labels.Get("instance"), ")");
  }
  if (!comment.empty()) absl::StrAppend(&target, ": ", comment);
  AuditEntry entry = LinkAudit(request, link);
  entry.result = AuditResult::kOk;
  entry.status = 200;
  entry.target = target;
  if (absl::Status written = deps.audit->Append(std::move(entry), /*sync=*/true); !written.ok()) {
    return MessagePage(503, {"暂时无法确认", "Cannot acknowledge now"},
                       {"采集器无法写入审计日志，告警未确认。请稍后重试。",
                        "The collector cannot write its audit log, so the alert was not "
                        "acknowledged. Try again later."});
  }
  absl::StatusOr<alerts::Alert> acked = deps.alerts->Acknowledge(link.alert, by, comment);
  if (!acked.ok()) {
    AuditEntry failed = LinkAudit(request, link);
    failed.result = AuditResult::kError;
    failed.status = absl::IsNotFound(acked.status()) ? 404 : 409;
    failed.target = absl::StrCat(target, " failed: ", acked.status().message());
    (void)deps.audit->Append(std::move(failed), /*sync=*/false);
    if (absl::IsAlreadyExists(acked.status())) {  // someone was quicker: fine
      std::optional<alerts::Alert> now = FindAlert(deps, link.alert);
      const std::string who = now.has_value() ? now->acknowledged_by : "someone else";
      return MessagePage(200, {"已确认", "Already acknowledged"},
                         {absl::StrCat("此告警已由 ", who, " 确认。"),
                          absl::StrCat("This alert was already acknowledged by ", who, ".")});
    }
    if (absl::IsNotFound(acked.status()) || absl::IsFailedPrecondition(acked.status())) {
      return AlertGone();
    }
    return MessagePage(
        500, {"确认失败", "Acknowledgement failed"},
        {"告警未确认，请用 vigilctl 重试。",
         absl::StrCat("The alert was not acknowledged: ", acked.status().message())});
  }
  const v1::Alert shown = AlertProto(*acked);
  return MessagePage(200, {"已确认", "Acknowledged"},
                     {absl::StrCat("谢谢，", link.who, "。告警已确认，升级已停止。"),
                      absl::StrCat("Thank you, ", link.who,
                                   ". The alert is acknowledged; it will not be escalated.")},
                     &shown);
}

}  // namespace vigil::api
