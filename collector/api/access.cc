#include "collector/api/access.h"

#include "absl/strings/str_cat.h"
#include "common/bearer_token.h"
#include "common/tls.h"

namespace vigil::api {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "none";
}

bool ParseRole(absl::string_view text, Role* role) {
  for (Role r : {Role::kNone, Role::kViewer, Role::kOperator, Role::kAdmin}) {
    if (text == RoleName(r)) {
      *role = r;
      return true;
    }
  }
  return false;
}

absl::string_view AuthMethodName(AuthMethod method) {
  switch (method) {
    case AuthMethod::kNone:
      return "none";
    case AuthMethod::kCertificate:
      return "certificate";
    case AuthMethod::kToken:
      return "token";
    case AuthMethod::kSignal:
      return "signal";
  }
  return "none";
}

AccessControl::AccessControl(AccessPolicy policy)
    : policy_(std::make_shared<const AccessPolicy>(std::move(policy))) {}

void AccessControl::Replace(AccessPolicy policy) {
  auto next = std::make_shared<const AccessPolicy>(std::move(policy));
  absl::MutexLock lock(&mu_);
  policy_.swap(next);
}

std::shared_ptr<const AccessPolicy> AccessControl::Current() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

absl::StatusOr<Principal> AccessControl::AuthenticateCertificate(absl::string_view name,
                                                                 absl::string_view kind) const {
  if (kind != kKindOperator) {
    return absl::PermissionDeniedError(
        absl::StrCat("a certificate of kind \"", kind, "\" (", name,
                     ") has no access to the operator API; use an operator certificate"));
  }
  const std::shared_ptr<const AccessPolicy> policy = Current();
  Principal principal{std::string(name), AuthMethod::kCertificate, policy->default_operator_role};
  auto it = policy->operator_roles.find(principal.name);
  if (it != policy->operator_roles.end()) principal.role = it->second;
  if (principal.role == Role::kNone) {
    return absl::PermissionDeniedError(absl::StrCat("operator certificate ", name,
                                                    " has no role (not in http.operator_roles, and "
                                                    "http.default_operator_role is none)"));
  }
  return principal;
}

absl::StatusOr<Principal> AccessControl::AuthenticateToken(absl::string_view token) const {
  const std::string hash = Sha256Hex(token);
  const std::shared_ptr<const AccessPolicy> policy = Current();
  const TokenGrant* match = nullptr;
  for (const TokenGrant& grant : policy->tokens) {
    // No early exit: the time taken does not depend on which grant matched.
    if (ConstantTimeEquals(hash, grant.sha256) && match == nullptr) match = &grant;
  }
  if (match == nullptr) {
    return absl::UnauthenticatedError("the bearer token is not valid (unknown or revoked)");
  }
  return Principal{match->name, AuthMethod::kToken, match->role};
}

absl::Status AccessControl::Authorize(const Principal& principal, Role required,
                                      absl::string_view action) {
  if (principal.role >= required && principal.role != Role::kNone) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(AuthMethodName(principal.method), " ", principal.name, " has role ",
                   RoleName(principal.role), "; ", action, " needs role ", RoleName(required)));
}

}  // namespace vigil::api
