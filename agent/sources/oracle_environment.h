// The environment a running Oracle instance was started with (ORACLE_HOME, ORACLE_BASE),
// read from its pmon's /proc/<pid>/environ, so that the SQL checks can find sqlplus and
// the log sources the diag directory without being told.
//
// Reading another user's environ needs ptrace read access (root, or CAP_SYS_PTRACE as in
// the shipped systemd unit). The environ is the one the process was started with: an
// instance started from a shell that exported ORACLE_HOME has it; one started by Oracle
// Restart / CRS has it too (the agent sets it for the instance).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::agent {

struct OracleInstanceEnvironment {
  int pmon_pid = 0;
  std::string oracle_home;  // "" if the environ has none
  std::string oracle_base;
};

// The value of `name` in a /proc/<pid>/environ text (NUL-separated NAME=value);
// nullopt if absent.
std::optional<std::string> EnvironValue(absl::string_view environ, absl::string_view name);

// Finds the pmon of `sid` ("ora_pmon_<sid>") under `proc_root` and reads its environment.
// NotFound if no such process runs; PermissionDenied (naming the file) if its environ
// cannot be read.
absl::StatusOr<OracleInstanceEnvironment> FindOracleInstanceEnvironment(
    const std::string& proc_root, absl::string_view sid);

}  // namespace vigil::agent
