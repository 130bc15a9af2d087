// Access control for the collector's gRPC operator services (Query, Admin): the same
// roles as the HTTPS API (access.h), from the caller's operator certificate (the gRPC
// port requires one), with refusals logged and written to the audit log.
//
// Thread-safe. Does not own its dependencies; they must outlive it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "collector/api/access.h"
#include "collector/api/audit_log.h"

namespace vigil::api {

class GrpcAccess {
 public:
  GrpcAccess(const AccessControl* access, AuditLog* audit) : access_(access), audit_(audit) {}

  // The caller, if its certificate grants `required` or more. Otherwise a
  // kUnauthenticated or kPermissionDenied status to return, already logged and audited
  // with `method` ("/vigil.v1.Query/ListHosts").
  absl::StatusOr<Principal> Admit(const grpc::ServerContext& context, Role required,
                                  absl::string_view method) const;

  // The audit entry of a call by `principal` (for changes a service records itself).
  static AuditEntry EntryFor(const grpc::ServerContext& context, const Principal& principal,
                             absl::string_view method);

 private:
  const AccessControl* const access_;
  AuditLog* const audit_;
};

// A gRPC peer string as the HTTPS API writes addresses: "ipv4:127.0.0.1:51234" ->
// "127.0.0.1:51234", "ipv6:[::1]:51234" -> "[::1]:51234".
std::string PeerAddress(absl::string_view grpc_peer);

// gRPC's own status for an absl one (same numeric codes).
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace vigil::api
