#include "agent/sources/processes.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

class ProcessesSource : public Source {
 public:
  explicit ProcessesSource(std::string proc_root) : proc_root_(std::move(proc_root)) {}
  ~ProcessesSource() override {
    if (dir_ != nullptr) closedir(dir_);
  }

  absl::string_view name() const override { return "processes"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    if (dir_ == nullptr) {
      dir_ = opendir(proc_root_.c_str());
      if (dir_ == nullptr) return ErrnoStatus(errno, absl::StrCat("opendir ", proc_root_));
    } else {
      rewinddir(dir_);
    }
    std::map<char, int64_t> states = {{'R', 0}, {'S', 0}, {'D', 0}, {'Z', 0}, {'T', 0}, {'I', 0}};
    int64_t pids = 0;
    int64_t threads = 0;
    char path[300];
    char buffer[1024];
    while (const dirent* entry = readdir(dir_)) {
      const char* name = entry->d_name;
      if (*name < '1' || *name > '9') continue;
      std::snprintf(path, sizeof(path), "%s/stat", name);
      const int fd = openat(dirfd(dir_), path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // exited
      const ssize_t n = read(fd, buffer, sizeof(buffer));
      close(fd);
      if (n <= 0) continue;
      // A stat line longer than the buffer has a comm of ~1000 bytes: impossible (16).
      absl::StatusOr<ProcessState> state =
          ParseProcessState(absl::string_view(buffer, static_cast<size_t>(n)));
      if (!state.ok()) continue;
      ++pids;
      ++states[state->state];
      threads += state->threads;
    }
    for (const auto& [state, count] : states) {
      const char label[2] = {state, '\0'};
      sink.Add("node_processes_state", {{"state", label}}, static_cast<double>(count));
    }
    sink.Add("node_processes_pids", {}, static_cast<double>(pids));
    sink.Add("node_processes_threads", {}, static_cast<double>(threads));
    for (const auto& [file, metric] : {std::pair{"pid_max", "node_processes_max_processes"},
                                       std::pair{"threads-max", "node_processes_max_threads"}}) {
      absl::StatusOr<std::string> text =
          ReadFile(absl::StrCat(proc_root_, "/sys/kernel/", file), 64);
      int64_t value = 0;
      if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &value)) {
        sink.Add(metric, {}, static_cast<double>(value));
      }
    }
    return absl::OkStatus();
  }

 private:
  const std::string proc_root_;
  DIR* dir_ = nullptr;  // kept open and rewound every run
};

}  // namespace

absl::StatusOr<ProcessState> ParseProcessState(absl::string_view stat) {
  // "pid (comm) state ppid ...": the comm may hold spaces and ')', so it ends at the last ')'.
  const size_t close = stat.rfind(')');
  if (close == absl::string_view::npos) return absl::InvalidArgumentError("stat: no (comm)");
  const std::vector<absl::string_view> f =
      absl::StrSplit(stat.substr(close + 1), absl::ByAnyChar(" \n"), absl::SkipEmpty());
  // f[0] is field 3 (state), f[17] field 20 (num_threads).
  constexpr size_t kThreads = 20 - 3;
  ProcessState state;
  if (f.size() <= kThreads || f[0].size() != 1 || !absl::SimpleAtoi(f[kThreads], &state.threads)) {
    return absl::InvalidArgumentError("stat: too few fields or bad state");
  }
  state.state = f[0][0];
  return state;
}

absl::StatusOr<std::unique_ptr<Source>> CreateProcessesSource(const SourceOptions& options) {
  return std::make_unique<ProcessesSource>(options.proc_root);
}

}  // namespace vigil::agent
