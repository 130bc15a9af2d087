// The gRPC Admin service (proto/vigil/v1/admin.proto): the audit log for `vigilctl
// audit`. Admin role only (grpc_access.h).
//
// Thread-safe. Does not own its dependencies; they must outlive it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "collector/api/audit_log.h"
#include "collector/api/grpc_access.h"
#include "vigil/v1/admin.grpc.pb.h"

namespace vigil::api {

class AdminService final : public v1::Admin::Service {
 public:
  AdminService(const GrpcAccess* access, const AuditLog* audit) : access_(access), audit_(audit) {}

  grpc::Status ReadAudit(grpc::ServerContext* context, const v1::ReadAuditRequest* request,
                         v1::ReadAuditResponse* response) override;

 private:
  const GrpcAccess* const access_;
  const AuditLog* const audit_;
};

}  // namespace vigil::api
