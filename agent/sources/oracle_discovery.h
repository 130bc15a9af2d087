// Finds where a running Oracle instance or listener writes its logs, from the process
// table and /proc: the trace files a pmon holds open, or ORACLE_BASE from a process's
// environment, then the ADR layout under $ORACLE_BASE/diag.
//
// Used by the alert-log and listener-log sources when their path is "auto". Everything
// is read under `proc_root` (tests point it at a fixture tree). Reading another user's
// /proc/<pid>/fd and environ needs the same user or CAP_SYS_PTRACE; without it the
// instance's configured oracle_base is the fallback.
//
// Thread-safety: free functions without state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "agent/sources/process_table.h"

namespace vigil::agent {

// The pid of ora_pmon_<sid> in `processes`.
std::optional<int> FindOraclePmon(const std::vector<ProcessInfo>& processes, absl::string_view sid);

// The pid of a tnslsnr serving listener `name` (case-insensitive), or of any tnslsnr if
// `name` is empty.
std::optional<int> FindTnsListener(const std::vector<ProcessInfo>& processes,
                                   absl::string_view name);

// The ADR trace directory of a trace file path (".../diag/rdbms/<db>/<SID>/trace/x.trc"
// -> ".../diag/rdbms/<db>/<SID>/trace"); "" if the path is not in one.
std::string TraceDirOfPath(absl::string_view path);

// The trace directory of the files that process `pid` holds open (readlink of
// <proc_root>/<pid>/fd/*); "" if none is in an ADR trace directory or fd is unreadable.
std::string OpenTraceDir(const std::string& proc_root, int pid);

// The value of `name` in <proc_root>/<pid>/environ; "" if absent or unreadable.
std::string ProcessEnvironment(const std::string& proc_root, int pid, absl::string_view name);

// $ORACLE_BASE/diag/rdbms/*/<sid>/trace/alert_<sid>.log (the instance directory is
// the SID as written or in lower case); "" if there is none.
std::string FindAlertLogUnderBase(const std::string& oracle_base, const std::string& sid);

// The alert log of a running instance: its pmon's open trace directory, else the
// ORACLE_BASE of its environment (or `fallback_base`). "" if not found.
std::string DiscoverAlertLog(const std::string& proc_root,
                             const std::vector<ProcessInfo>& processes, const std::string& sid,
                             const std::string& fallback_base);

// $ORACLE_BASE/diag/tnslsnr/<host>/<name lower>/trace/<name lower>.log.
std::string ListenerLogUnderBase(const std::string& oracle_base, const std::string& host,
                                 const std::string& listener);

}  // namespace vigil::agent
