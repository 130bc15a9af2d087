#include "agent/sources/oracle_environment.h"

#include <dirent.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/oracle_process.h"
#include "agent/sources/process_table.h"
#include "common/file.h"

namespace vigil::agent {

std::optional<std::string> EnvironValue(absl::string_view environ, absl::string_view name) {
  for (absl::string_view entry : absl::StrSplit(environ, '\0')) {
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
        entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

absl::StatusOr<OracleInstanceEnvironment> FindOracleInstanceEnvironment(
    const std::string& proc_root, absl::string_view sid) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(proc_root.c_str()), closedir);
  if (dir == nullptr) return ErrnoStatus(errno, proc_root);
  while (const dirent* entry = readdir(dir.get())) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    const std::string base = absl::StrCat(proc_root, "/", entry->d_name);
    absl::StatusOr<std::string> cmdline = ReadFile(base + "/cmdline", 64 << 10);
    if (!cmdline.ok()) continue;  // gone, or a kernel thread
    const std::vector<std::string> argv = ParseCmdline(*cmdline);
    if (argv.empty()) continue;
    std::optional<OracleBackgroundName> name = ParseOracleBackgroundName(argv[0]);
    if (!name || name->asm_instance || name->role != "pmon" || name->sid != sid) continue;
    absl::StatusOr<std::string> environ = ReadFile(base + "/environ", 1 << 20);
    if (!environ.ok()) {
      return absl::PermissionDeniedError(absl::StrCat("cannot read the environment of ora_pmon_",
                                                      sid, ": ", environ.status().message()));
    }
    OracleInstanceEnvironment found;
    found.pmon_pid = pid;
    found.oracle_home = EnvironValue(*environ, "ORACLE_HOME").value_or("");
    found.oracle_base = EnvironValue(*environ, "ORACLE_BASE").value_or("");
    return found;
  }
  return absl::NotFoundError(absl::StrCat("no process ora_pmon_", sid, " under ", proc_root));
}

}  // namespace vigil::agent
