// A snapshot of the host's processes, read from <proc_root>/<pid>/{cmdline,stat},
// shared by every source that looks for processes (PostgreSQL, Oracle) so that the
// process table is scanned at most once per tick however many sources use it.
//
// Cost. The agent must stay under 0.2% of one core (2 ms a second) at 1 s sampling, and a
// database host can run thousands of processes (one Oracle dedicated server or PostgreSQL
// backend per session). Measured on a 2-vCPU VM with 1000 processes: listing /proc costs
// ~1 us per process, reading one cmdline ~7 us (openat, read, close), one stat more. So:
//  - stat is read only for processes for which NeedsProcStat(argv[0]) holds (PostgreSQL
//    processes, Oracle pmons): only the PostgreSQL source needs ppid, and start times are
//    only reported for postmasters and pmons.
//  - a process is known across scans by its pid and the inode number of its /proc/<pid>
//    directory, which readdir returns for free and which is new when a pid is reused. Its
//    cmdline is read when it appears and again at the next scan; once two consecutive
//    reads agree it is trusted and re-read (with its stat) only every kRefreshScans scans,
//    staggered by pid. A title that keeps changing keeps being read. The price: a process
//    that exec()s another program after running unchanged for two scans shows its new
//    cmdline up to kRefreshScans scans late (a fork() then exec() is caught by the second
//    read), and a reparented child its new ppid as late. Exits show at the next scan.
//    Kernel threads (empty cmdline) are remembered the same way, so they cost only their
//    directory entry.
//  - the /proc directory stays open between scans, files are opened relative to it and
//    read with one read() into a reused buffer; the output vector's strings are reused.
//
// Threading: used from the agent's sampling thread only.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::agent {

struct ProcessInfo {
  int pid = 0;
  // ppid, comm and start_time_ticks come from stat, which is read only for processes
  // for which NeedsProcStat(argv[0]) holds; has_stat says whether they are filled.
  bool has_stat = false;
  int ppid = 0;
  std::string comm;  // from stat, without parentheses
  // cmdline split at NUL (cut at 16 KiB); a rewritten title is one element
  std::vector<std::string> argv;
  uint64_t start_time_ticks = 0;  // stat field 22, clock ticks after boot
};

// Parses the content of /proc/<pid>/stat. The comm may contain spaces and ')'.
absl::Status ParseProcPidStat(absl::string_view text, ProcessInfo* info);
// Splits /proc/<pid>/cmdline at NULs; drops the trailing NULs and spaces that processes
// which rewrite their title leave (PostgreSQL pads with NULs, Oracle with spaces), hence
// trailing empty elements, and trailing spaces of every element.
std::vector<std::string> ParseCmdline(absl::string_view text);
// As ParseCmdline, into `*argv`, reusing the capacity of its strings.
void ParseCmdlineInto(absl::string_view text, std::vector<std::string>* argv);
// Whether the table reads stat for a process whose first cmdline element is `argv0`:
// PostgreSQL postmasters and children ("postgres", "/usr/.../postmaster",
// "postgres: checkpointer") and Oracle/ASM pmon processes ("ora_pmon_ORCL").
bool NeedsProcStat(absl::string_view argv0);
// The "btime" line of /proc/stat: the boot time in seconds since the epoch.
absl::StatusOr<int64_t> ParseBootTime(absl::string_view proc_stat);

class ProcessTable {
 public:
  explicit ProcessTable(std::string proc_root);
  ~ProcessTable();
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;

  // Marks the snapshot stale; the next Processes() call rescans. The agent calls
  // this at the start of every tick.
  void Invalidate() { fresh_ = false; }

  // The processes as of this tick (see "Cost" above for how fresh their cmdline is).
  // Processes that vanish mid-scan or whose files are unreadable are skipped. Kernel
  // threads and zombies (empty cmdline) are left out: no source looks for them. Fails
  // only if <proc_root> itself cannot be listed.
  absl::StatusOr<const std::vector<ProcessInfo>*> Processes();

  // readlink(<proc_root>/<pid>/cwd); empty if unreadable.
  std::string Cwd(int pid) const;

  // The start time of `process` in seconds since the epoch: its start_time_ticks over
  // USER_HZ plus the boot time from <proc_root>/stat (read once, then cached). Fails if
  // the process has no stat or the boot time cannot be read.
  absl::StatusOr<double> StartTimeSeconds(const ProcessInfo& process);

  const std::string& proc_root() const { return proc_root_; }

 private:
  // A trusted cmdline is re-read every this many scans.
  static constexpr uint64_t kRefreshScans = 10;

  // What the table remembers of a process between scans.
  struct KnownProcess {
    uint64_t inode = 0;      // of <proc_root>/<pid>; new when the pid is reused
    uint64_t seen_scan = 0;  // the last scan that listed it
    bool confirmed = false;  // the last two cmdline reads agreed
    ProcessInfo info;        // empty argv for kernel threads and zombies
  };

  // Brings `known` up to date for this scan; false if the process vanished mid-read.
  bool Refresh(const char* pid_name, KnownProcess* known, bool is_new);
  // Reads <proc_root>/<name> (opened relative to dir_) into buffer_, with one read()
  // when it fits, and points `*text` at it; false if the file cannot be opened or read.
  // Files longer than `max_bytes` are cut.
  bool ReadRelative(const char* name, size_t max_bytes, absl::string_view* text);

  std::string proc_root_;
  bool fresh_ = false;
  DIR* dir_ = nullptr;  // <proc_root>, kept open and rewound every scan
  uint64_t scans_ = 0;
  absl::flat_hash_map<int, KnownProcess> known_;  // by pid
  std::vector<ProcessInfo> processes_;            // this scan's, in /proc order
  std::vector<std::string> argv_;                 // scratch for a fresh cmdline
  std::string buffer_;
  std::optional<int64_t> boot_time_seconds_;
};

}  // namespace vigil::agent
