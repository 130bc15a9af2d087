#include "agent/sources/directory_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

bool Stopping(const DirectoryScanOptions& options) {
  return options.stopping != nullptr && options.stopping->load();
}

bool IsDotOrDotDot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// Adds the regular files beneath the directory `fd` (owned, closed here) to `*entry`,
// and the times of its files and directories; symbolic links are neither followed nor
// timed (their time is when the link was made). Stops at the scan's entry bound.
// Directories still to visit are kept as paths relative to `fd` and opened one at a
// time: a backup of thousands of directories must not hold a descriptor for each (the
// agent's spool, its gRPC connection and libpq need them too).
void MeasureDirectory(int fd, const DirectoryScanOptions& options, BackupEntry* entry,
                      DirectoryScan* scan) {
  std::vector<std::string> pending = {"."};
  while (!pending.empty() && !scan->truncated) {
    const std::string relative = std::move(pending.back());
    pending.pop_back();
    const int dir_fd =
        openat(fd, relative.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0) continue;  // vanished, or not readable
    DIR* dir = fdopendir(dir_fd);
    if (dir == nullptr) {
      close(dir_fd);
      continue;
    }
    while (struct dirent* d = readdir(dir)) {
      if (IsDotOrDotDot(d->d_name)) continue;
      if (scan->entries_seen >= options.max_entries || Stopping(options)) {
        scan->truncated = true;
        break;
      }
      ++scan->entries_seen;
      struct stat st {};
      if (fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISREG(st.st_mode)) {
        entry->mtime_ns = std::max(entry->mtime_ns, MtimeNs(st));
        entry->size_bytes += static_cast<uint64_t>(st.st_size);
      } else if (S_ISDIR(st.st_mode)) {
        entry->mtime_ns = std::max(entry->mtime_ns, MtimeNs(st));
        pending.push_back(relative + "/" + d->d_name);
      }
    }
    closedir(dir);
  }
  close(fd);
}

}  // namespace

absl::StatusOr<DirectoryScan> ScanDirectory(const std::string& dir,
                                            const DirectoryScanOptions& options) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOTDIR)
      return absl::FailedPreconditionError(absl::StrCat(dir, ": not a directory"));
    absl::Status status = ErrnoStatus(err, dir);
    if (!absl::IsNotFound(status) && !absl::IsPermissionDenied(status)) {
      return absl::UnavailableError(status.message());
    }
    return status;
  }
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(ErrnoStatus(err, dir).message());
  }
  DirectoryScan scan;
  while (true) {
    errno = 0;
    struct dirent* entry = readdir(d);
    if (entry == nullptr) {
      if (errno != 0) {
        const int err = errno;
        closedir(d);
        return absl::UnavailableError(ErrnoStatus(err, dir).message());
      }
      break;
    }
    if (IsDotOrDotDot(entry->d_name)) continue;
    if (scan.entries_seen >= options.max_entries || Stopping(options)) {
      scan.truncated = true;
      break;
    }
    ++scan.entries_seen;
    if (fnmatch(options.glob.c_str(), entry->d_name, 0) != 0) continue;
    struct stat st {};
    if (fstatat(dirfd(d), entry->d_name, &st, 0) != 0) continue;  // vanished
    BackupEntry backup;
    backup.name = entry->d_name;
    backup.mtime_ns = MtimeNs(st);
    if (S_ISREG(st.st_mode)) {
      backup.size_bytes = static_cast<uint64_t>(st.st_size);
    } else if (S_ISDIR(st.st_mode) && options.directories) {
      backup.directory = true;
      const int child = openat(dirfd(d), entry->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (child >= 0) MeasureDirectory(child, options, &backup, &scan);
    } else {
      continue;  // a directory without `directories`, a socket, a device
    }
    scan.entries.push_back(std::move(backup));
    if (scan.truncated) break;
  }
  closedir(d);
  return scan;
}

absl::string_view ScanErrorReason(const absl::Status& status) {
  if (absl::IsNotFound(status)) return "not_found";
  if (absl::IsPermissionDenied(status)) return "permission_denied";
  if (absl::IsFailedPrecondition(status)) return "not_a_directory";
  return "io_error";
}

}  // namespace vigil::agent
