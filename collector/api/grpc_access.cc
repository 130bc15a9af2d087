#include "collector/api/grpc_access.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/tls.h"

namespace vigil::api {

std::string PeerAddress(absl::string_view grpc_peer) {
  if (!absl::ConsumePrefix(&grpc_peer, "ipv4:")) absl::ConsumePrefix(&grpc_peer, "ipv6:");
  return std::string(grpc_peer);
}

AuditEntry GrpcAuditEntry(const grpc::ServerContext& context, const Principal& principal,
                          absl::string_view method) {
  AuditEntry entry;
  entry.principal = principal.name;
  entry.auth = std::string(AuthMethodName(principal.method));
  entry.role = std::string(RoleName(principal.role));
  entry.remote = PeerAddress(context.peer());
  entry.action = absl::StrCat("grpc ", method);
  return entry;
}

grpc::Status GrpcAccess::Admit(const grpc::ServerContext& context, Role required,
                               absl::string_view method, Principal* admitted) const {
  Principal principal;
  absl::Status refused;
  absl::StatusOr<PeerIdentity> peer = AuthenticatePeer(context);
  if (!peer.ok()) {
    refused = peer.status();
  } else {
    principal = Principal{peer->name, AuthMethod::kCertificate, Role::kNone};
    absl::StatusOr<Principal> authenticated =
        access_->AuthenticateCertificate(peer->name, peer->kind);
    if (!authenticated.ok()) {
      refused = authenticated.status();
    } else {
      principal = *std::move(authenticated);
      refused = AccessControl::Authorize(principal, required, method);
    }
  }
  if (refused.ok()) {
    if (admitted != nullptr) *admitted = std::move(principal);
    return grpc::Status::OK;
  }

  AuditEntry entry = GrpcAuditEntry(context, principal, method);
  const bool unauthenticated = absl::IsUnauthenticated(refused);
  entry.result = unauthenticated ? AuditResult::kUnauthenticated : AuditResult::kForbidden;
  entry.status = unauthenticated ? 401 : 403;
  entry.target = std::string(refused.message());
  (void)audit_->Append(std::move(entry), /*sync=*/false);
  LogWarning("grpc: refused ", method, ": ", refused.message());
  return ToGrpcStatus(refused);
}

}  // namespace vigil::api
