#include "agent/sources/oracle_discovery.h"

#include <dirent.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/sources/oracle_environment.h"
#include "agent/sources/oracle_process.h"
#include "common/file.h"

namespace vigil::agent {

std::optional<int> FindOraclePmon(const std::vector<ProcessInfo>& processes,
                                  absl::string_view sid) {
  for (const ProcessInfo& p : processes) {
    if (p.argv.empty()) continue;
    std::optional<OracleBackgroundName> name = ParseOracleBackgroundName(p.argv[0]);
    if (name && name->role == "pmon" && name->sid == sid) return p.pid;
  }
  return std::nullopt;
}

std::optional<int> FindTnsListener(const std::vector<ProcessInfo>& processes,
                                   absl::string_view name) {
  for (const ProcessInfo& p : processes) {
    std::optional<absl::string_view> listener = ParseTnsListener(p.argv);
    if (listener && (name.empty() || absl::EqualsIgnoreCase(*listener, name))) return p.pid;
  }
  return std::nullopt;
}

std::string TraceDirOfPath(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return "";
  const absl::string_view dir = path.substr(0, slash);
  if (!absl::EndsWith(dir, "/trace") || !absl::StrContains(dir, "/diag/rdbms/")) return "";
  return std::string(dir);
}

std::string OpenTraceDir(const std::string& proc_root, int pid) {
  const std::string fd_dir = absl::StrCat(proc_root, "/", pid, "/fd");
  DIR* d = opendir(fd_dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  char target[4096];
  while (dirent* entry = readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    const std::string link = absl::StrCat(fd_dir, "/", entry->d_name);
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    found = TraceDirOfPath(absl::string_view(target, static_cast<size_t>(n)));
    if (!found.empty()) break;
  }
  closedir(d);
  return found;
}

std::string ProcessEnvironment(const std::string& proc_root, int pid, absl::string_view name) {
  absl::StatusOr<std::string> environ =
      ReadFile(absl::StrCat(proc_root, "/", pid, "/environ"), 1 << 20);
  if (!environ.ok()) return "";
  return EnvironValue(*environ, name).value_or("");
}

std::string FindAlertLogUnderBase(const std::string& oracle_base, const std::string& sid) {
  if (oracle_base.empty() || sid.empty()) return "";
  const std::string rdbms = absl::StrCat(oracle_base, "/diag/rdbms");
  std::error_code ec;
  std::filesystem::directory_iterator it(rdbms, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    for (const std::string& dir : {sid, absl::AsciiStrToLower(sid)}) {
      const std::string log =
          absl::StrCat(it->path().string(), "/", dir, "/trace/alert_", sid, ".log");
      if (std::filesystem::exists(log, ec)) return log;
    }
  }
  return "";
}

std::string DiscoverAlertLog(const std::string& proc_root,
                             const std::vector<ProcessInfo>& processes, const std::string& sid,
                             const std::string& fallback_base) {
  std::string base = fallback_base;
  if (std::optional<int> pmon = FindOraclePmon(processes, sid)) {
    const std::string trace = OpenTraceDir(proc_root, *pmon);
    if (!trace.empty()) return absl::StrCat(trace, "/alert_", sid, ".log");
    std::string env = ProcessEnvironment(proc_root, *pmon, "ORACLE_BASE");
    if (!env.empty()) base = std::move(env);
  }
  return FindAlertLogUnderBase(base, sid);
}

std::string ListenerLogUnderBase(const std::string& oracle_base, const std::string& host,
                                 const std::string& listener) {
  const std::string name = absl::AsciiStrToLower(listener);
  return absl::StrCat(oracle_base, "/diag/tnslsnr/", host, "/", name, "/trace/", name, ".log");
}

}  // namespace vigil::agent
