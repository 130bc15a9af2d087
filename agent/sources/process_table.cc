#include "agent/sources/process_table.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

// argv beyond this is cut: every process the sources look for is recognised by its
// first element, and a JVM's cmdline can be tens of kilobytes.
constexpr size_t kMaxCmdlineBytes = 16 << 10;
constexpr size_t kMaxStatBytes = 4 << 10;

// Parses a decimal pid directory name; false for anything else ("self", "sys").
bool ParsePid(const char* name, int* pid) {
  if (*name == '\0') return false;
  long value = 0;
  for (const char* c = name; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return false;
    value = value * 10 + (*c - '0');
    if (value > INT_MAX) return false;
  }
  *pid = static_cast<int>(value);
  return true;
}

// The token of `text` at `*pos` (after skipping spaces); advances `*pos` past it.
absl::string_view NextField(absl::string_view text, size_t* pos) {
  size_t begin = *pos;
  while (begin < text.size() && text[begin] == ' ') ++begin;
  size_t end = begin;
  while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
  *pos = end;
  return text.substr(begin, end - begin);
}

}  // namespace

absl::Status ParseProcPidStat(absl::string_view text, ProcessInfo* info) {
  // "pid (comm) state ppid ...": comm is whatever the process named itself, spaces and
  // parentheses included, so it ends at the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) {
    return absl::InvalidArgumentError("stat: no (comm)");
  }
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text.substr(0, open)), &pid)) {
    return absl::InvalidArgumentError("stat: bad pid");
  }
  // Fields after the comm, numbered as in proc(5): 3 is the state.
  constexpr int kPpidField = 4;
  constexpr int kStartTimeField = 22;
  const absl::string_view rest = text.substr(close + 1);
  size_t pos = 0;
  absl::string_view ppid_text;
  absl::string_view start_text;
  for (int field = 3; field <= kStartTimeField; ++field) {
    const absl::string_view value = NextField(rest, &pos);
    if (value.empty()) return absl::InvalidArgumentError("stat: too few fields");
    if (field == kPpidField) ppid_text = value;
    if (field == kStartTimeField) start_text = value;
  }
  int ppid = 0;
  uint64_t start = 0;
  if (!absl::SimpleAtoi(ppid_text, &ppid) || !absl::SimpleAtoi(start_text, &start)) {
    return absl::InvalidArgumentError("stat: bad ppid or starttime");
  }
  info->pid = pid;
  info->ppid = ppid;
  info->comm.assign(text.data() + open + 1, close - open - 1);
  info->start_time_ticks = start;
  return absl::OkStatus();
}

void ParseCmdlineInto(absl::string_view text, std::vector<std::string>* argv) {
  // A process that rewrites its title pads the old argv area with NULs or spaces.
  while (!text.empty() && (text.back() == '\0' || text.back() == ' ')) text.remove_suffix(1);
  size_t count = 0;
  while (!text.empty()) {
    const size_t nul = text.find('\0');
    absl::string_view element = text.substr(0, nul);
    while (!element.empty() && element.back() == ' ') element.remove_suffix(1);
    if (count == argv->size()) argv->emplace_back();
    (*argv)[count++].assign(element.data(), element.size());
    if (nul == absl::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  argv->resize(count);
}

std::vector<std::string> ParseCmdline(absl::string_view text) {
  std::vector<std::string> argv;
  ParseCmdlineInto(text, &argv);
  return argv;
}

bool NeedsProcStat(absl::string_view argv0) {
  // A PostgreSQL child title may hold '/' ("postgres: 16/main: checkpointer").
  if (absl::StartsWith(argv0, "postgres:")) return true;
  absl::string_view program = argv0.substr(0, argv0.find(' '));
  const size_t slash = program.rfind('/');
  if (slash != absl::string_view::npos) program.remove_prefix(slash + 1);
  return absl::StartsWith(program, "postgres") || absl::StartsWith(program, "postmaster") ||
         absl::StartsWith(program, "ora_pmon_") || absl::StartsWith(program, "asm_pmon_");
}

absl::StatusOr<int64_t> ParseBootTime(absl::string_view proc_stat) {
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(line, &seconds)) {
      return absl::InvalidArgumentError(absl::StrCat("bad btime line: \"btime ", line, "\""));
    }
    return seconds;
  }
  return absl::NotFoundError("no btime line");
}

ProcessTable::ProcessTable(std::string proc_root) : proc_root_(std::move(proc_root)) {}

ProcessTable::~ProcessTable() {
  if (dir_ != nullptr) closedir(dir_);
}

bool ProcessTable::ReadRelative(const char* name, size_t max_bytes, absl::string_view* text) {
  const int fd = openat(dirfd(dir_), name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (buffer_.size() < 4096) buffer_.resize(4096);
  size_t length = 0;
  bool ok = true;
  while (true) {
    const size_t room = std::min(buffer_.size(), max_bytes) - length;
    if (room == 0) break;  // cut at max_bytes
    const ssize_t n = read(fd, buffer_.data() + length, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    length += static_cast<size_t>(n);
    // procfs returns the whole of cmdline and stat in one read when it fits, so a short
    // read is the end: this saves the read() that would return 0.
    if (static_cast<size_t>(n) < room) break;
    if (length == buffer_.size() && buffer_.size() < max_bytes) {
      buffer_.resize(std::min(buffer_.size() * 2, max_bytes));
    }
  }
  close(fd);
  *text = absl::string_view(buffer_.data(), length);
  return ok;
}

bool ProcessTable::Refresh(const char* pid_name, KnownProcess* known, bool is_new) {
  char path[NAME_MAX + 16];
  absl::string_view text;
  std::snprintf(path, sizeof(path), "%s/cmdline", pid_name);
  if (!ReadRelative(path, kMaxCmdlineBytes, &text)) return false;
  ParseCmdlineInto(text, &argv_);
  ProcessInfo& info = known->info;
  known->confirmed = !is_new && argv_ == info.argv;
  const bool had_stat = !is_new && info.has_stat;
  info.argv.swap(argv_);
  if (info.argv.empty() || !NeedsProcStat(info.argv[0])) {
    info.has_stat = false;
    info.ppid = 0;
    info.comm.clear();
    info.start_time_ticks = 0;
    return true;
  }
  // A title change (a PostgreSQL backend's activity) does not change the stat fields
  // that are used; they are read when the process becomes a candidate and on refresh.
  if (had_stat && !known->confirmed) return true;
  std::snprintf(path, sizeof(path), "%s/stat", pid_name);
  if (!ReadRelative(path, kMaxStatBytes, &text)) return false;
  info.has_stat = ParseProcPidStat(text, &info).ok();
  return info.has_stat;
}

absl::StatusOr<const std::vector<ProcessInfo>*> ProcessTable::Processes() {
  if (fresh_) return &processes_;
  if (dir_ == nullptr) {
    dir_ = opendir(proc_root_.c_str());
    if (dir_ == nullptr) return ErrnoStatus(errno, absl::StrCat("opendir ", proc_root_));
  } else {
    rewinddir(dir_);
  }
  ++scans_;
  size_t count = 0;
  while (const dirent* entry = readdir(dir_)) {
    int pid = 0;
    if (!ParsePid(entry->d_name, &pid)) continue;
    auto [it, inserted] = known_.try_emplace(pid);
    KnownProcess& known = it->second;
    const bool is_new = inserted || known.inode != entry->d_ino;
    known.inode = entry->d_ino;
    const bool due = (scans_ + static_cast<uint64_t>(pid)) % kRefreshScans == 0;
    if (is_new || !known.confirmed || due) {
      if (!Refresh(entry->d_name, &known, is_new)) {
        known_.erase(it);  // vanished, or unreadable: tried again next scan
        continue;
      }
    }
    known.seen_scan = scans_;
    if (known.info.argv.empty()) continue;  // kernel thread or zombie
    if (count == processes_.size()) processes_.emplace_back();
    ProcessInfo& process = processes_[count++];
    process.pid = pid;
    process.has_stat = known.info.has_stat;
    process.ppid = known.info.ppid;
    process.comm = known.info.comm;
    process.argv = known.info.argv;  // reuses the slot's strings
    process.start_time_ticks = known.info.start_time_ticks;
  }
  processes_.erase(processes_.begin() + static_cast<std::ptrdiff_t>(count), processes_.end());
  absl::erase_if(known_, [&](const auto& entry) { return entry.second.seen_scan != scans_; });
  fresh_ = true;
  return &processes_;
}

std::string ProcessTable::Cwd(int pid) const {
  const std::string link = absl::StrCat(proc_root_, "/", pid, "/cwd");
  char target[PATH_MAX];
  const ssize_t n = readlink(link.c_str(), target, sizeof(target));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(target)) return "";
  return std::string(target, static_cast<size_t>(n));
}

absl::StatusOr<double> ProcessTable::StartTimeSeconds(const ProcessInfo& process) {
  if (!process.has_stat) {
    return absl::FailedPreconditionError(absl::StrCat("no stat read for pid ", process.pid));
  }
  if (!boot_time_seconds_.has_value()) {
    const std::string path = absl::StrCat(proc_root_, "/stat");
    absl::StatusOr<std::string> text = ReadFile(path, 1 << 20);
    if (!text.ok()) return text.status();
    absl::StatusOr<int64_t> boot_time = ParseBootTime(*text);
    if (!boot_time.ok()) {
      return absl::Status(boot_time.status().code(),
                          absl::StrCat(path, ": ", boot_time.status().message()));
    }
    boot_time_seconds_ = *boot_time;
  }
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  return static_cast<double>(*boot_time_seconds_) +
         static_cast<double>(process.start_time_ticks) / static_cast<double>(ticks_per_second);
}

}  // namespace vigil::agent
