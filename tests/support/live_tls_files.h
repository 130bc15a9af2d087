// Certificates for tests of TLS reloading: a CA in ca/ with collectors "alpha" and
// "beta" and operator "oncall" (plus any `extra` certificates), and the files a process
// is configured with in live/ (ca.crt, tls.crt, tls.key: a copy of alpha's), replaced
// as a deployment tool would.
//
// Header-only: it calls vigilctl's certificate code, so only test executables that link
// vigil_ctl include it (vigil_test_support does not link it).
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "collector/ctl/certs.h"
#include "common/file.h"
#include "common/tls.h"
#include "tests/support/temp_dir.h"

namespace vigil::testing {

class LiveTlsFiles {
 public:
  explicit LiveTlsFiles(const std::vector<ctl::CertRequest>& extra = {}) {
    REQUIRE(ctl::InitCa(dir_.Path("ca"), "Test", false).ok());
    for (const char* name : {"alpha", "beta"}) {
      REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"collector", name, {}}, false).ok());
    }
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"operator", "oncall", {}}, false).ok());
    for (const ctl::CertRequest& request : extra) {
      REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), request, false).ok());
    }
    std::filesystem::create_directories(dir_.Path("live"));
    Install("ca/ca.crt", "live/ca.crt");
    InstallPair("alpha");
  }

  // The live files.
  TlsFiles files() const {
    return {dir_.Path("live/ca.crt"), dir_.Path("live/tls.crt"), dir_.Path("live/tls.key")};
  }
  // Replaces `to` with the content of `from` (a new file renamed over the old one).
  void Install(const std::string& from, const std::string& to) const {
    absl::StatusOr<std::string> data = ReadFile(dir_.Path(from));
    REQUIRE(data.ok());
    Write(to, *data);
  }
  // Installs ca/<name>.crt and ca/<name>.key as live/tls.crt and live/tls.key.
  void InstallPair(const std::string& name) const {
    Install("ca/" + name + ".crt", "live/tls.crt");
    Install("ca/" + name + ".key", "live/tls.key");
  }
  void Write(const std::string& to, const std::string& data) const {
    REQUIRE(WriteFileAtomically(dir_.Path(to), data).ok());
  }
  std::string Path(const std::string& name) const { return dir_.Path(name); }

 private:
  TempDir dir_;
};

}  // namespace vigil::testing
