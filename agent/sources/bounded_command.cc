#include "agent/sources/bounded_command.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace vigil::agent {
namespace {

// What the child reports through the exec-error pipe when it cannot exec.
struct ChildFailure {
  int stage;  // index into kStages
  int error;  // errno
};
constexpr const char* kStages[] = {"setgroups", "setgid", "setuid", "chdir", "execve"};

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

[[noreturn]] void ChildFail(int fd, int stage) {
  const ChildFailure failure{stage, errno};
  ssize_t ignored = write(fd, &failure, sizeof(failure));
  (void)ignored;
  _exit(127);
}

// Between fork and execve: async-signal-safe calls only, no allocation.
[[noreturn]] void ExecChild(int in, int out, int err, int report, char* const* argv,
                            char* const* envp, const ChildUser* user, const char* cwd) {
  setpgid(0, 0);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  // Whatever other threads of the agent have open (a state file being written, a
  // database socket) must not reach a child that runs as another user.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  // The agent blocks and ignores signals (SIGTERM, SIGHUP handled by sigwait, SIGPIPE
  // ignored): the child starts with every signal at its default and none blocked.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (user != nullptr) {
    if (setgroups(user->groups.size(), user->groups.data()) != 0) ChildFail(report, 0);
    if (setgid(user->gid) != 0) ChildFail(report, 1);
    if (setuid(user->uid) != 0) ChildFail(report, 2);
  }
  if (chdir(cwd) != 0) ChildFail(report, 3);
  execve(argv[0], argv, envp);
  ChildFail(report, 4);
}

bool LeaderExited(pid_t pid) {
  siginfo_t info{};
  // WNOWAIT: not reaped, so the process group id stays ours until the end.
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Appends what `fd` has to `out` (up to `max` bytes kept, the rest read and dropped);
// false at end of file or on an error other than EAGAIN.
bool ReadSome(int fd, std::string* out, size_t max, bool* overflowed) {
  char buffer[16384];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      const size_t room = out->size() < max ? max - out->size() : 0;
      out->append(buffer, std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) *overflowed = true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

void SleepBriefly() {
  struct timespec ts {
    0, 20'000'000
  };
  nanosleep(&ts, nullptr);
}

}  // namespace

absl::StatusOr<ChildUser> LookUpChildUser(const std::string& name) {
  std::vector<char> buffer(16384);
  struct passwd pwd {};
  struct passwd* found = nullptr;
  const int error = getpwnam_r(name.c_str(), &pwd, buffer.data(), buffer.size(), &found);
  if (error != 0)
    return absl::UnavailableError(absl::StrCat("getpwnam(", name, "): ", strerror(error)));
  if (found == nullptr) return absl::NotFoundError(absl::StrCat("no user \"", name, "\""));
  ChildUser user;
  user.name = name;
  user.uid = pwd.pw_uid;
  user.gid = pwd.pw_gid;
  int count = 32;
  user.groups.resize(count);
  while (getgrouplist(name.c_str(), pwd.pw_gid, user.groups.data(), &count) < 0) {
    user.groups.resize(count);
  }
  user.groups.resize(count);
  return user;
}

BoundedCommandResult RunBoundedCommand(const BoundedCommand& command,
                                       const std::atomic<bool>* stopping) {
  BoundedCommandResult result;
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + command.timeout;
  if (command.argv.empty() || command.argv[0].empty()) {
    result.start_error = "no command";
    return result;
  }

  // Everything the child needs, before fork.
  std::vector<std::string> argv_copy = command.argv;
  std::vector<std::string> env_copy = command.env;
  std::vector<char*> argv;
  for (std::string& a : argv_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);

  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
  auto close_all = [&] {
    for (int* fds : {in, out, err, report}) {
      CloseFd(&fds[0]);
      CloseFd(&fds[1]);
    }
  };
  for (int* fds : {in, out, err, report}) {
    if (pipe2(fds, O_CLOEXEC) != 0) {
      result.start_error = absl::StrCat("pipe: ", strerror(errno));
      close_all();
      return result;
    }
  }

  // A child that closes its input makes our write fail with EPIPE; the signal that
  // comes with it is blocked here and taken back below.
  sigset_t pipe_set, old_mask, pending_before;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigpending(&pending_before);

  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(in[0], out[1], err[1], report[1], argv.data(), envp.data(),
              command.user ? &*command.user : nullptr, command.cwd.c_str());
  }
  auto restore_sigpipe = [&] {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&pending_before, SIGPIPE)) {
      const struct timespec zero {};
      sigtimedwait(&pipe_set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  };
  if (pid < 0) {
    result.start_error = absl::StrCat("fork: ", strerror(errno));
    close_all();
    restore_sigpipe();
    return result;
  }
  setpgid(pid, pid);  // also in the child: whichever runs first
  CloseFd(&in[0]);
  CloseFd(&out[1]);
  CloseFd(&err[1]);
  CloseFd(&report[1]);

  // The report pipe closes on a successful execve, or carries why it failed.
  ChildFailure failure{};
  ssize_t got;
  do {
    got = read(report[0], &failure, sizeof(failure));
  } while (got < 0 && errno == EINTR);
  CloseFd(&report[0]);
  if (got == static_cast<ssize_t>(sizeof(failure))) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.start_error =
        absl::StrCat(kStages[failure.stage], " ", command.argv[0], ": ", strerror(failure.error));
    close_all();
    restore_sigpipe();
    result.duration = absl::Now() - start;
    return result;
  }

  for (int fd : {in[1], out[0], err[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  size_t written = 0;
  if (command.stdin_data.empty()) CloseFd(&in[1]);

  using Outcome = BoundedCommandResult::Outcome;
  std::optional<Outcome> killed;  // why we end it, if we do
  bool leader_exited = false;
  bool stderr_overflow = false;
  while (out[0] >= 0 || err[0] >= 0 || !leader_exited) {
    if (!leader_exited && LeaderExited(pid)) {
      leader_exited = true;
      // Stray children of a finished command hold its pipes open: end them.
      kill(-pid, SIGKILL);
      CloseFd(&in[1]);
    }
    const absl::Time now = absl::Now();
    if (stopping != nullptr && stopping->load()) {
      killed = Outcome::kStopped;
      break;
    }
    if (now >= deadline) {
      killed = Outcome::kTimedOut;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (in[1] >= 0) fds[n++] = {in[1], POLLOUT, 0};
    if (out[0] >= 0) fds[n++] = {out[0], POLLIN, 0};
    if (err[0] >= 0) fds[n++] = {err[0], POLLIN, 0};
    const int wait_ms = static_cast<int>(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - now) + 1, 1, 100));
    if (n == 0) {
      SleepBriefly();  // only the leader's exit is awaited
      continue;
    }
    if (poll(fds, n, wait_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in[1]) {
        const ssize_t w = write(in[1], command.stdin_data.data() + written,
                                std::min<size_t>(command.stdin_data.size() - written, 65536));
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == command.stdin_data.size()) {
          CloseFd(&in[1]);
        }
      } else if (fds[i].fd == out[0]) {
        bool overflow = false;
        if (!ReadSome(out[0], &result.stdout_text, command.max_stdout_bytes, &overflow)) {
          CloseFd(&out[0]);
        }
        if (overflow) killed = Outcome::kOutputTooLarge;
      } else if (fds[i].fd == err[0]) {
        if (!ReadSome(err[0], &result.stderr_text, command.max_stderr_bytes, &stderr_overflow)) {
          CloseFd(&err[0]);
        }
      }
    }
    if (killed) break;
  }

  if (killed) {
    kill(-pid, SIGTERM);
    const absl::Time grace_end = absl::Now() + command.kill_grace;
    while (!LeaderExited(pid) && absl::Now() < grace_end) SleepBriefly();
  }
  kill(-pid, SIGKILL);  // the whole group, stragglers included
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  close_all();
  restore_sigpipe();

  result.duration = absl::Now() - start;
  if (killed) {
    result.outcome = *killed;
  } else if (WIFEXITED(status)) {
    result.outcome = Outcome::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.outcome = Outcome::kSignaled;
    result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

}  // namespace vigil::agent
