#include "collector/api/https_credentials.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/tls.h"

namespace vigil::api {

// One generation's material in OpenSSL's form.
struct HttpsCredentials::Parsed {
  uint64_t generation = 0;
  X509* certificate = nullptr;
  STACK_OF(X509) * chain = nullptr;  // certificates after the first in the cert file
  EVP_PKEY* key = nullptr;
  X509_STORE* client_ca = nullptr;           // what client certificates must chain to
  STACK_OF(X509_NAME) * ca_names = nullptr;  // offered in the CertificateRequest

  ~Parsed() {
    X509_free(certificate);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    X509_STORE_free(client_ca);
    sk_X509_NAME_pop_free(ca_names, X509_NAME_free);
  }
};

namespace {

// Every certificate in `pem`, in order.
std::vector<X509*> ReadCertificates(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(cert);
  BIO_free(bio);
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

}  // namespace

HttpsCredentials::~HttpsCredentials() = default;

absl::StatusOr<std::shared_ptr<const HttpsCredentials::Parsed>> HttpsCredentials::Current() {
  const uint64_t generation = reloader_->generation();
  {
    absl::MutexLock lock(&mu_);
    if (parsed_ != nullptr && parsed_->generation == generation) return parsed_;
  }
  const std::shared_ptr<const TlsReloader::Snapshot> snapshot = reloader_->Current();
  auto parsed = std::make_shared<Parsed>();
  parsed->generation = snapshot->generation;
  std::vector<X509*> certs = ReadCertificates(snapshot->material.cert_pem);
  if (certs.empty()) return absl::InvalidArgumentError("https: the certificate does not parse");
  parsed->certificate = certs[0];
  parsed->chain = sk_X509_new_null();
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(parsed->chain, certs[i]);
  BIO* key_bio = BIO_new_mem_buf(snapshot->material.key_pem.data(),
                                 static_cast<int>(snapshot->material.key_pem.size()));
  parsed->key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  if (parsed->key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("https: the key does not parse: ", OpenSslError()));
  }
  parsed->client_ca = X509_STORE_new();
  parsed->ca_names = sk_X509_NAME_new_null();
  std::vector<X509*> cas = ReadCertificates(snapshot->material.ca_pem);
  if (cas.empty()) return absl::InvalidArgumentError("https: the CA certificate does not parse");
  for (X509* ca : cas) {
    X509_STORE_add_cert(parsed->client_ca, ca);  // takes its own reference
    sk_X509_NAME_push(parsed->ca_names, X509_NAME_dup(X509_get_subject_name(ca)));
    X509_free(ca);
  }
  absl::MutexLock lock(&mu_);
  // Another handshake may have parsed a newer generation meanwhile: keep the newest.
  if (parsed_ == nullptr || parsed_->generation < parsed->generation) parsed_ = parsed;
  return parsed_;
}

int HttpsCredentials::CertCallback(SSL* ssl, void* arg) {
  auto* self = static_cast<HttpsCredentials*>(arg);
  absl::StatusOr<std::shared_ptr<const Parsed>> parsed = self->Current();
  if (!parsed.ok()) {
    LogError(parsed.status().message());
    return 0;  // fails this handshake
  }
  const Parsed& p = **parsed;
  if (SSL_use_cert_and_key(ssl, p.certificate, p.key, p.chain, /*override=*/1) != 1 ||
      SSL_set1_verify_cert_store(ssl, p.client_ca) != 1) {
    LogError("https: cannot install the certificate on a connection: ", OpenSslError());
    return 0;
  }
  SSL_set_client_CA_list(ssl, SSL_dup_CA_list(p.ca_names));  // takes the copy
  return 1;
}

absl::Status HttpsCredentials::Configure(SSL_CTX* ctx) {
  absl::StatusOr<std::shared_ptr<const Parsed>> parsed = Current();
  if (!parsed.ok()) return parsed.status();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return absl::InternalError(absl::StrCat("https: TLS 1.2 minimum refused: ", OpenSslError()));
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  // Request a certificate; a client may send none (then it needs a token), but one it
  // sends must verify.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_cb(ctx, &HttpsCredentials::CertCallback, this);
  return absl::OkStatus();
}

}  // namespace vigil::api
