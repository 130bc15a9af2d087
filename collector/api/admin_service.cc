#include "collector/api/admin_service.h"

namespace vigil::api {

grpc::Status AdminService::ReadAudit(grpc::ServerContext* context,
                                     const v1::ReadAuditRequest* request,
                                     v1::ReadAuditResponse* response) {
  grpc::Status admitted = access_->Admit(*context, Role::kAdmin, "/vigil.v1.Admin/ReadAudit");
  if (!admitted.ok()) return admitted;
  AuditFilter filter;
  if (request->since_ms() != 0) filter.since_ms = request->since_ms();
  filter.principal = request->principal();
  filter.result = request->result();
  if (request->limit() != 0) filter.limit = request->limit();
  if (absl::Status valid = ValidateAuditFilter(filter); !valid.ok()) return ToGrpcStatus(valid);
  absl::StatusOr<AuditReadout> readout = audit_->Read(filter);
  if (!readout.ok()) return ToGrpcStatus(readout.status());
  for (const AuditEntry& e : readout->entries) {
    v1::AuditEntry* out = response->add_entries();
    out->set_time_ms(e.time_ms);
    out->set_principal(e.principal);
    out->set_auth(e.auth);
    out->set_role(e.role);
    out->set_remote(e.remote);
    out->set_action(e.action);
    out->set_target(e.target);
    out->set_result(std::string(AuditResultText(e.result)));
    out->set_status(e.status);
  }
  response->set_matched(readout->matched);
  response->set_unreadable_lines(readout->unreadable_lines);
  response->set_file(audit_->path());
  return grpc::Status::OK;
}

}  // namespace vigil::api
