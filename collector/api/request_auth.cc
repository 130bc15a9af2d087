#include "collector/api/request_auth.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/tls.h"

namespace vigil::api {

RequestAuth AuthenticateRequest(const httplib::Request& request, const AccessControl& access) {
  RequestAuth auth;
  if (request.has_header("Authorization")) {
    auth.principal.method = AuthMethod::kToken;
    const std::string header = request.get_header_value("Authorization");
    constexpr absl::string_view kScheme = "bearer ";
    if (header.size() <= kScheme.size() ||
        !absl::EqualsIgnoreCase(absl::string_view(header).substr(0, kScheme.size()), kScheme)) {
      auth.status = absl::UnauthenticatedError(
          "the Authorization header must be \"Bearer <token>\" (other schemes are not accepted)");
      return auth;
    }
    const absl::string_view token =
        absl::StripAsciiWhitespace(absl::string_view(header).substr(kScheme.size()));
    absl::StatusOr<Principal> principal = access.AuthenticateToken(token);
    if (!principal.ok()) {
      auth.status = principal.status();
      return auth;
    }
    auth.principal = *std::move(principal);
    return auth;
  }

  X509* certificate = request.ssl == nullptr ? nullptr : SSL_get0_peer_certificate(request.ssl);
  if (certificate == nullptr) {
    auth.status = absl::UnauthenticatedError(
        "no credential: present an operator certificate or an \"Authorization: Bearer <token>\" "
        "header");
    return auth;
  }
  // The handshake fails for a certificate that does not verify; this is a second guard.
  if (SSL_get_verify_result(request.ssl) != X509_V_OK) {
    auth.status = absl::UnauthenticatedError("the client certificate did not verify");
    return auth;
  }
  const X509_NAME* subject = X509_get_subject_name(certificate);
  const std::string name = X509NameEntry(subject, NID_commonName);
  const std::string kind = X509NameEntry(subject, NID_organizationalUnitName);
  auth.principal = Principal{name, AuthMethod::kCertificate, Role::kNone};
  absl::StatusOr<Principal> principal = access.AuthenticateCertificate(name, kind);
  if (!principal.ok()) {
    auth.status = principal.status();
    return auth;
  }
  auth.principal = *std::move(principal);
  return auth;
}

}  // namespace vigil::api
