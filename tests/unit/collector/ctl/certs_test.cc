#include "collector/ctl/certs.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/tls.h"
#include "tests/support/temp_dir.h"

namespace vigil::ctl {
namespace {

struct X509Deleter {
  void operator()(X509* p) const { X509_free(p); }
};
struct StoreDeleter {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> data = ReadFile(path);
  REQUIRE(data.ok());
  return *data;
}

X509Ptr LoadCert(const std::string& path) {
  const std::string pem = Read(path);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert != nullptr);
  return cert;
}

// Whether `leaf` chains to `ca` and is fit for `purpose` (X509_PURPOSE_SSL_CLIENT/SERVER).
bool Verifies(X509* ca, X509* leaf, int purpose) {
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca) == 1);
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) == 1);
  REQUIRE(X509_STORE_CTX_set_purpose(ctx.get(), purpose) == 1);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  INFO(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  return ok;
}

int Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 07777);
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string Organization(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

// The SAN entries as "DNS:name" / "IP:a.b.c.d" strings, in certificate order.
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const unsigned char* data = ASN1_STRING_get0_data(value);
    const int len = ASN1_STRING_length(value);
    if (type == GEN_DNS) {
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(data), len));
    } else if (type == GEN_IPADD && len == 4) {
      out.push_back("IP:" + std::to_string(data[0]) + "." + std::to_string(data[1]) + "." +
                    std::to_string(data[2]) + "." + std::to_string(data[3]));
    } else {
      out.push_back("other");
    }
  }
  return out;
}

bool ExtensionIsCritical(X509* cert, int nid) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  REQUIRE(index >= 0);
  return X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

CertRequest Request(const std::string& kind, const std::string& name) {
  CertRequest request;
  request.kind = kind;
  request.name = name;
  return request;
}

TEST_CASE("InitCa writes a self-signed P-256 CA with a private key") {
  testing::TempDir tmp;
  const std::string dir = tmp.Path("pki/ca");
  REQUIRE(InitCa(dir, "St. Mary Hospital", false).ok());

  CHECK(Mode(dir) == 0700);
  CHECK(Mode(dir + "/ca.key") == 0600);
  CHECK(Mode(dir + "/ca.crt") == 0644);
  CHECK(absl::StrContains(Read(dir + "/ca.key"), "-----BEGIN PRIVATE KEY-----"));

  absl::StatusOr<CertificateInfo> info = ParseCertificate(Read(dir + "/ca.crt"));
  REQUIRE(info.ok());
  CHECK(info->common_name == "St. Mary Hospital Vigil CA");
  CHECK(info->not_before <= absl::Now());
  CHECK(info->not_after - absl::Now() > absl::Hours(24 * 3650));
  CHECK(info->not_after - absl::Now() < absl::Hours(24 * 3654));

  X509Ptr ca = LoadCert(dir + "/ca.crt");
  CHECK(Organization(ca.get()) == "St. Mary Hospital");
  CHECK(X509_check_ca(ca.get()) == 1);
  CHECK(X509_get_pathlen(ca.get()) == 0);
  CHECK(ExtensionIsCritical(ca.get(), NID_basic_constraints));
  CHECK(ExtensionIsCritical(ca.get(), NID_key_usage));
  CHECK(X509_get_key_usage(ca.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_get0_subject_key_id(ca.get()) != nullptr);
  CHECK(X509_check_issued(ca.get(), ca.get()) == X509_V_OK);
  EVP_PKEY* key = X509_get0_pubkey(ca.get());
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_is_a(key, "EC") == 1);
  CHECK(EVP_PKEY_get_bits(key) == 256);
}

TEST_CASE("keys are never written into a directory that others may write to") {
  testing::TempDir dir;
  const std::string shared = dir.Path("shared");
  REQUIRE(::mkdir(shared.c_str(), 0777) == 0);
  REQUIRE(::chmod(shared.c_str(), 0777) == 0);  // as a directory made by someone else in /tmp
  absl::Status status = InitCa(shared, "Test", false);
  CHECK(status.code() == absl::StatusCode::kPermissionDenied);
  CHECK(absl::StrContains(status.message(), shared));
  CHECK_FALSE(std::filesystem::exists(shared + "/ca.key"));
  REQUIRE(::chmod(shared.c_str(), 0700) == 0);
  CHECK(InitCa(shared, "Test", false).ok());
}

TEST_CASE("InitCa defaults the organization to Vigil") {
  testing::TempDir tmp;
  REQUIRE(InitCa(tmp.path(), "", false).ok());
  X509Ptr ca = LoadCert(tmp.Path("ca.crt"));
  CHECK(Organization(ca.get()) == "Vigil");
  CHECK(ParseCertificate(Read(tmp.Path("ca.crt")))->common_name == "Vigil Vigil CA");
}

TEST_CASE("IssueCertificate issues certificates of each kind that chain to the CA") {
  testing::TempDir tmp;
  const std::string dir = tmp.path();
  REQUIRE(InitCa(dir, "General Hospital", false).ok());
  X509Ptr ca = LoadCert(dir + "/ca.crt");

  struct Case {
    std::string kind;
    std::string name;
    int purpose;
    int other_purpose;  // -1 if the certificate is fit for both
    int days;
  };
  const Case cases[] = {
      {"agent", "db-01.ward.example", X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER, 825},
      {"collector", "collector.example", X509_PURPOSE_SSL_SERVER, -1, 825},
      {"operator", "alice", X509_PURPOSE_SSL_CLIENT, X509_PURPOSE_SSL_SERVER, 365},
  };
  for (const Case& c : cases) {
    INFO(c.kind);
    const absl::Status status = IssueCertificate(dir, Request(c.kind, c.name), false);
    INFO(status.ToString());
    REQUIRE(status.ok());
    const std::string crt = dir + "/" + c.name + ".crt";
    const std::string key = dir + "/" + c.name + ".key";
    CHECK(Mode(key) == 0600);
    CHECK(Mode(crt) == 0644);

    X509Ptr cert = LoadCert(crt);
    CHECK(Verifies(ca.get(), cert.get(), c.purpose));
    if (c.other_purpose >= 0) {
      CHECK_FALSE(Verifies(ca.get(), cert.get(), c.other_purpose));
    } else {
      CHECK(Verifies(ca.get(), cert.get(), X509_PURPOSE_SSL_CLIENT));
    }

    absl::StatusOr<CertificateInfo> info = ParseCertificate(Read(crt));
    REQUIRE(info.ok());
    CHECK(info->common_name == c.name);
    CHECK(info->organizational_unit == c.kind);
    CHECK(Organization(cert.get()) == "General Hospital");
    const absl::Time now = absl::Now();
    CHECK(now - info->not_before >= absl::Minutes(4));
    CHECK(now - info->not_before <= absl::Minutes(6));
    CHECK(info->not_after - now > absl::Hours(24 * c.days) - absl::Minutes(1));
    CHECK(info->not_after - now < absl::Hours(24 * c.days) + absl::Minutes(1));

    CHECK(LoadTlsMaterial(TlsFiles{dir + "/ca.crt", crt, key}).ok());

    CHECK(X509_check_ca(cert.get()) == 0);
    CHECK(ExtensionIsCritical(cert.get(), NID_key_usage));
    CHECK(X509_get_key_usage(cert.get()) == KU_DIGITAL_SIGNATURE);
    CHECK(X509_get0_authority_key_id(cert.get()) != nullptr);
    const BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
    REQUIRE(serial != nullptr);
    CHECK_FALSE(BN_is_negative(serial));
    CHECK(BN_num_bits(serial) <= 159);
    BN_free(const_cast<BIGNUM*>(serial));
    CHECK(SubjectAltNames(cert.get()) == std::vector<std::string>{"DNS:" + c.name});
  }
}

TEST_CASE("A collector certificate carries its name and the requested SANs, nothing else") {
  testing::TempDir tmp;
  REQUIRE(InitCa(tmp.path(), "", false).ok());
  CertRequest request = Request("collector", "vigil-collector");
  request.sans = {"localhost", "127.0.0.1", "DNS:LOCALHOST", "IP:127.0.0.1"};
  REQUIRE(IssueCertificate(tmp.path(), request, false).ok());

  X509Ptr cert = LoadCert(tmp.Path("vigil-collector.crt"));
  CHECK(SubjectAltNames(cert.get()) ==
        std::vector<std::string>{"DNS:vigil-collector", "DNS:localhost", "IP:127.0.0.1"});
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) != 1);
}

TEST_CASE("An agent whose name is not a host name gets only the requested SANs") {
  testing::TempDir tmp;
  REQUIRE(InitCa(tmp.path(), "", false).ok());
  REQUIRE(IssueCertificate(tmp.path(), Request("agent", "db_01"), false).ok());
  X509Ptr bare = LoadCert(tmp.Path("db_01.crt"));
  CHECK(X509_get_ext_by_NID(bare.get(), NID_subject_alt_name, -1) < 0);
  CHECK(ParseCertificate(Read(tmp.Path("db_01.crt")))->common_name == "db_01");

  CertRequest request = Request("agent", "db_02");
  request.sans = {"IP:10.1.2.3", "db02.ward.example"};
  REQUIRE(IssueCertificate(tmp.path(), request, false).ok());
  X509Ptr cert = LoadCert(tmp.Path("db_02.crt"));
  CHECK(SubjectAltNames(cert.get()) ==
        std::vector<std::string>{"IP:10.1.2.3", "DNS:db02.ward.example"});
}

TEST_CASE("A certificate from another CA does not verify against ours") {
  testing::TempDir tmp;
  const std::string ours = tmp.Path("ours");
  const std::string theirs = tmp.Path("theirs");
  REQUIRE(InitCa(ours, "Ours", false).ok());
  REQUIRE(InitCa(theirs, "Ours", false).ok());  // same name, different key
  REQUIRE(IssueCertificate(theirs, Request("agent", "intruder"), false).ok());
  REQUIRE(IssueCertificate(ours, Request("agent", "db-01"), false).ok());

  X509Ptr our_ca = LoadCert(ours + "/ca.crt");
  X509Ptr their_ca = LoadCert(theirs + "/ca.crt");
  X509Ptr intruder = LoadCert(theirs + "/intruder.crt");
  X509Ptr ours_leaf = LoadCert(ours + "/db-01.crt");
  CHECK(Verifies(their_ca.get(), intruder.get(), X509_PURPOSE_SSL_CLIENT));
  CHECK_FALSE(Verifies(our_ca.get(), intruder.get(), X509_PURPOSE_SSL_CLIENT));
  CHECK_FALSE(Verifies(their_ca.get(), ours_leaf.get(), X509_PURPOSE_SSL_CLIENT));
}

TEST_CASE("Existing CA and certificate files are replaced only with force") {
  testing::TempDir tmp;
  const std::string dir = tmp.path();
  REQUIRE(InitCa(dir, "", false).ok());
  const std::string ca_pem = Read(dir + "/ca.crt");

  absl::Status again = InitCa(dir, "", false);
  CHECK(again.code() == absl::StatusCode::kAlreadyExists);
  CHECK(absl::StrContains(again.message(), dir + "/ca.key"));
  CHECK(Read(dir + "/ca.crt") == ca_pem);

  REQUIRE(IssueCertificate(dir, Request("agent", "db-01"), false).ok());
  const std::string agent_pem = Read(dir + "/db-01.crt");
  const std::string agent_key = Read(dir + "/db-01.key");
  absl::Status reissue = IssueCertificate(dir, Request("operator", "db-01"), false);
  CHECK(reissue.code() == absl::StatusCode::kAlreadyExists);
  CHECK(absl::StrContains(reissue.message(), dir + "/db-01."));
  CHECK(Read(dir + "/db-01.crt") == agent_pem);
  CHECK(Read(dir + "/db-01.key") == agent_key);

  REQUIRE(IssueCertificate(dir, Request("agent", "db-01"), true).ok());
  CHECK(Read(dir + "/db-01.crt") != agent_pem);
  CHECK(Read(dir + "/db-01.key") != agent_key);

  REQUIRE(InitCa(dir, "", true).ok());
  CHECK(Read(dir + "/ca.crt") != ca_pem);
  X509Ptr ca = LoadCert(dir + "/ca.crt");
  X509Ptr old_leaf = LoadCert(dir + "/db-01.crt");
  CHECK_FALSE(Verifies(ca.get(), old_leaf.get(), X509_PURPOSE_SSL_CLIENT));
}

TEST_CASE("IssueCertificate rejects bad kinds, names, SANs and validity") {
  testing::TempDir tmp;
  REQUIRE(InitCa(tmp.path(), "", false).ok());

  absl::Status kind = IssueCertificate(tmp.path(), Request("admin", "x"), false);
  CHECK(kind.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(kind.message(), "admin"));

  for (const std::string& name :
       {std::string(""), std::string("db 01"), std::string("a/b"), std::string("../x"),
        std::string(".hidden"), std::string("db\"01"), std::string("db'01"), std::string("a,b"),
        std::string("ca"), std::string("caf\xc3\xa9"), std::string(65, 'a')}) {
    INFO(name);
    absl::Status status = IssueCertificate(tmp.path(), Request("agent", name), false);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(IssueCertificate(tmp.path(), Request("agent", std::string(64, 'a')), false).ok());

  for (const char* san : {"IP:db-01", "DNS:bad_name", "URI:https://x", "", "-x.example"}) {
    INFO(san);
    CertRequest request = Request("collector", "c1");
    request.sans = {san};
    absl::Status status = IssueCertificate(tmp.path(), request, false);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(status.message(), san));
  }

  CertRequest negative = Request("agent", "db-09");
  negative.validity_days = -1;
  CHECK(IssueCertificate(tmp.path(), negative, false).code() == absl::StatusCode::kInvalidArgument);
  CHECK_FALSE(Exists(tmp.Path("c1.crt")));
  CHECK_FALSE(Exists(tmp.Path("db-09.key")));

  CertRequest custom = Request("operator", "bob");
  custom.validity_days = 30;
  REQUIRE(IssueCertificate(tmp.path(), custom, false).ok());
  absl::StatusOr<CertificateInfo> info = ParseCertificate(Read(tmp.Path("bob.crt")));
  REQUIRE(info.ok());
  CHECK(info->not_after - absl::Now() > absl::Hours(24 * 30) - absl::Minutes(1));
  CHECK(info->not_after - absl::Now() < absl::Hours(24 * 30) + absl::Minutes(1));
}

TEST_CASE("IssueCertificate names the missing CA directory or file") {
  testing::TempDir tmp;
  const std::string missing = tmp.Path("no-such-dir");
  absl::Status status = IssueCertificate(missing, Request("agent", "db-01"), false);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(status.message(), missing));
  CHECK_FALSE(Exists(missing));

  REQUIRE(InitCa(tmp.path(), "", false).ok());
  REQUIRE(::unlink(tmp.Path("ca.key").c_str()) == 0);
  status = IssueCertificate(tmp.path(), Request("agent", "db-01"), false);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(status.message(), tmp.Path("ca.key")));

  tmp.WriteFile("ca.key", "not a key\n");
  status = IssueCertificate(tmp.path(), Request("agent", "db-01"), false);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(status.message(), tmp.Path("ca.key")));
  CHECK_FALSE(Exists(tmp.Path("db-01.crt")));
}

TEST_CASE("IssueCertificate refuses a CA key that does not belong to the CA certificate") {
  testing::TempDir tmp;
  REQUIRE(InitCa(tmp.Path("a"), "", false).ok());
  REQUIRE(InitCa(tmp.Path("b"), "", false).ok());
  tmp.WriteFile("a/ca.key", Read(tmp.Path("b/ca.key")));
  absl::Status status = IssueCertificate(tmp.Path("a"), Request("agent", "db-01"), false);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(status.message(), tmp.Path("a/ca.key")));
}

}  // namespace
}  // namespace vigil::ctl
