// The gRPC Alerts service (proto/vigil/v1/alerts.proto) for `vigilctl alerts`, `ack`,
// `silence` and `oncall`: viewer role for reads, operator for Acknowledge and the
// silence changes (grpc_access.h). Who acknowledges or silences is the caller's
// certificate name, never a request field. Changes are written to the audit log,
// synced, before they are made (can't audit -> don't change).
//
// Thread-safe. Does not own its dependencies; they must outlive it. `alerts` may be null
// (alerting off): every call then answers FAILED_PRECONDITION.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "collector/alerts/alert_manager.h"
#include "collector/api/audit_log.h"
#include "collector/api/grpc_access.h"
#include "common/clock.h"
#include "vigil/v1/alerts.grpc.pb.h"

namespace vigil::api {

class AlertsService final : public v1::Alerts::Service {
 public:
  // `clock` gives silences' state and the on-call "now"; null: the system clock.
  AlertsService(alerts::AlertManager* alerts, const GrpcAccess* access, AuditLog* audit,
                const Clock* clock = nullptr);

  grpc::Status ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                          v1::ListAlertsResponse* response) override;
  grpc::Status ListRules(grpc::ServerContext* context, const v1::ListRulesRequest* request,
                         v1::ListRulesResponse* response) override;
  grpc::Status Acknowledge(grpc::ServerContext* context, const v1::AcknowledgeRequest* request,
                           v1::AcknowledgeResponse* response) override;
  grpc::Status History(grpc::ServerContext* context, const v1::HistoryRequest* request,
                       v1::HistoryResponse* response) override;
  grpc::Status ListSilences(grpc::ServerContext* context, const v1::ListSilencesRequest* request,
                            v1::ListSilencesResponse* response) override;
  grpc::Status CreateSilence(grpc::ServerContext* context, const v1::CreateSilenceRequest* request,
                             v1::CreateSilenceResponse* response) override;
  grpc::Status ExpireSilence(grpc::ServerContext* context, const v1::ExpireSilenceRequest* request,
                             v1::ExpireSilenceResponse* response) override;
  grpc::Status OnCall(grpc::ServerContext* context, const v1::OnCallRequest* request,
                      v1::OnCallResponse* response) override;

 private:
  // Admits the caller for `role` (who it is in `*principal`) and checks that alerting
  // is on.
  grpc::Status Admit(const grpc::ServerContext& context, Role role, absl::string_view method,
                     Principal* principal = nullptr) const;
  // Writes the synced audit entry of a change by `principal`; the change is made only if
  // this succeeds (UNAVAILABLE otherwise).
  grpc::Status AuditChange(const grpc::ServerContext& context, const Principal& principal,
                           absl::string_view method, const std::string& target) const;
  // Records that an audited change then failed (not synced: nothing changed).
  void AuditFailure(const grpc::ServerContext& context, const Principal& principal,
                    absl::string_view method, const std::string& target,
                    const absl::Status& status) const;
  absl::Time Now() const;

  alerts::AlertManager* const alerts_;
  const GrpcAccess* const access_;
  AuditLog* const audit_;
  const Clock* const clock_;
};

}  // namespace vigil::api
