#include "collector/ctl/certs.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/status.h"
#include "common/tls.h"

namespace vigil::ctl {
namespace {

// Frees an OpenSSL object with its own free function.
template <auto kFree>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, OpenSslDeleter<ASN1_STRING_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;

constexpr int kDefaultAgentDays = 825;
constexpr int kDefaultCollectorDays = 825;
constexpr int kDefaultOperatorDays = 365;
constexpr int kCaValidityYears = 10;
constexpr absl::Duration kClockSkew = absl::Minutes(5);
// RFC 5280 upper bounds for CN and O, in characters.
constexpr size_t kMaxNameChars = 64;
constexpr absl::string_view kCaCnSuffix = " Vigil CA";
constexpr absl::string_view kDefaultOrganization = "Vigil";

absl::Status OpenSslStatus(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", OpenSslError()));
}

// Counts UTF-8 code points (continuation bytes do not start one).
size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// A host name as TLS clients match it: dot-separated labels of letters, digits and
// hyphens, 1-63 characters each, not starting or ending with a hyphen; 253 at most.
bool IsValidDnsName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && name[i] != '.') {
      const char c = name[i];
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
      continue;
    }
    const absl::string_view label = name.substr(label_start, i - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    label_start = i + 1;
  }
  return true;
}

struct SanEntry {
  bool is_ip = false;
  std::string value;  // host name, or the address in network byte order
};

// Host names compare case-insensitively, addresses byte for byte.
bool SameSan(const SanEntry& a, const SanEntry& b) {
  if (a.is_ip != b.is_ip) return false;
  return a.is_ip ? a.value == b.value : absl::EqualsIgnoreCase(a.value, b.value);
}

// The binary form of an IPv4 or IPv6 address, or nothing.
std::optional<std::string> ParseIpAddress(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return std::string(buf, buf + 4);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::string(buf, buf + 16);
  return std::nullopt;
}

absl::StatusOr<SanEntry> ParseSan(absl::string_view san) {
  absl::string_view value = san;
  enum { kAny, kDns, kIp } type = kAny;
  if (absl::StartsWithIgnoreCase(san, "DNS:")) {
    type = kDns;
    value.remove_prefix(4);
  } else if (absl::StartsWithIgnoreCase(san, "IP:")) {
    type = kIp;
    value.remove_prefix(3);
  }
  const std::string text(value);
  if (type != kDns) {
    if (std::optional<std::string> ip = ParseIpAddress(text)) return SanEntry{true, *ip};
    if (type == kIp) {
      return absl::InvalidArgumentError(absl::StrCat("subject alternative name \"", san, "\": \"",
                                                     value, "\" is not an IPv4 or IPv6 address"));
    }
  }
  if (!IsValidDnsName(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "subject alternative name \"", san,
        "\" is neither an IP address nor a valid DNS name (use DNS:<host> or IP:<address>; host "
        "names are letters, digits, '-' and '.')"));
  }
  return SanEntry{false, text};
}

absl::Status ValidateName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("certificate name must not be empty");
  const std::string quoted = absl::StrCat("certificate name \"", name, "\"");
  if (name.size() > kMaxNameChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(quoted, " is longer than ", kMaxNameChars, " characters"));
  }
  if (!IsValidPeerName(name) || absl::StrContains(name, '/') || absl::StrContains(name, '\'')) {
    return absl::InvalidArgumentError(absl::StrCat(
        quoted,
        " must be printable ASCII without spaces, quotes, slashes, backslashes, commas or braces"));
  }
  if (name.front() == '.') {
    return absl::InvalidArgumentError(absl::StrCat(quoted, " must not start with '.'"));
  }
  if (name == "ca") {
    return absl::InvalidArgumentError(
        "certificate name \"ca\" is reserved for the CA's own files (ca.crt, ca.key)");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ValidityDays(const CertRequest& request) {
  if (request.validity_days < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("validity must be a positive number of days, not ", request.validity_days));
  }
  if (request.validity_days > 0) return request.validity_days;
  if (request.kind == kKindOperator) return kDefaultOperatorDays;
  if (request.kind == kKindCollector) return kDefaultCollectorDays;
  return kDefaultAgentDays;
}

// Creates `dir` and missing parents with mode 0700.
absl::Status MakeDirectory(const std::string& dir) {
  for (size_t pos = dir.find('/', 1);; pos = dir.find('/', pos + 1)) {
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0) {
      const int err = errno;
      struct stat st {};
      if (::stat(prefix.c_str(), &st) != 0) {
        return ErrnoStatus(err, absl::StrCat("create directory ", prefix));
      }
      if (!S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            absl::StrCat(prefix, " exists and is not a directory"));
      }
    }
    if (pos == std::string::npos) break;
  }
  // The directory that holds the keys must be ours alone: in a directory others may write
  // to (a shared /tmp/x made by someone else), they could plant or swap files.
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return ErrnoStatus(errno, absl::StrCat("stat ", dir));
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        dir,
        " is writable by other users or owned by someone else; keys are not written there "
        "(use a directory of your own with mode 0700)"));
  }
  return absl::OkStatus();
}

absl::Status RefuseToOverwrite(const std::vector<std::string>& paths, bool force) {
  if (force) return absl::OkStatus();
  for (const std::string& path : paths) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat(path, " already exists; use --force to replace it"));
    }
    if (errno != ENOENT) return ErrnoStatus(errno, absl::StrCat("stat ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<EvpPkeyPtr> GenerateKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) return OpenSslStatus("generate EC P-256 key");
  return key;
}

// Runs `write` against a memory BIO and returns what it wrote.
template <typename WriteFn>
absl::StatusOr<std::string> WritePem(absl::string_view what, WriteFn write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || write(bio.get()) != 1) return OpenSslStatus(absl::StrCat("encode ", what));
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
absl::StatusOr<std::string> KeyToPem(EVP_PKEY* key) {
  return WritePem("private key", [key](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

absl::StatusOr<std::string> CertificateToPem(X509* cert) {
  return WritePem("certificate", [cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

absl::Status SetRandomSerial(X509* cert) {
  // 20 bytes with the top bit clear: a positive 159-bit number (RFC 5280 allows 20 octets).
  unsigned char bytes[20];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslStatus("generate serial number");
  bytes[0] &= 0x7F;
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (bn == nullptr) return OpenSslStatus("generate serial number");
  if (BN_is_zero(bn.get()) && BN_one(bn.get()) != 1) return OpenSslStatus("set serial number");
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslStatus("set serial number");
  }
  return absl::OkStatus();
}

// A fresh P-256 key and an empty X.509 v3 certificate with a random serial.
absl::Status NewKeyAndCertificate(EvpPkeyPtr* key, X509Ptr* cert) {
  VIGIL_ASSIGN_OR_RETURN(*key, GenerateKey());
  cert->reset(X509_new());
  if (*cert == nullptr) return OpenSslStatus("allocate certificate");
  if (X509_set_version(cert->get(), X509_VERSION_3) != 1) return OpenSslStatus("set version");
  return SetRandomSerial(cert->get());
}

absl::Status SetValidity(X509* cert, absl::Time not_before, absl::Time not_after) {
  if (ASN1_TIME_set(X509_getm_notBefore(cert), absl::ToTimeT(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), absl::ToTimeT(not_after)) == nullptr) {
    return OpenSslStatus("set validity");
  }
  return absl::OkStatus();
}

absl::Status AddNameEntry(X509_NAME* name, int nid, absl::string_view value) {
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("cannot put \"", value, "\" into the ",
                                                   OBJ_nid2sn(nid),
                                                   " of a certificate: ", OpenSslError()));
  }
  return absl::OkStatus();
}

// Adds an extension given in openssl.cnf syntax, e.g. "critical,CA:TRUE".
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslStatus(absl::StrCat("add ", OBJ_nid2sn(nid), " extension"));
  }
  return absl::OkStatus();
}

absl::Status AddSubjectAltNames(X509* cert, const std::vector<SanEntry>& sans) {
  if (sans.empty()) return absl::OkStatus();  // RFC 5280: no empty SAN extension
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (names == nullptr) return OpenSslStatus("allocate subjectAltName");
  for (const SanEntry& san : sans) {
    GeneralNamePtr name(GENERAL_NAME_new());
    // An IP address is an OCTET STRING, a host name an IA5String; both are ASN1_STRINGs.
    Asn1StringPtr value(san.is_ip ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new());
    if (name == nullptr || value == nullptr ||
        ASN1_STRING_set(value.get(), san.value.data(), static_cast<int>(san.value.size())) != 1) {
      return OpenSslStatus("allocate subjectAltName entry");
    }
    GENERAL_NAME_set0_value(name.get(), san.is_ip ? GEN_IPADD : GEN_DNS, value.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
      return OpenSslStatus("build subjectAltName");
    }
    name.release();  // owned by `names` now
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslStatus("add subjectAltName extension");
  }
  return absl::OkStatus();
}

absl::Status WriteKeyAndCertificate(const std::string& key_path, EVP_PKEY* key,
                                    const std::string& cert_path, X509* cert) {
  VIGIL_ASSIGN_OR_RETURN(const std::string key_pem, KeyToPem(key));
  VIGIL_ASSIGN_OR_RETURN(const std::string cert_pem, CertificateToPem(cert));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomically(key_path, key_pem, 0600));
  return WriteFileAtomically(cert_path, cert_pem, 0644);
}

struct CertificateAuthority {
  X509Ptr cert;
  EvpPkeyPtr key;
};

// A PEM passphrase callback that supplies none, so an encrypted key fails instead of
// prompting on the terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::StatusOr<CertificateAuthority> LoadCa(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("CA directory ", dir,
                                              " does not exist; create the CA with "
                                              "`vigilctl certs init-ca` first"));
    }
    return ErrnoStatus(errno, absl::StrCat("stat CA directory ", dir));
  }
  const std::string cert_path = absl::StrCat(dir, "/ca.crt");
  const std::string key_path = absl::StrCat(dir, "/ca.key");
  absl::StatusOr<std::string> cert_pem = ReadFile(cert_path, 1 << 20);
  if (!cert_pem.ok()) {
    return absl::Status(cert_pem.status().code(),
                        absl::StrCat("cannot read CA certificate: ", cert_pem.status().message()));
  }
  absl::StatusOr<std::string> key_pem = ReadFile(key_path, 1 << 20);
  if (!key_pem.ok()) {
    return absl::Status(key_pem.status().code(),
                        absl::StrCat("cannot read CA key: ", key_pem.status().message()));
  }

  CertificateAuthority ca;
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
  if (cert_bio != nullptr) {
    ca.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  }
  if (ca.cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_path, ": not a PEM certificate: ", OpenSslError()));
  }
  BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  if (key_bio != nullptr) {
    ca.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  }
  if (ca.key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_path, ": not an unencrypted PEM private key: ", OpenSslError()));
  }
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_path, ": private key does not belong to ", cert_path));
  }
  if (X509_check_ca(ca.cert.get()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(cert_path, " is not a CA certificate"));
  }
  if (X509_cmp_current_time(X509_get0_notAfter(ca.cert.get())) <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the CA certificate ", cert_path, " has expired; create a new CA"));
  }
  return ca;
}

}  // namespace

absl::Status InitCa(const std::string& dir, const std::string& organization, bool force) {
  if (dir.empty()) return absl::InvalidArgumentError("no certificate directory given");
  const std::string org = organization.empty() ? std::string(kDefaultOrganization) : organization;
  for (char c : org) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return absl::InvalidArgumentError("organization must not contain control characters");
    }
  }
  const std::string common_name = absl::StrCat(org, kCaCnSuffix);
  if (Utf8Length(common_name) > kMaxNameChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("organization \"", org, "\" is too long: the CA name \"", common_name,
                     "\" must fit in ", kMaxNameChars, " characters"));
  }

  VIGIL_RETURN_IF_ERROR(MakeDirectory(dir));
  const std::string cert_path = absl::StrCat(dir, "/ca.crt");
  const std::string key_path = absl::StrCat(dir, "/ca.key");
  VIGIL_RETURN_IF_ERROR(RefuseToOverwrite({key_path, cert_path}, force));

  EvpPkeyPtr key;
  X509Ptr cert;
  VIGIL_RETURN_IF_ERROR(NewKeyAndCertificate(&key, &cert));

  const absl::Time now = absl::Now();
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond start = absl::ToCivilSecond(now, utc);
  const absl::CivilSecond end(start.year() + kCaValidityYears, start.month(), start.day(),
                              start.hour(), start.minute(), start.second());
  VIGIL_RETURN_IF_ERROR(SetValidity(cert.get(), now - kClockSkew, absl::FromCivil(end, utc)));

  X509_NAME* subject = X509_get_subject_name(cert.get());
  VIGIL_RETURN_IF_ERROR(AddNameEntry(subject, NID_organizationName, org));
  VIGIL_RETURN_IF_ERROR(AddNameEntry(subject, NID_commonName, common_name));
  if (X509_set_issuer_name(cert.get(), subject) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslStatus("build CA certificate");
  }
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return OpenSslStatus("sign CA certificate");
  }
  return WriteKeyAndCertificate(key_path, key.get(), cert_path, cert.get());
}

absl::Status IssueCertificate(const std::string& dir, const CertRequest& request, bool force) {
  if (dir.empty()) return absl::InvalidArgumentError("no certificate directory given");
  const std::string& kind = request.kind;
  if (kind != kKindAgent && kind != kKindCollector && kind != kKindOperator) {
    return absl::InvalidArgumentError(absl::StrCat("unknown certificate kind \"", kind,
                                                   "\"; expected agent, collector or operator"));
  }
  VIGIL_RETURN_IF_ERROR(ValidateName(request.name));
  VIGIL_ASSIGN_OR_RETURN(const int days, ValidityDays(request));

  std::vector<SanEntry> sans;
  if (kind == kKindCollector || IsValidDnsName(request.name)) {
    sans.push_back(SanEntry{false, request.name});
  }
  for (const std::string& text : request.sans) {
    VIGIL_ASSIGN_OR_RETURN(SanEntry san, ParseSan(text));
    bool duplicate = false;
    for (const SanEntry& seen : sans) duplicate = duplicate || SameSan(seen, san);
    if (!duplicate) sans.push_back(std::move(san));
  }

  VIGIL_ASSIGN_OR_RETURN(CertificateAuthority ca, LoadCa(dir));
  const std::string cert_path = absl::StrCat(dir, "/", request.name, ".crt");
  const std::string key_path = absl::StrCat(dir, "/", request.name, ".key");
  VIGIL_RETURN_IF_ERROR(RefuseToOverwrite({key_path, cert_path}, force));

  EvpPkeyPtr key;
  X509Ptr cert;
  VIGIL_RETURN_IF_ERROR(NewKeyAndCertificate(&key, &cert));
  const absl::Time now = absl::Now();
  VIGIL_RETURN_IF_ERROR(SetValidity(cert.get(), now - kClockSkew, now + absl::Hours(24) * days));
  // Never outlive the CA: peers would reject the certificate after the CA expires anyway.
  const ASN1_TIME* ca_not_after = X509_get0_notAfter(ca.cert.get());
  if (ASN1_TIME_compare(X509_get0_notAfter(cert.get()), ca_not_after) > 0 &&
      X509_set1_notAfter(cert.get(), ca_not_after) != 1) {
    return OpenSslStatus("set validity");
  }

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string organization =
      X509NameEntry(X509_get_subject_name(ca.cert.get()), NID_organizationName);
  if (!organization.empty()) {
    VIGIL_RETURN_IF_ERROR(AddNameEntry(subject, NID_organizationName, organization));
  }
  VIGIL_RETURN_IF_ERROR(AddNameEntry(subject, NID_organizationalUnitName, kind));
  VIGIL_RETURN_IF_ERROR(AddNameEntry(subject, NID_commonName, request.name));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslStatus("build certificate");
  }
  X509* issuer = ca.cert.get();
  VIGIL_RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_basic_constraints, "CA:FALSE"));
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer, NID_ext_key_usage,
                   kind == kKindCollector ? "serverAuth,clientAuth" : "clientAuth"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert.get(), issuer, NID_subject_key_identifier, "hash"));
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"));
  VIGIL_RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), sans));
  if (X509_sign(cert.get(), ca.key.get(), EVP_sha256()) == 0) {
    return OpenSslStatus("sign certificate");
  }
  return WriteKeyAndCertificate(key_path, key.get(), cert_path, cert.get());
}

}  // namespace vigil::ctl
