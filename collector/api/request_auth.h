// Who sent an HTTPS request: a bearer token (the Authorization header) if one is
// presented, otherwise the verified client certificate of the connection (access.h).
// A request with an Authorization header is judged by it alone: an invalid token is
// refused even on a connection with a good certificate, so a revoked token never
// silently falls back to another credential.
//
// Internal to collector/api (includes httplib.h). Thread-safe.
#pragma once

#include <httplib.h>

#include "absl/status/status.h"
#include "collector/api/access.h"

namespace vigil::api {

struct RequestAuth {
  // OK, kUnauthenticated (no credential, or an invalid one) or kPermissionDenied (a
  // certificate that grants no role); the message says which and never holds the token.
  absl::Status status;
  // Who it is, as far as known: a refused certificate's CN is still named.
  Principal principal;
};

RequestAuth AuthenticateRequest(const httplib::Request& request, const AccessControl& access);

}  // namespace vigil::api
