// Access control for the collector's gRPC operator services (Query, Admin): the same
// roles as the HTTPS API (access.h), from the caller's operator certificate (the gRPC
// port requires one), with refusals logged and written to the audit log.
//
// Thread-safe. Does not own its dependencies; they must outlive it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collector/api/access.h"
#include "collector/api/audit_log.h"
#include "common/grpc_status.h"

namespace vigil::api {

class GrpcAccess {
 public:
  GrpcAccess(const AccessControl* access, AuditLog* audit) : access_(access), audit_(audit) {}

  // OK if the caller's certificate grants `required` or more. Otherwise the
  // UNAUTHENTICATED or PERMISSION_DENIED status for the RPC to return, already logged and
  // audited with `method` ("/vigil.v1.Query/ListHosts"). When admitted, `*principal`
  // (if given) is who called: for audit entries and for "acknowledged by".
  grpc::Status Admit(const grpc::ServerContext& context, Role required, absl::string_view method,
                     Principal* principal = nullptr) const;

 private:
  const AccessControl* const access_;
  AuditLog* const audit_;
};

// The base of the audit entry of a call of `method` by `principal`: who, from where,
// "grpc <method>".
AuditEntry GrpcAuditEntry(const grpc::ServerContext& context, const Principal& principal,
                          absl::string_view method);

// A gRPC peer string as the HTTPS API writes addresses: "ipv4:127.0.0.1:51234" ->
// "127.0.0.1:51234", "ipv6:[::1]:51234" -> "[::1]:51234".
std::string PeerAddress(absl::string_view grpc_peer);

}  // namespace vigil::api
