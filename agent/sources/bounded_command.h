// Runs a command for a source (sqlplus for the Oracle SQL checks) with everything about
// it bounded: its time (its whole process group is sent SIGTERM at the deadline, SIGKILL
// a grace period later), its output (stdout and stderr cut at a size, the group killed
// when stdout overflows), its environment (exactly the one given), its user (dropped in
// the child when asked, so the agent may run as root) and the caller's patience (it
// returns early, killing the group, when `stopping` is set).
//
// The child is made with fork() from a multithreaded process, so between fork and exec
// it calls only async-signal-safe functions: everything (argv, envp, the supplementary
// groups from getgrouplist) is prepared before fork; the child then calls setpgid,
// dup2, sigprocmask, sigaction, setgroups, setgid, setuid, chdir and execve, as
// CPython's _posixsubprocess does. Standard input is written through a non-blocking pipe
// in the same poll() loop that reads the output, so a child that never reads its input
// cannot deadlock the agent. SIGPIPE is blocked in the calling thread while it runs (a
// child that closed its input is an EPIPE, not the agent's death).
//
// Thread-safety: RunBoundedCommand may be called from any thread; each call is
// independent. It blocks the calling thread (a BackgroundJobs job) up to the timeout plus
// the grace period.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vigil::agent {

// A user to run a child as, resolved before fork.
struct ChildUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, from getgrouplist
};

// Looks up `name` in the user database (getpwnam_r, getgrouplist).
absl::StatusOr<ChildUser> LookUpChildUser(const std::string& name);

struct BoundedCommand {
  std::vector<std::string> argv;  // argv[0] is a path: no PATH search
  std::vector<std::string> env;   // "NAME=value": the child's whole environment
  std::string stdin_data;         // written to the child's standard input, then closed
  std::optional<ChildUser> user;  // drop to this user in the child (needs root)
  std::string cwd = "/";
  absl::Duration timeout = absl::Seconds(60);
  absl::Duration kill_grace = absl::Seconds(2);  // SIGTERM to SIGKILL
  size_t max_stdout_bytes = 4 << 20;
  size_t max_stderr_bytes = 64 << 10;
};

struct BoundedCommandResult {
  enum class Outcome {
    kExited,          // exit_code is valid
    kSignaled,        // killed by a signal not ours (term_signal)
    kTimedOut,        // killed at the deadline
    kOutputTooLarge,  // stdout passed max_stdout_bytes: killed, stdout cut there
    kStopped,         // `stopping` was set: killed
    kStartFailed,     // fork, a pipe, the user switch or execve failed: start_error
  };
  Outcome outcome = Outcome::kStartFailed;
  int exit_code = -1;
  int term_signal = 0;
  std::string start_error;
  std::string stdout_text;
  std::string stderr_text;  // cut at max_stderr_bytes
  absl::Duration duration;
};

// Runs `command` to completion or to one of its bounds. When it returns, the child has
// been reaped and its process group sent SIGKILL (stray children of a finished command
// are not left behind).
BoundedCommandResult RunBoundedCommand(const BoundedCommand& command,
                                       const std::atomic<bool>* stopping = nullptr);

}  // namespace vigil::agent
