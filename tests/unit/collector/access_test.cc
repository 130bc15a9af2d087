// Roles, principals and the access policy: certificates by CN and kind, tokens by their
// SHA-256, least privilege for unlisted operators, and a replaced policy taking effect.
#include "collector/api/access.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "common/bearer_token.h"

namespace vigil::api {
namespace {

AccessPolicy Policy() {
  AccessPolicy policy;
  policy.operator_roles = {{"alice", Role::kAdmin}, {"bob", Role::kOperator}};
  policy.tokens = {{"grafana", Role::kViewer, Sha256Hex("vgl_grafana-secret")},
                   {"ci", Role::kAdmin, Sha256Hex("vgl_ci-secret")}};
  return policy;
}

TEST_CASE("Roles are ordered and named") {
  CHECK(Role::kNone < Role::kViewer);
  CHECK(Role::kViewer < Role::kOperator);
  CHECK(Role::kOperator < Role::kAdmin);
  for (Role r : {Role::kNone, Role::kViewer, Role::kOperator, Role::kAdmin}) {
    Role parsed = Role::kNone;
    REQUIRE(ParseRole(RoleName(r), &parsed));
    CHECK(parsed == r);
  }
  Role role = Role::kViewer;
  CHECK_FALSE(ParseRole("root", &role));
  CHECK_FALSE(ParseRole("Admin", &role));
  CHECK(role == Role::kViewer);
}

TEST_CASE("An operator certificate gets its listed role, else the default") {
  AccessControl access(Policy());
  absl::StatusOr<Principal> alice = access.AuthenticateCertificate("alice", "operator");
  REQUIRE(alice.ok());
  CHECK(alice->name == "alice");
  CHECK(alice->method == AuthMethod::kCertificate);
  CHECK(alice->role == Role::kAdmin);
  CHECK(access.AuthenticateCertificate("bob", "operator")->role == Role::kOperator);
  // Least privilege: unlisted operators are viewers unless configured otherwise.
  CHECK(access.AuthenticateCertificate("carol", "operator")->role == Role::kViewer);

  AccessPolicy strict = Policy();
  strict.default_operator_role = Role::kNone;
  AccessControl closed(strict);
  absl::StatusOr<Principal> carol = closed.AuthenticateCertificate("carol", "operator");
  CHECK(absl::IsPermissionDenied(carol.status()));
  CHECK(absl::StrContains(carol.status().message(), "carol"));
  CHECK(closed.AuthenticateCertificate("alice", "operator")->role == Role::kAdmin);
}

TEST_CASE("Agent and collector certificates get no access") {
  AccessControl access(Policy());
  for (const char* kind : {"agent", "collector", ""}) {
    absl::StatusOr<Principal> p = access.AuthenticateCertificate("alice", kind);
    INFO(kind);
    CHECK(absl::IsPermissionDenied(p.status()));
  }
}

TEST_CASE("A token is known by its SHA-256 and names its grant") {
  AccessControl access(Policy());
  absl::StatusOr<Principal> grafana = access.AuthenticateToken("vgl_grafana-secret");
  REQUIRE(grafana.ok());
  CHECK(grafana->name == "grafana");
  CHECK(grafana->method == AuthMethod::kToken);
  CHECK(grafana->role == Role::kViewer);
  CHECK(access.AuthenticateToken("vgl_ci-secret")->role == Role::kAdmin);

  for (const char* wrong : {"", "vgl_grafana-secreT", "vgl_grafana-secret ",
                            // The hash itself is not a token.
                            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}) {
    absl::StatusOr<Principal> p = access.AuthenticateToken(wrong);
    INFO(wrong);
    CHECK(absl::IsUnauthenticated(p.status()));
    CHECK_FALSE(absl::StrContains(p.status().message(), "vgl_"));
  }
  CHECK(absl::IsUnauthenticated(access.AuthenticateToken(Sha256Hex("vgl_ci-secret")).status()));
}

TEST_CASE("Replace revokes a token and changes roles for the next request") {
  AccessControl access(Policy());
  REQUIRE(access.AuthenticateToken("vgl_grafana-secret").ok());
  AccessPolicy next = Policy();
  next.tokens.erase(next.tokens.begin());
  next.operator_roles["alice"] = Role::kViewer;
  access.Replace(next);
  CHECK(absl::IsUnauthenticated(access.AuthenticateToken("vgl_grafana-secret").status()));
  CHECK(access.AuthenticateToken("vgl_ci-secret").ok());
  CHECK(access.AuthenticateCertificate("alice", "operator")->role == Role::kViewer);
}

TEST_CASE("Authorize admits a role and everything above it") {
  const Principal viewer{"grafana", AuthMethod::kToken, Role::kViewer};
  const Principal admin{"alice", AuthMethod::kCertificate, Role::kAdmin};
  CHECK(AccessControl::Authorize(viewer, Role::kViewer, "GET /api/v1/query").ok());
  CHECK(AccessControl::Authorize(admin, Role::kViewer, "GET /api/v1/query").ok());
  CHECK(AccessControl::Authorize(admin, Role::kAdmin, "POST /api/v1/admin/reload").ok());
  absl::Status refused =
      AccessControl::Authorize(viewer, Role::kAdmin, "POST /api/v1/admin/reload");
  CHECK(absl::IsPermissionDenied(refused));
  CHECK(refused.message() ==
        "token grafana has role viewer; POST /api/v1/admin/reload needs role admin");
  CHECK(absl::IsPermissionDenied(
      AccessControl::Authorize(Principal{"x", AuthMethod::kNone, Role::kNone}, Role::kNone, "x")));
}

}  // namespace
}  // namespace vigil::api
