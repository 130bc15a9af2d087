// Certificate tooling behind `vigilctl certs`: a private CA and the certificates it
// issues to agents, collectors and operators (see common/tls.h for how they are used).
//
// Everything lives in one directory: ca.crt/ca.key and <name>.crt/<name>.key per peer.
// Keys are EC P-256, written as unencrypted PKCS#8 PEM with mode 0600: they are service
// keys that daemons read at start without a human to type a passphrase, so their
// protection is the file mode and the host. Keep ca.key off the hosts that run agents.
// Files are replaced atomically, so a crash never leaves a torn key or certificate.
//
// These functions are not meant to run concurrently on the same directory.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace vigil::ctl {

struct CertRequest {
  // "agent", "collector" or "operator"; becomes the subject OU.
  std::string kind;
  // Subject CN: the peer's name, its file name in the directory and, for agents, its
  // `instance` label. 1-64 printable ASCII characters, no spaces, quotes or slashes,
  // not starting with '.', and not "ca".
  std::string name;
  // Extra subjectAltName entries: "DNS:host", "IP:1.2.3.4", "IP:::1", or bare values
  // (an IP address if it parses as one, else a DNS name). DNS names must be valid host
  // names. Duplicates are dropped.
  std::vector<std::string> sans;
  // 0 means the default for the kind: 825 days for agents and collectors, 365 for
  // operators. A certificate never outlives its CA: notAfter is capped at the CA's.
  int validity_days = 0;
};

// Creates `dir` (mode 0700) if needed and writes dir/ca.key (0600) and dir/ca.crt
// (0644): a self-signed EC P-256 CA with subject O=<organization>, CN="<organization>
// Vigil CA" ("Vigil" if `organization` is empty), valid for 10 years, with
// basicConstraints critical CA:TRUE pathlen:0 and keyUsage critical keyCertSign,cRLSign.
// Fails with kAlreadyExists, naming the path, if ca.key or ca.crt exists and `force`
// is false. Replacing a CA invalidates every certificate it issued.
[[nodiscard]] absl::Status InitCa(const std::string& dir, const std::string& organization,
                                  bool force);

// Loads dir/ca.crt and dir/ca.key and issues dir/<name>.key (0600) and dir/<name>.crt
// (0644) for `request`: EC P-256, subject O=<the CA's O>, OU=<kind>, CN=<name>, a random
// 159-bit serial, valid from 5 minutes ago (clock skew) for the requested days,
// keyUsage critical digitalSignature, extendedKeyUsage clientAuth (agent, operator) or
// serverAuth+clientAuth (collector). The subjectAltName holds DNS:<name> (for agents
// and operators only if the name is a valid host name) and the requested sans, and
// nothing else. Fails with kInvalidArgument for a bad request, kAlreadyExists (naming
// the path) if the certificate or key exists and `force` is false, and kNotFound or
// kInvalidArgument (naming the path) if the CA cannot be loaded.
[[nodiscard]] absl::Status IssueCertificate(const std::string& dir, const CertRequest& request,
                                            bool force);

}  // namespace vigil::ctl
