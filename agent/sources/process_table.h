// A snapshot of the host's processes, read from <proc_root>/<pid>/{cmdline,stat},
// shared by every source that looks for processes (PostgreSQL, Oracle) so that the
// process table is scanned at most once per tick however many sources use it.
//
// Threading: used from the agent's sampling thread only.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"

namespace vigil::agent {

struct ProcessInfo {
  int pid = 0;
  int ppid = 0;
  std::string comm;               // from stat, without parentheses
  std::vector<std::string> argv;  // cmdline split at NUL; a rewritten title is one element
  uint64_t start_time_ticks = 0;  // stat field 22, clock ticks after boot
};

// Parses the content of /proc/<pid>/stat. The comm may contain spaces and ')'.
absl::Status ParseProcPidStat(absl::string_view text, ProcessInfo* info);
// Splits /proc/<pid>/cmdline at NULs; drops trailing empty elements and trailing
// spaces/NULs that processes which rewrite their title (PostgreSQL, Oracle) leave.
std::vector<std::string> ParseCmdline(absl::string_view text);

class ProcessTable {
 public:
  explicit ProcessTable(std::string proc_root);

  // Marks the snapshot stale; the next Processes() call rescans. The agent calls
  // this at the start of every tick.
  void Invalidate() { fresh_ = false; }

  // The processes as of this tick. Processes that vanish mid-scan or whose files are
  // unreadable are skipped (kernel threads have an empty argv). Fails only if
  // <proc_root> itself cannot be listed.
  absl::StatusOr<const std::vector<ProcessInfo>*> Processes();

  // readlink(<proc_root>/<pid>/cwd); empty if unreadable.
  std::string Cwd(int pid) const;

  const std::string& proc_root() const { return proc_root_; }

 private:
  std::string proc_root_;
  bool fresh_ = false;
  std::vector<ProcessInfo> processes_;
  std::string buffer_;
};

}  // namespace vigil::agent
