// The service manager's end of sd_notify(3), for tests: an AF_UNIX datagram socket in a
// temp dir that receives what a daemon (or this process) sends to NOTIFY_SOCKET, with
// the sender's pid from SCM_CREDENTIALS (systemd's NotifyAccess=main checks that pid).
// Also a scoped environment variable, to point the code under test at the socket.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "tests/support/temp_dir.h"

namespace vigil::testing {

struct NotifyMessage {
  std::string text;  // "READY=1\nSTATUS=..."
  pid_t sender = 0;
};

class NotifySocket {
 public:
  NotifySocket();  // binds <temp dir>/notify; fails the test if it cannot
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The value for NOTIFY_SOCKET.
  const std::string& path() const { return path_; }

  // The next datagram, waiting up to `timeout` for one; nullopt if none came.
  std::optional<NotifyMessage> Receive(absl::Duration timeout);
  // Receives until a datagram containing the assignment `line` ("READY=1") arrives or
  // `timeout` passes; returns it. Datagrams before it are discarded.
  std::optional<NotifyMessage> WaitFor(const std::string& line, absl::Duration timeout);
  // Discards every datagram already queued; returns how many.
  int Drain();

 private:
  TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

// True if `text` (newline-separated assignments) holds the assignment `line` exactly.
bool HasAssignment(const std::string& text, const std::string& line);
// The value of `name` in `text` ("STATUS" -> "listening on ..."), nullopt if absent.
std::optional<std::string> AssignmentValue(const std::string& text, const std::string& name);

// Sets (or, with nullopt, unsets) an environment variable until destruction.
class ScopedEnv {
 public:
  ScopedEnv(const std::string& name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace vigil::testing
