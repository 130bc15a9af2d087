// Who may do what on the collector's operator interfaces (the HTTPS API and the gRPC
// Query and Admin services): roles, principals, and the policy that maps credentials
// to roles.
//
// Roles are ordered, each including the one below it:
//   viewer    reads: queries, series, labels, hosts, the collector's metrics
//   operator  viewer, plus acknowledging and silencing alerts (when those exist)
//   admin     everything: configuration reload, the audit log
// A principal is authenticated by
//   - a client certificate of kind "operator" issued by the deployment's CA: its CN is
//     looked up in `operator_roles`; an unlisted CN gets `default_operator_role`
//     (viewer unless configured: least privilege; kNone refuses unlisted ones);
//   - or a bearer token whose SHA-256 is in `tokens` (common/bearer_token.h), compared
//     in constant time.
// Agent and collector certificates authenticate but get no role: an agent's key must
// never read the hospital's data.
//
// Thread-safety: AccessControl is thread-safe; Replace() (a SIGHUP reload) swaps the
// whole policy at once, so a revoked token stops working for the next request while
// requests in flight finish with the policy they started with.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vigil::api {

enum class Role { kNone = 0, kViewer = 1, kOperator = 2, kAdmin = 3 };

// "none", "viewer", "operator", "admin".
absl::string_view RoleName(Role role);
// The inverse of RoleName; false for anything else.
bool ParseRole(absl::string_view text, Role* role);

// How a principal proved who it is.
enum class AuthMethod { kNone, kCertificate, kToken, kSignal };
// "none", "certificate", "token", "signal" (a SIGHUP sent on the collector's host).
absl::string_view AuthMethodName(AuthMethod method);

struct Principal {
  std::string name;  // certificate CN or token name; "" when unauthenticated
  AuthMethod method = AuthMethod::kNone;
  Role role = Role::kNone;
};

// One configured token: never the token itself, only its SHA-256 (64 lowercase hex).
struct TokenGrant {
  std::string name;
  Role role = Role::kViewer;
  std::string sha256;
  bool operator==(const TokenGrant&) const = default;
};

// The `http:` section's access keys.
struct AccessPolicy {
  std::map<std::string, Role> operator_roles;  // certificate CN -> role
  Role default_operator_role = Role::kViewer;
  std::vector<TokenGrant> tokens;
  bool operator==(const AccessPolicy&) const = default;
};

class AccessControl {
 public:
  explicit AccessControl(AccessPolicy policy);

  // Takes `policy` into use for every later authentication.
  void Replace(AccessPolicy policy) ABSL_LOCKS_EXCLUDED(mu_);

  // A verified client certificate with common name `name` and kind (OU) `kind`.
  // kPermissionDenied for a kind other than "operator", or an operator whose role is
  // kNone; the message says why.
  absl::StatusOr<Principal> AuthenticateCertificate(absl::string_view name,
                                                    absl::string_view kind) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The token presented in `Authorization: Bearer <token>`. kUnauthenticated if no
  // configured token has its hash. Every configured hash is compared (in constant time)
  // whatever matches, so timing tells nothing about which grant matched or how close a
  // guess came.
  absl::StatusOr<Principal> AuthenticateToken(absl::string_view token) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // OK if `principal` holds `required` or more; otherwise kPermissionDenied naming the
  // principal's role and the one `action` needs.
  static absl::Status Authorize(const Principal& principal, Role required,
                                absl::string_view action);

 private:
  std::shared_ptr<const AccessPolicy> Current() const ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;  // only around the pointer swap
  std::shared_ptr<const AccessPolicy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::api
