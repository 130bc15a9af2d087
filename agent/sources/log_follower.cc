#include "agent/sources/log_follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

constexpr size_t kMinChunkBytes = 64 << 10;

// Looks in the directory of `path` for a file with the given identity whose name starts
// with the log's name (where logrotate and Oracle's own rotation leave it).
std::string FindRotated(const std::string& path, dev_t dev, ino_t ino) {
  const std::filesystem::path p(path);
  const std::string dir = p.parent_path().string();
  const std::string base = p.filename().string();
  DIR* d = opendir(dir.empty() ? "." : dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  while (dirent* entry = readdir(d)) {
    const absl::string_view name = entry->d_name;
    if (name == base || !absl::StartsWith(name, base) || entry->d_ino != ino) continue;
    const std::string candidate = absl::StrCat(dir, "/", name);
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
      found = candidate;
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

std::string FormatLogPosition(const std::string& path, dev_t dev, ino_t ino, uint64_t offset,
                              bool skipping, absl::string_view tail) {
  return absl::StrCat("v1\t", static_cast<uint64_t>(dev), "\t", static_cast<uint64_t>(ino), "\t",
                      offset, "\t", skipping ? 1 : 0, "\t", absl::BytesToHexString(tail), "\t",
                      path, "\n");
}

bool ParseLogPosition(absl::string_view text, std::string* path, dev_t* dev, ino_t* ino,
                      uint64_t* offset, bool* skipping, std::string* tail) {
  if (!absl::ConsumeSuffix(&text, "\n")) return false;
  std::vector<absl::string_view> fields = absl::StrSplit(text, absl::MaxSplits('\t', 6));
  uint64_t d = 0, i = 0;
  int s = 0;
  if (fields.size() != 7 || fields[0] != "v1" || !absl::SimpleAtoi(fields[1], &d) ||
      !absl::SimpleAtoi(fields[2], &i) || !absl::SimpleAtoi(fields[3], offset) ||
      !absl::SimpleAtoi(fields[4], &s) || fields[5].size() % 2 != 0 ||
      fields[5].size() > 2 * kLogTailBytes || fields[6].empty()) {
    return false;
  }
  for (char c : fields[5]) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  *tail = absl::HexStringToBytes(fields[5]);
  *dev = static_cast<dev_t>(d);
  *ino = static_cast<ino_t>(i);
  *skipping = s != 0;
  *path = std::string(fields[6]);
  return true;
}

LogFollower::LogFollower(LogFollowerOptions options) : options_(std::move(options)) {
  chunk_.resize(std::max(kMinChunkBytes, options_.max_line_bytes + 1));
}

LogFollower::~LogFollower() {
  (void)SavePosition();
  Close();
}

void LogFollower::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void LogFollower::SetPath(const std::string& path) {
  if (path == options_.path) return;
  (void)SavePosition();
  Close();
  options_.path = path;
  restored_ = false;
  found_ = false;
}

absl::Status LogFollower::OpenPath(bool from_end, bool* opened) {
  *opened = false;
  const int fd = open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return absl::OkStatus();
    return ErrnoStatus(errno, absl::StrCat("open ", options_.path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("fstat ", options_.path));
  }
  Close();
  fd_ = fd;
  pos_ = Position{st.st_dev, st.st_ino, from_end ? static_cast<uint64_t>(st.st_size) : 0, false};
  found_ = true;
  *opened = true;
  return absl::OkStatus();
}

absl::Status LogFollower::Restore() {
  restored_ = true;
  std::string saved_path;
  std::string saved_tail;
  Position saved;
  bool have_saved = false;
  if (!options_.state_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(options_.state_file, 64 << 10);
    have_saved = text.ok() &&
                 ParseLogPosition(*text, &saved_path, &saved.dev, &saved.ino, &saved.offset,
                                  &saved.skipping, &saved_tail) &&
                 saved_path == options_.path;
  }
  bool opened = false;
  if (!have_saved) return OpenPath(/*from_end=*/true, &opened);

  saved_ = saved;
  saved_path_ = saved_path;
  saved_valid_ = true;
  struct stat st;
  if (stat(options_.path.c_str(), &st) == 0 && st.st_dev == saved.dev && st.st_ino == saved.ino) {
    VIGIL_RETURN_IF_ERROR(OpenPath(false, &opened));
    if (opened && pos_.dev == saved.dev && pos_.ino == saved.ino) {
      pos_ = saved;
      if (TailBeforeOffset() != saved_tail) {  // truncated and rewritten while stopped
        pos_ = Position{saved.dev, saved.ino, 0, false};
        ++stats_.truncations;
      }
    }
    return absl::OkStatus();
  }
  // Rotated while the agent was stopped: finish the old file if it is still beside it.
  const std::string rotated = FindRotated(options_.path, saved.dev, saved.ino);
  if (!rotated.empty()) {
    const int fd = open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat rst;
    if (fd >= 0 && fstat(fd, &rst) == 0 && rst.st_dev == saved.dev && rst.st_ino == saved.ino) {
      Close();
      fd_ = fd;
      pos_ = saved;
      found_ = stat(options_.path.c_str(), &st) == 0;
      return absl::OkStatus();
    }
    if (fd >= 0) close(fd);
  }
  // The old file is gone: the one at the path is all new to us.
  return OpenPath(/*from_end=*/false, &opened);
}

std::string LogFollower::TailBeforeOffset() {
  const uint64_t from = pos_.offset - std::min<uint64_t>(pos_.offset, kLogTailBytes);
  std::string tail(pos_.offset - from, '\0');
  const ssize_t got = pread(fd_, tail.data(), tail.size(), static_cast<off_t>(from));
  tail.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return tail;
}

absl::Status LogFollower::SavePosition() {
  if (options_.state_file.empty() || fd_ < 0) return absl::OkStatus();
  if (saved_valid_ && saved_path_ == options_.path && saved_.dev == pos_.dev &&
      saved_.ino == pos_.ino && saved_.offset == pos_.offset && saved_.skipping == pos_.skipping) {
    return absl::OkStatus();
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options_.state_file).parent_path(), ec);
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomically(options_.state_file,
                          FormatLogPosition(options_.path, pos_.dev, pos_.ino, pos_.offset,
                                            pos_.skipping, TailBeforeOffset()),
                          0600));
  saved_ = pos_;
  saved_path_ = options_.path;
  saved_valid_ = true;
  return absl::OkStatus();
}

void LogFollower::HandLine(absl::string_view line,
                           absl::FunctionRef<void(absl::string_view)> on_line) {
  absl::ConsumeSuffix(&line, "\r");
  ++stats_.lines;
  on_line(line);
}

absl::Status LogFollower::ReadLines(size_t* budget, bool* at_end,
                                    absl::FunctionRef<void(absl::string_view)> on_line) {
  *at_end = false;
  struct stat st;
  if (fstat(fd_, &st) != 0) return ErrnoStatus(errno, absl::StrCat("fstat ", options_.path));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < pos_.offset) {  // copytruncate, or truncated by hand
    pos_.offset = 0;
    pos_.skipping = false;
    ++stats_.truncations;
  }
  while (true) {
    if (pos_.offset >= size) {
      *at_end = true;
      return absl::OkStatus();
    }
    if (*budget == 0) return absl::OkStatus();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_.size(), size - pos_.offset));
    const ssize_t got = pread(fd_, chunk_.data(), want, static_cast<off_t>(pos_.offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("read ", options_.path));
    }
    if (got == 0) {  // shrank since fstat
      *at_end = true;
      return absl::OkStatus();
    }
    const absl::string_view data(chunk_.data(), static_cast<size_t>(got));
    size_t start = 0;
    for (size_t nl = data.find('\n'); nl != absl::string_view::npos; nl = data.find('\n', start)) {
      if (pos_.skipping) {
        pos_.skipping = false;
      } else {
        absl::string_view line = data.substr(start, nl - start);
        if (line.size() > options_.max_line_bytes) {
          line = line.substr(0, options_.max_line_bytes);
          ++stats_.lines_truncated;
        }
        HandLine(line, on_line);
      }
      start = nl + 1;
    }
    size_t consumed = start;
    const size_t rest = data.size() - start;
    bool partial_at_end = false;
    if (rest > 0) {
      if (pos_.skipping) {
        consumed = data.size();
      } else if (rest >= options_.max_line_bytes) {
        HandLine(data.substr(start, options_.max_line_bytes), on_line);
        ++stats_.lines_truncated;
        pos_.skipping = true;
        consumed = data.size();
      } else if (pos_.offset + data.size() >= size) {
        partial_at_end = true;  // a half-written line: wait for its end
      }
    }
    pos_.offset += consumed;
    stats_.bytes += consumed;
    *budget -= std::min(*budget, consumed);
    if (partial_at_end) {
      *at_end = true;
      return absl::OkStatus();
    }
  }
}

absl::Status LogFollower::Poll(absl::Time now,
                               absl::FunctionRef<void(absl::string_view line)> on_line) {
  absl::Status status;
  if (now - last_save_ >= options_.save_interval) {
    status = SavePosition();  // what the previous polls handed over
    last_save_ = now;
  }
  if (!restored_) VIGIL_RETURN_IF_ERROR(Restore());
  behind_ = false;
  size_t budget = options_.max_bytes_per_poll;
  // A few rounds: the rest of a rotated file, then the new one.
  for (int round = 0; round < 3; ++round) {
    if (fd_ < 0) {
      bool opened = false;
      VIGIL_RETURN_IF_ERROR(OpenPath(/*from_end=*/false, &opened));  // appeared: all new
      if (!opened) {
        found_ = false;
        return status;
      }
    }
    bool at_end = false;
    VIGIL_RETURN_IF_ERROR(ReadLines(&budget, &at_end, on_line));
    if (!at_end) {
      behind_ = true;
      return status;
    }
    struct stat st;
    if (stat(options_.path.c_str(), &st) != 0) {
      // Deleted (or renamed and not yet recreated): keep the old file open, in case
      // its writer still appends to it, until a new one appears.
      found_ = false;
      return status;
    }
    found_ = true;
    if (st.st_dev == pos_.dev && st.st_ino == pos_.ino) return status;
    // Rotated: the old file's last line will not be completed any more.
    if (!pos_.skipping) {
      struct stat old;
      if (fstat(fd_, &old) == 0 && static_cast<uint64_t>(old.st_size) > pos_.offset) {
        const size_t rest = std::min<uint64_t>(options_.max_line_bytes, old.st_size - pos_.offset);
        const ssize_t got = pread(fd_, chunk_.data(), rest, static_cast<off_t>(pos_.offset));
        if (got > 0) HandLine(absl::string_view(chunk_.data(), got), on_line);
      }
    }
    ++stats_.rotations;
    Close();
  }
  behind_ = true;
  return status;
}

std::string LogPositionFile(const std::string& state_dir, absl::string_view source,
                            absl::string_view name) {
  std::string file = absl::StrCat(state_dir, "/log-positions/", source);
  if (!name.empty()) {
    file += '-';
    for (char c : name) {
      file += absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+'
                  ? c
                  : '_';
    }
  }
  return file + ".pos";
}

}  // namespace vigil::agent
