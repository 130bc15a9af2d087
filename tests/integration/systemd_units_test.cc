// The shipped units in deploy/systemd/ as systemd itself reads them: systemd-analyze
// verify (every directive known and well-formed, the commands executable), the
// hardening level systemd-analyze security computes, and the sysusers file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/cluster.h"

namespace vigil::testing {
namespace {

constexpr const char* kAnalyze = "/usr/bin/systemd-analyze";
constexpr const char* kSysusers = "/usr/bin/systemd-sysusers";

std::string DeployDir() { return TestDataDir() + "/../../deploy/systemd"; }

// The shipped unit with ExecStart's /usr/bin/<binary> replaced by the build's binary
// (verify checks that it exists); every other line is kept byte for byte.
std::string WithBuildBinary(const std::string& unit_text, const std::string& binary) {
  const std::string shipped = absl::StrCat("ExecStart=/usr/bin/", binary, " ");
  std::string out;
  int replaced = 0;
  for (absl::string_view line : absl::StrSplit(unit_text, '\n')) {
    if (absl::StartsWith(line, shipped)) {
      out += absl::StrCat("ExecStart=", Binary(binary), " ", line.substr(shipped.size()));
      ++replaced;
    } else {
      out += std::string(line);
    }
    out += '\n';
  }
  out.pop_back();
  INFO(unit_text);
  REQUIRE(replaced == 1);
  return out;
}

// Lines of `output` that mention `unit` (systemd-analyze may also talk about units of
// the host it runs on; those are not ours to fail on).
std::vector<std::string> LinesAbout(const std::string& output, const std::string& unit) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StrContains(line, unit)) lines.emplace_back(line);
  }
  return lines;
}

struct Unit {
  std::string binary;
  // systemd-analyze security's overall exposure, times ten, that the unit must not
  // exceed (2.0 and 1.2 when written, on systemd 252): a lost hardening line fails.
  int exposure_threshold;
};

TEST_CASE("The shipped systemd units pass systemd-analyze verify without a warning",
          "[integration]") {
  if (access(kAnalyze, X_OK) != 0) {
    WARN(kAnalyze << " is not installed; skipped");
    return;
  }
  for (const Unit& unit : {Unit{"vigil-agent", 25}, Unit{"vigil-collector", 15}}) {
    const std::string name = unit.binary + ".service";
    SECTION(name) {
      const std::string shipped = ReadAll(DeployDir() + "/" + name);
      REQUIRE(!shipped.empty());
      TempDir dir;
      dir.WriteFile(name, WithBuildBinary(shipped, unit.binary));

      std::string output;
      const int status = RunCommand({kAnalyze, "verify", "--man=no", dir.Path(name)}, &output);
      INFO(output);
      CHECK(status == 0);
      CHECK(LinesAbout(output, name).empty());

      // Also the directives verify does not judge: the parts the README promises.
      for (const char* line :
           {"Type=notify", "NotifyAccess=main", "Restart=on-failure", "User=vigil", "Group=vigil",
            "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes", "PrivateTmp=yes",
            "PrivateDevices=yes", "StandardError=journal", "ExecReload=/bin/kill -HUP $MAINPID",
            "SystemCallFilter=@system-service",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"}) {
        CHECK(absl::StrContains(shipped, absl::StrCat("\n", line, "\n")));
      }

      std::string security;
      const int exposure =
          RunCommand({kAnalyze, "security", "--offline=yes", "--no-pager",
                      absl::StrCat("--threshold=", unit.exposure_threshold), dir.Path(name)},
                     &security);
      INFO(security);
      CHECK(exposure == 0);
    }
  }
}

TEST_CASE("The sysusers file creates the user and group vigil", "[integration]") {
  if (access(kSysusers, X_OK) != 0) {
    WARN(kSysusers << " is not installed; skipped");
    return;
  }
  TempDir root;  // an empty root: the user is always new there
  std::string output;
  const int status = RunCommand(
      {kSysusers, "--dry-run", "--root", root.path(), DeployDir() + "/vigil.sysusers.conf"},
      &output);
  INFO(output);
  CHECK(status == 0);
  CHECK(absl::StrContains(output, "Creating group 'vigil'"));
  CHECK(absl::StrContains(output, "Creating user 'vigil'"));
  CHECK_FALSE(absl::StrContains(output, "vigil.sysusers.conf:"));  // no line complaints
}

}  // namespace
}  // namespace vigil::testing
