// gRPC server credentials that follow a TlsReloader, for certificate rotation without a
// restart: the TLS handshake of each new connection uses the material current at that
// moment (certificate, key, and the CA that client certificates must chain to);
// connections already open keep the session they negotiated, so agents' streams go on.
// Client certificates are required and verified, and the auth context is the one
// MakeServerCredentials gives, so AuthorizePeer works unchanged.
//
// Mechanism: gRPC core's SSL server credentials with a certificate-config fetcher
// (grpc_ssl_server_credentials_create_options_using_config_fetcher). gRPC calls the
// fetcher as it prepares each new connection's handshake; the fetcher answers
// "unchanged" (one atomic load) unless the reloader's generation moved, and then hands
// over the new material, from which gRPC builds a new SSL context. The reloader has
// already validated it (the key belongs to the certificate), so a half-written
// replacement never reaches a handshake. gRPC 1.51's C++ API has no equivalent: its
// StaticDataCertificateProvider cannot be updated, and its FileWatcherCertificateProvider
// takes whatever the files hold at each refresh, a mismatched pair included.
//
// Ownership: like a registered service, the returned credentials and `reloader` must
// outlive the grpc::Server built with them (gRPC calls the fetcher with a raw pointer).
// One listening port per credentials: a second AddListeningPort with them fails.
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "common/tls_reloader.h"

namespace vigil {

std::shared_ptr<grpc::ServerCredentials> MakeReloadingServerCredentials(
    const TlsReloader* reloader);

}  // namespace vigil
