#include "common/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/file.h"

namespace vigil {
namespace {

absl::Time Asn1ToTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromUnixSeconds(timegm(&tm));
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  if (path.empty())
    return absl::InvalidArgumentError(absl::StrCat("no ", what, " file configured"));
  absl::StatusOr<std::string> pem = ReadFile(path, 1 << 20);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat("cannot read ", what, ": ", pem.status().message()));
  }
  return pem;
}

}  // namespace

std::string OpenSslError() {
  const unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  return buf;
}

std::string X509NameEntry(const X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

absl::StatusOr<CertificateInfo> ParseCertificate(absl::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not a PEM certificate: ", OpenSslError()));
  }
  CertificateInfo info;
  X509_NAME* subject = X509_get_subject_name(cert);
  info.common_name = X509NameEntry(subject, NID_commonName);
  info.organizational_unit = X509NameEntry(subject, NID_organizationalUnitName);
  info.not_before = Asn1ToTime(X509_get0_notBefore(cert));
  info.not_after = Asn1ToTime(X509_get0_notAfter(cert));
  X509_free(cert);
  return info;
}

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files) {
  TlsMaterial m;
  {
    absl::StatusOr<std::string> pem = ReadPem(files.ca, "CA certificate");
    if (!pem.ok()) return pem.status();
    m.ca_pem = std::move(*pem);
  }
  {
    absl::StatusOr<std::string> pem = ReadPem(files.cert, "certificate");
    if (!pem.ok()) return pem.status();
    m.cert_pem = std::move(*pem);
  }
  {
    absl::StatusOr<std::string> pem = ReadPem(files.key, "private key");
    if (!pem.ok()) return pem.status();
    m.key_pem = std::move(*pem);
  }
  if (!ParseCertificate(m.ca_pem).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(files.ca, ": not a PEM CA certificate"));
  }
  BIO* cert_bio = BIO_new_mem_buf(m.cert_pem.data(), static_cast<int>(m.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  BIO_free(cert_bio);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(files.cert, ": not a PEM certificate"));
  }
  BIO* key_bio = BIO_new_mem_buf(m.key_pem.data(), static_cast<int>(m.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  BIO_free(key_bio);
  if (key == nullptr) {
    X509_free(cert);
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(files.key, ": not an unencrypted PEM private key"));
  }
  const bool match = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!match) {
    return absl::InvalidArgumentError(
        absl::StrCat(files.key, ": private key does not belong to certificate ", files.cert));
  }
  return m;
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const TlsMaterial& material) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = material.ca_pem;
  options.pem_key_cert_pairs.push_back({material.key_pem, material.cert_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MakeClientCredentials(const TlsMaterial& material) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = material.ca_pem;
  options.pem_private_key = material.key_pem;
  options.pem_cert_chain = material.cert_pem;
  return grpc::SslCredentials(options);
}

bool IsValidPeerName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '{' || c == '}' || c == ',') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<PeerIdentity> AuthenticatePeer(const grpc::ServerContext& context) {
  PeerIdentity peer;
  peer.address = context.peer();
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer ", peer.address, " presented no verified client certificate"));
  }
  std::string pem;
  for (const grpc::string_ref& value : auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
    pem.assign(value.data(), value.size());
  }
  absl::StatusOr<CertificateInfo> info = ParseCertificate(pem);
  if (!info.ok()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "peer ", peer.address, ": cannot read its certificate: ", info.status().message()));
  }
  peer.name = info->common_name;
  peer.kind = info->organizational_unit;
  if (!IsValidPeerName(peer.name)) {
    return absl::PermissionDeniedError(
        absl::StrCat("peer ", peer.address, ": certificate common name \"", peer.name,
                     "\" is not a valid host name (printable, no spaces or quotes)"));
  }
  return peer;
}

absl::StatusOr<PeerIdentity> AuthorizePeer(const grpc::ServerContext& context,
                                           absl::string_view required_kind) {
  absl::StatusOr<PeerIdentity> authenticated = AuthenticatePeer(context);
  if (!authenticated.ok()) return authenticated.status();
  PeerIdentity& peer = *authenticated;
  if (peer.kind != required_kind) {
    return absl::PermissionDeniedError(
        absl::StrCat("peer ", peer.address, " (", peer.name, ") presented a certificate of kind \"",
                     peer.kind, "\" where kind \"", required_kind, "\" is required"));
  }
  return peer;
}

}  // namespace vigil
