// Real child processes (tests, vigil-bench): started with fork/exec, output captured to a file,
// killed (with their process group) on destruction. Waiting is by polling a condition
// with a deadline, never by a fixed sleep.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace vigil {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv`; stdout and stderr go to `log_path`.
  // The child leads a new process group.
  ChildProcess(std::vector<std::string> argv, std::string log_path);
  ~ChildProcess();  // SIGKILL to the group, then reap
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  bool Running();
  // Sends `signal` to the process group.
  void Signal(int signal);
  // Waits for exit up to `timeout`; returns the exit status (as from waitpid) or -1.
  int Wait(absl::Duration timeout);
  // The captured output so far.
  std::string Output() const;

 private:
  int pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string log_path_;
};

// The whole content of a file ("" if unreadable).
std::string ReadAll(const std::string& path);

// Polls `condition` every 20 ms until it returns true or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// Runs a command to completion and returns its exit status; output to `*output` if given.
int RunCommand(const std::vector<std::string>& argv, std::string* output = nullptr,
               absl::Duration timeout = absl::Seconds(60));

}  // namespace vigil
