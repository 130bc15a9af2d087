#include "tests/support/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace vigil::testing {

NotifySocket::NotifySocket() : path_(dir_.Path("notify")) {
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path_.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  const int on = 1;
  REQUIRE(setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) close(fd_);
}

std::optional<NotifyMessage> NotifySocket::Receive(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    char buffer[4096];
    iovec iov{buffer, sizeof(buffer)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(fd_, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0) {
      NotifyMessage message{std::string(buffer, static_cast<size_t>(n)), 0};
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred{};
          std::memcpy(&cred, CMSG_DATA(c), sizeof(cred));
          message.sender = cred.pid;
        }
      }
      return message;
    }
    REQUIRE((errno == EAGAIN || errno == EINTR));
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
  }
}

std::optional<NotifyMessage> NotifySocket::WaitFor(const std::string& line,
                                                   absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::optional<NotifyMessage> message = Receive(deadline - absl::Now());
    if (!message.has_value()) return std::nullopt;
    if (HasAssignment(message->text, line)) return message;
  }
}

int NotifySocket::Drain() {
  int count = 0;
  while (Receive(absl::ZeroDuration()).has_value()) ++count;
  return count;
}

bool HasAssignment(const std::string& text, const std::string& line) {
  for (absl::string_view assignment : absl::StrSplit(text, '\n')) {
    if (assignment == line) return true;
  }
  return false;
}

std::optional<std::string> AssignmentValue(const std::string& text, const std::string& name) {
  const std::string prefix = name + "=";
  for (absl::string_view assignment : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(assignment, prefix)) {
      return std::string(assignment.substr(prefix.size()));
    }
  }
  return std::nullopt;
}

ScopedEnv::ScopedEnv(const std::string& name, const std::optional<std::string>& value)
    : name_(name) {
  if (const char* old = std::getenv(name.c_str())) old_ = old;
  if (value.has_value()) {
    setenv(name.c_str(), value->c_str(), 1);
  } else {
    unsetenv(name.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_.has_value()) {
    setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    unsetenv(name_.c_str());
  }
}

}  // namespace vigil::testing
