// TLS for the collector's HTTPS API, following the same certificate rotation as its
// gRPC port (common/tls_reloader.h): every new connection's handshake is served with the
// certificate, key and CA current in the TlsReloader at that moment, so a replaced
// collector certificate is used without a restart.
//
// A client certificate is requested but not required: Grafana and curl may instead send
// a bearer token (access.h). One that is sent must chain to the current CA, or the
// handshake fails. The CA's subject is offered in the CertificateRequest, so clients
// that pick a certificate by issuer (Go's crypto/tls, as in Grafana) offer theirs.
// TLS 1.2 and 1.3 only; no session resumption (a resumed session would skip the
// certificate check against a rotated CA).
//
// Mechanism: SSL_CTX_set_cert_cb runs early in each handshake, before the server
// chooses its certificate; it installs the current material on that connection
// (SSL_use_cert_and_key, SSL_set1_verify_cert_store, SSL_set_client_CA_list). The
// material is parsed once per reloader generation and shared by later handshakes.
//
// Ownership: the object must outlive the SSL_CTX it configured (OpenSSL keeps a raw
// pointer to it). Thread-safe: handshakes on many threads call it at once.
#pragma once

#include <openssl/ssl.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/tls_reloader.h"

namespace vigil::api {

class HttpsCredentials {
 public:
  explicit HttpsCredentials(const TlsReloader* reloader) : reloader_(reloader) {}
  ~HttpsCredentials();
  HttpsCredentials(const HttpsCredentials&) = delete;
  HttpsCredentials& operator=(const HttpsCredentials&) = delete;

  // Sets up `ctx` as described above; fails if OpenSSL refuses an option or the current
  // material does not parse.
  absl::Status Configure(SSL_CTX* ctx);

 private:
  struct Parsed;

  // The parsed material of the reloader's current generation.
  absl::StatusOr<std::shared_ptr<const Parsed>> Current() ABSL_LOCKS_EXCLUDED(mu_);
  static int CertCallback(SSL* ssl, void* self);

  const TlsReloader* const reloader_;
  absl::Mutex mu_;
  std::shared_ptr<const Parsed> parsed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::api
