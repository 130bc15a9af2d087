// TlsReloader: a replaced set of files is taken into use, a bad or half-written one is
// refused (and counted once) while the previous material stays, and touching the files
// without changing them is not a reload. Certificates come from vigilctl's code.
#include "common/tls_reloader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "collector/ctl/certs.h"
#include "common/file.h"
#include "tests/support/live_tls_files.h"

namespace vigil {
namespace {

using Result = TlsReloader::CheckResult;

using Fixture = testing::LiveTlsFiles;

std::unique_ptr<TlsReloader> Start(const Fixture& f) {
  absl::StatusOr<std::unique_ptr<TlsReloader>> reloader = TlsReloader::Create(f.files());
  INFO(reloader.status().message());
  REQUIRE(reloader.ok());
  return std::move(*reloader);
}

TEST_CASE("TlsReloader loads the files at start and reports nothing changed") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  CHECK(tls->generation() == 1);
  CHECK(tls->Current()->certificate.common_name == "alpha");
  CHECK(tls->Current()->certificate.organizational_unit == "collector");
  CHECK(tls->Current()->certificate.not_after > absl::Now() + absl::Hours(24 * 800));
  CHECK(tls->Check() == Result::kUnchanged);
  CHECK(tls->reloads() == 0);
  CHECK(tls->reload_errors() == 0);
  CHECK(tls->last_error().ok());
}

TEST_CASE("TlsReloader refuses to start on files that do not validate") {
  Fixture f;
  f.Install("ca/beta.key", "live/tls.key");
  absl::StatusOr<std::unique_ptr<TlsReloader>> tls = TlsReloader::Create(f.files());
  REQUIRE_FALSE(tls.ok());
  CHECK(absl::StrContains(tls.status().message(), f.Path("live/tls.key")));
  CHECK(absl::StrContains(tls.status().message(), "does not belong"));
}

TEST_CASE("TlsReloader takes a replaced certificate and key into use") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  const std::shared_ptr<const TlsReloader::Snapshot> before = tls->Current();
  f.InstallPair("beta");

  CHECK(tls->Check() == Result::kReloaded);
  CHECK(tls->generation() == 2);
  CHECK(tls->Current()->generation == 2);
  CHECK(tls->Current()->certificate.common_name == "beta");
  CHECK(tls->reloads() == 1);
  CHECK(tls->Check() == Result::kUnchanged);
  // A snapshot handed out earlier stays valid and unchanged.
  CHECK(before->certificate.common_name == "alpha");
  CHECK(before->generation == 1);
}

TEST_CASE("TlsReloader takes a replaced CA into use") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  REQUIRE(ctl::InitCa(f.Path("other-ca"), "Other", false).ok());
  f.Install("other-ca/ca.crt", "live/ca.crt");
  CHECK(tls->Check() == Result::kReloaded);
  CHECK(tls->Current()->material.ca_pem == *ReadFile(f.Path("other-ca/ca.crt")));
  CHECK(tls->Current()->certificate.common_name == "alpha");
}

TEST_CASE("TlsReloader does not count files rewritten with the same content") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  f.Install("ca/alpha.crt", "live/tls.crt");  // a new inode, the same bytes
  CHECK(tls->Check() == Result::kUnchanged);
  CHECK(tls->generation() == 1);
  CHECK(tls->reloads() == 0);
}

TEST_CASE("TlsReloader keeps the old pair while a replacement is half written") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  // The certificate is copied, the key not yet.
  f.Install("ca/beta.crt", "live/tls.crt");
  CHECK(tls->Check() == Result::kRejected);
  CHECK(tls->Current()->certificate.common_name == "alpha");
  CHECK(tls->generation() == 1);
  CHECK(tls->reload_errors() == 1);
  CHECK(absl::StrContains(tls->last_error().message(), f.Path("live/tls.key")));
  CHECK(absl::StrContains(tls->last_error().message(), "does not belong"));

  // Retried at every check, counted (and logged) once.
  CHECK(tls->Check() == Result::kRejected);
  CHECK(tls->reload_errors() == 1);

  // The key arrives: the pair is used.
  f.Install("ca/beta.key", "live/tls.key");
  CHECK(tls->Check() == Result::kReloaded);
  CHECK(tls->Current()->certificate.common_name == "beta");
  CHECK(tls->last_error().ok());
  CHECK(tls->reloads() == 1);
  CHECK(tls->reload_errors() == 1);
}

TEST_CASE("TlsReloader refuses a truncated key, a missing file and a key of another pair") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  const std::string key = *ReadFile(f.Path("ca/alpha.key"));

  SECTION("a truncated key") {
    f.Write("live/tls.key", key.substr(0, key.size() / 2));
    CHECK(tls->Check() == Result::kRejected);
    CHECK(absl::StrContains(tls->last_error().message(), "not an unencrypted PEM private key"));
  }
  SECTION("a missing certificate") {
    std::filesystem::remove(f.Path("live/tls.crt"));
    CHECK(tls->Check() == Result::kRejected);
    CHECK(absl::StrContains(tls->last_error().message(), "cannot read certificate"));
    CHECK(absl::StrContains(tls->last_error().message(), f.Path("live/tls.crt")));
  }
  SECTION("the key of another certificate") {
    f.Install("ca/oncall.key", "live/tls.key");
    CHECK(tls->Check() == Result::kRejected);
    CHECK(absl::StrContains(tls->last_error().message(), "does not belong"));
  }
  CHECK(tls->reload_errors() == 1);
  CHECK(tls->Current()->certificate.common_name == "alpha");
  CHECK(tls->Current()->material.key_pem == key);

  // Put back as it was: no new material, and no error any more.
  f.InstallPair("alpha");
  CHECK(tls->Check() == Result::kUnchanged);
  CHECK(tls->last_error().ok());
  CHECK(tls->generation() == 1);
}

TEST_CASE("TlsReloader counts a second, different bad replacement again") {
  Fixture f;
  std::unique_ptr<TlsReloader> tls = Start(f);
  f.Install("ca/oncall.key", "live/tls.key");
  CHECK(tls->Check() == Result::kRejected);
  f.Write("live/tls.key", "garbage\n");
  CHECK(tls->Check() == Result::kRejected);
  CHECK(tls->reload_errors() == 2);
}

}  // namespace
}  // namespace vigil
