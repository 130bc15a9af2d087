#include "agent/sources/file_state.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kVersionLine = "vigil-file-watch 1";

int64_t Ns(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string Octal(uint32_t mode) { return absl::StrFormat("%04o", mode); }

std::string HashPrefix(const std::string& sha256) {
  return sha256.empty() ? "(not hashed)" : sha256.substr(0, 12);
}

std::string TimeText(int64_t ns) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixNanos(ns), absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<FileState> StatFile(const std::string& path) {
  struct stat st {};
  FileState state;
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return state;
    return ErrnoStatus(err, path);
  }
  state.exists = true;
  state.size = static_cast<uint64_t>(st.st_size);
  state.mtime_ns = Ns(st.st_mtim);
  state.ctime_ns = Ns(st.st_ctim);
  state.inode = static_cast<uint64_t>(st.st_ino);
  state.mode = static_cast<uint32_t>(st.st_mode & 07777);
  state.uid = static_cast<uint32_t>(st.st_uid);
  state.gid = static_cast<uint32_t>(st.st_gid);
  return state;
}

absl::StatusOr<std::string> Sha256OfFile(const std::string& path,
                                         const std::atomic<bool>* stopping) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, path);
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    close(fd);
    return absl::InternalError("SHA-256 is not available");
  }
  std::vector<unsigned char> block(64 << 10);
  while (true) {
    if (stopping != nullptr && stopping->load()) {
      close(fd);
      return absl::CancelledError(absl::StrCat(path, ": stopping"));
    }
    const ssize_t n = read(fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      return ErrnoStatus(err, path);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(n));
  }
  close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

FileChange CompareFileStates(const std::string& path, const FileState& before,
                             const FileState& after, bool compare_content) {
  FileChange change;
  std::vector<std::string> details;
  if (!before.exists && !after.exists) return change;
  if (!before.exists) {
    change.changes.push_back("appeared");
    details.push_back(absl::StrCat("appeared: ", after.size, " bytes, mode ", Octal(after.mode),
                                   ", owner ", after.uid, ":", after.gid, ", sha256 ",
                                   HashPrefix(after.sha256)));
  } else if (!after.exists) {
    change.changes.push_back("disappeared");
    details.push_back(absl::StrCat("disappeared (was ", before.size, " bytes, sha256 ",
                                   HashPrefix(before.sha256), ")"));
  } else {
    // Hashes decide when both sides have one; a file too large to hash changed if its
    // size or modification time did.
    bool content = false;
    if (compare_content) {
      content = !before.sha256.empty() && !after.sha256.empty()
                    ? before.sha256 != after.sha256
                    : before.size != after.size || before.mtime_ns != after.mtime_ns;
    }
    if (content) {
      change.changes.push_back("content");
      details.push_back(absl::StrCat("content: sha256 ", HashPrefix(before.sha256), " → ",
                                     HashPrefix(after.sha256), ", size ", before.size, " → ",
                                     after.size, " bytes, mtime ", TimeText(before.mtime_ns), " → ",
                                     TimeText(after.mtime_ns)));
    }
    if (before.mode != after.mode) {
      change.changes.push_back("mode");
      details.push_back(absl::StrCat("mode ", Octal(before.mode), " → ", Octal(after.mode)));
    }
    if (before.uid != after.uid || before.gid != after.gid) {
      change.changes.push_back("owner");
      details.push_back(
          absl::StrCat("owner ", before.uid, ":", before.gid, " → ", after.uid, ":", after.gid));
    }
  }
  if (!change.changes.empty()) {
    change.message = absl::StrCat(path, " changed: ", absl::StrJoin(details, "; "));
  }
  return change;
}

std::string FormatFileStates(const std::map<std::string, FileState>& states) {
  std::string text = absl::StrCat(kVersionLine, "\n");
  for (const auto& [path, s] : states) {
    absl::StrAppend(&text, s.exists ? 1 : 0, " ", s.size, " ", s.mtime_ns, " ", s.ctime_ns, " ",
                    s.inode, " ", Octal(s.mode), " ", s.uid, " ", s.gid, " ",
                    s.sha256.empty() ? "-" : s.sha256, " ", s.auto_discovered ? 1 : 0, " ", path,
                    "\n");
  }
  return text;
}

std::map<std::string, FileState> ParseFileStates(absl::string_view text) {
  std::map<std::string, FileState> states;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kVersionLine) return states;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> fields = absl::StrSplit(lines[i], absl::MaxSplits(' ', 10));
    if (fields.size() != 11 || fields[10].empty() || fields[10][0] != '/') continue;
    FileState s;
    int exists = 0, auto_discovered = 0;
    uint32_t mode = 0;
    bool ok = absl::SimpleAtoi(fields[0], &exists) && absl::SimpleAtoi(fields[1], &s.size) &&
              absl::SimpleAtoi(fields[2], &s.mtime_ns) &&
              absl::SimpleAtoi(fields[3], &s.ctime_ns) && absl::SimpleAtoi(fields[4], &s.inode) &&
              absl::SimpleAtoi(fields[6], &s.uid) && absl::SimpleAtoi(fields[7], &s.gid) &&
              absl::SimpleAtoi(fields[9], &auto_discovered);
    for (char c : fields[5]) {
      ok = ok && c >= '0' && c <= '7';
      mode = mode * 8 + static_cast<uint32_t>(c - '0');
    }
    if (!ok || fields[5].empty()) continue;
    s.exists = exists != 0;
    s.mode = mode;
    s.auto_discovered = auto_discovered != 0;
    if (fields[8] != "-") s.sha256 = std::string(fields[8]);
    states[std::string(fields[10])] = std::move(s);
  }
  return states;
}

}  // namespace vigil::agent
