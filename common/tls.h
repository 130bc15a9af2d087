// TLS material for mutual authentication between agents, collector and operators.
//
// Every Vigil certificate is issued by one internal CA (`vigilctl certs`). Its
// subject carries the peer's name in CN and its kind in OU: "agent", "collector" or
// "operator". The collector derives a host's identity from the CN of the agent's
// certificate and admits a peer to a service only if the OU fits (agents may only
// ingest, operators may only query), so a leaked agent key cannot read the hospital's
// data and an operator certificate cannot inject samples.
#pragma once

#include <grpcpp/grpcpp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vigil {

inline constexpr absl::string_view kKindAgent = "agent";
inline constexpr absl::string_view kKindCollector = "collector";
inline constexpr absl::string_view kKindOperator = "operator";

struct TlsFiles {
  std::string ca;    // PEM CA certificate(s) that peers must chain to
  std::string cert;  // PEM certificate of this process
  std::string key;   // PEM private key of `cert`
};

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};

// Reads and checks the three files: each must exist and be readable, parse as PEM,
// and the key must belong to the certificate. Errors name the path and what is wrong,
// so a bad path is reported at start and not as a TLS failure later.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files);

struct CertificateInfo {
  std::string common_name;
  std::string organizational_unit;  // the Vigil kind
  absl::Time not_before;
  absl::Time not_after;
};

// Parses the first certificate in `pem`.
absl::StatusOr<CertificateInfo> ParseCertificate(absl::string_view pem);

// Server credentials that require a client certificate chaining to `ca_pem`.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsMaterial& material);
// Client credentials presenting our certificate and verifying the server's against `ca_pem`.
std::shared_ptr<grpc::ChannelCredentials> MakeClientCredentials(const TlsMaterial& material);

// Who is on the other end of a call, from the verified TLS session.
struct PeerIdentity {
  std::string name;     // certificate CN
  std::string kind;     // certificate OU
  std::string address;  // "ipv4:127.0.0.1:51234"
};

// The verified certificate of the call's peer, whatever its kind. Fails with
// kUnauthenticated if the call carries none (or it does not parse) and with
// kPermissionDenied if its CN is not a valid name. Callers log the message.
absl::StatusOr<PeerIdentity> AuthenticatePeer(const grpc::ServerContext& context);

// AuthenticatePeer, then kPermissionDenied if the kind is not `required_kind`.
absl::StatusOr<PeerIdentity> AuthorizePeer(const grpc::ServerContext& context,
                                           absl::string_view required_kind);

// The value of the first `nid` entry (NID_commonName, ...) of `name` as UTF-8; "" if none.
std::string X509NameEntry(const X509_NAME* name, int nid);

// The oldest queued OpenSSL error (usually the root cause) as text; clears the queue.
std::string OpenSslError();

// A CN is used as the `instance` label: printable ASCII, no spaces or quotes, 1-253 chars.
bool IsValidPeerName(absl::string_view name);

}  // namespace vigil
