#include "agent/sources/filesystem.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "re2/re2.h"

namespace vigil::agent {
namespace filesystem_internal {

// What the sampling thread and one worker thread share. The worker serves one call at
// a time: kIdle -> (sampling thread) kRequested -> (worker) kRunning -> kDone ->
// (sampling thread takes the result) kIdle. `quit` tells the worker to exit when idle
// (shutdown) or right after its running call (abandoned to a stuck call).
struct StatfsMailbox {
  enum class State { kIdle, kRequested, kRunning, kDone };

  absl::Mutex mu;
  State state ABSL_GUARDED_BY(mu) = State::kIdle;
  bool quit ABSL_GUARDED_BY(mu) = false;
  std::string path ABSL_GUARDED_BY(mu);
  int result ABSL_GUARDED_BY(mu) = 0;
  int error ABSL_GUARDED_BY(mu) = 0;
  struct statvfs stats ABSL_GUARDED_BY(mu) = {};

  bool HasWork() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return quit || state == State::kRequested; }
  bool Done() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return state == State::kDone; }
};

namespace {

// The body of a worker thread. It owns a reference to its mailbox and a copy of the
// stat function, so it depends on nothing of the source that started it.
void ServeStatfsCalls(std::shared_ptr<StatfsMailbox> box, StatvfsFunction stat) {
  while (true) {
    std::string path;
    {
      absl::MutexLock lock(&box->mu);
      box->mu.Await(absl::Condition(box.get(), &StatfsMailbox::HasWork));
      if (box->state != StatfsMailbox::State::kRequested) return;  // quit while idle
      path = box->path;
      box->state = StatfsMailbox::State::kRunning;
    }
    struct statvfs stats {};
    errno = 0;
    const int result = stat(path, &stats);
    const int error = result == 0 ? 0 : errno;
    absl::MutexLock lock(&box->mu);
    box->result = result;
    box->error = error;
    box->stats = stats;
    box->state = StatfsMailbox::State::kDone;
    if (box->quit) return;  // abandoned: the source has moved on to another worker
  }
}

}  // namespace
}  // namespace filesystem_internal

using filesystem_internal::StatfsMailbox;

namespace {

// Parses one mountinfo line. Returns an error message, empty on success.
std::string ParseMountinfoLine(absl::string_view line, MountInfo* mount) {
  // The kernel separates fields with single spaces and escapes spaces inside them, so
  // an empty field (an empty mount source) stays in place.
  const std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
  size_t separator = 6;  // optional fields ("shared:1 master:2") end at "-"
  while (separator < fields.size() && fields[separator] != "-") ++separator;
  if (separator + 2 >= fields.size()) {
    return absl::StrCat("expected \"-\", fstype and source after the 6th field (", fields.size(),
                        " fields)");
  }
  const std::pair<absl::string_view, absl::string_view> device =
      absl::StrSplit(fields[2], absl::MaxSplits(':', 1));
  if (!absl::SimpleAtoi(fields[0], &mount->mount_id) ||
      !absl::SimpleAtoi(fields[1], &mount->parent_id) ||
      !absl::SimpleAtoi(device.first, &mount->major) ||
      !absl::SimpleAtoi(device.second, &mount->minor)) {
    return "bad mount id, parent id or major:minor";
  }
  mount->root = DecodeMountinfoEscapes(fields[3]);
  mount->mountpoint = DecodeMountinfoEscapes(fields[4]);
  if (mount->mountpoint.empty() || mount->mountpoint[0] != '/') {
    return absl::StrCat("mountpoint \"", fields[4], "\" is not absolute");
  }
  mount->options = std::string(fields[5]);
  mount->fstype = DecodeMountinfoEscapes(fields[separator + 1]);
  mount->source = DecodeMountinfoEscapes(fields[separator + 2]);
  mount->super_options =
      separator + 3 < fields.size() ? std::string(fields[separator + 3]) : std::string();
  return "";
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

bool Matches(const re2::RE2* re, const std::string& text) {
  return re != nullptr && re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re);
}

absl::StatusOr<std::unique_ptr<re2::RE2>> CompileOption(absl::string_view option,
                                                        const std::string& pattern) {
  if (pattern.empty()) return nullptr;
  auto re = std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": invalid regular expression \"", pattern, "\": ", re->error()));
  }
  return re;
}

}  // namespace

std::string DecodeMountinfoEscapes(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && IsOctal(text[i + 1]) && IsOctal(text[i + 2]) &&
        IsOctal(text[i + 3])) {
      out.push_back(static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) |
                                      (text[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

absl::StatusOr<Mountinfo> ParseMountinfo(absl::string_view text) {
  Mountinfo mountinfo;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty()) continue;
    MountInfo mount;
    const std::string error = ParseMountinfoLine(line, &mount);
    if (error.empty()) {
      mountinfo.mounts.push_back(std::move(mount));
    } else {
      mountinfo.skipped.Add(line_number, error);
    }
  }
  if (mountinfo.mounts.empty() && mountinfo.skipped.count > 0) {
    return absl::InvalidArgumentError(mountinfo.skipped.first);
  }
  return mountinfo;
}

bool HasMountOption(absl::string_view options, absl::string_view option) {
  for (absl::string_view item : absl::StrSplit(options, ',')) {
    if (item == option) return true;
  }
  return false;
}

std::vector<MountInfo> VisibleMounts(std::vector<MountInfo> mounts) {
  std::vector<MountInfo> visible;
  absl::flat_hash_map<std::string, size_t> index;  // mountpoint -> position in `visible`
  for (MountInfo& mount : mounts) {
    auto [it, inserted] = index.emplace(mount.mountpoint, visible.size());
    if (inserted) {
      visible.push_back(std::move(mount));
    } else {
      visible[it->second] = std::move(mount);
    }
  }
  return visible;
}

absl::StatusOr<std::unique_ptr<FilesystemSource>> FilesystemSource::Create(
    const SourceOptions& options, StatvfsFunction stat) {
  VIGIL_ASSIGN_OR_RETURN(
      std::unique_ptr<re2::RE2> exclude_mountpoints,
      CompileOption("filesystem_exclude_mountpoints", options.filesystem_exclude_mountpoints));
  VIGIL_ASSIGN_OR_RETURN(
      std::unique_ptr<re2::RE2> exclude_fstypes,
      CompileOption("filesystem_exclude_fstypes", options.filesystem_exclude_fstypes));
  if (options.statfs_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("statfs_timeout: must be positive, got ",
                                                   absl::FormatDuration(options.statfs_timeout)));
  }
  if (stat == nullptr) return absl::InvalidArgumentError("no stat function");
  return std::unique_ptr<FilesystemSource>(new FilesystemSource(
      options, std::move(exclude_mountpoints), std::move(exclude_fstypes), std::move(stat)));
}

FilesystemSource::FilesystemSource(const SourceOptions& options,
                                   std::unique_ptr<re2::RE2> exclude_mountpoints,
                                   std::unique_ptr<re2::RE2> exclude_fstypes, StatvfsFunction stat)
    : host_mountinfo_path_(absl::StrCat(options.proc_root, "/1/mountinfo")),
      own_mountinfo_path_(absl::StrCat(options.proc_root, "/self/mountinfo")),
      root_fs_(absl::StripSuffix(options.root_fs, "/")),
      timeout_(options.statfs_timeout),
      exclude_mountpoints_(std::move(exclude_mountpoints)),
      exclude_fstypes_(std::move(exclude_fstypes)),
      stat_(std::move(stat)) {}

FilesystemSource::~FilesystemSource() {
  if (mountinfo_fd_ >= 0) ::close(mountinfo_fd_);
  if (worker_ == nullptr) return;
  {
    absl::MutexLock lock(&worker_->mu);
    worker_->quit = true;
  }
  worker_thread_.join();
}

std::vector<std::string> FilesystemSource::StuckMountpoints() const {
  std::vector<std::string> mountpoints;
  for (const auto& [mountpoint, box] : stuck_) mountpoints.push_back(mountpoint);
  std::sort(mountpoints.begin(), mountpoints.end());
  return mountpoints;
}

bool FilesystemSource::Excluded(const MountInfo& mount) const {
  return Matches(exclude_mountpoints_.get(), mount.mountpoint) ||
         Matches(exclude_fstypes_.get(), mount.fstype);
}

void FilesystemSource::SweepStuck() {
  for (auto it = stuck_.begin(); it != stuck_.end();) {
    bool returned = false;
    {
      absl::MutexLock lock(&it->second->mu);
      returned = it->second->Done();
    }
    if (returned) {
      LogInfo("statvfs of ", it->first, " has returned; the mount is sampled again");
      stuck_.erase(it++);
    } else {
      ++it;
    }
  }
}

FilesystemSource::StatOutcome FilesystemSource::Stat(const std::string& mountpoint,
                                                     const std::string& path, struct statvfs* out) {
  if (worker_ == nullptr) {
    auto box = std::make_shared<StatfsMailbox>();
    try {
      worker_thread_ = std::thread(filesystem_internal::ServeStatfsCalls, box, stat_);
    } catch (const std::system_error& e) {
      LogError("cannot start a statvfs thread: ", e.what());
      return StatOutcome::kFailed;
    }
    worker_ = std::move(box);
  }
  const std::shared_ptr<StatfsMailbox> box = worker_;
  absl::MutexLock lock(&box->mu);
  box->path = path;
  box->state = StatfsMailbox::State::kRequested;
  if (!box->mu.AwaitWithTimeout(absl::Condition(box.get(), &StatfsMailbox::Done), timeout_)) {
    // The call is stuck in the kernel. Leave the thread to it; it exits once the call
    // returns. The next call gets a new worker.
    box->quit = true;
    worker_thread_.detach();
    worker_.reset();
    stuck_[mountpoint] = box;
    LogWarning("statvfs of ", path, " did not return within ", absl::FormatDuration(timeout_),
               "; reporting device_error until it does");
    return StatOutcome::kTimedOut;
  }
  box->state = StatfsMailbox::State::kIdle;
  if (box->result != 0) {
    LogDebug("statvfs of ", path, ": ", std::strerror(box->error));
    return StatOutcome::kFailed;
  }
  *out = box->stats;
  return StatOutcome::kOk;
}

absl::StatusOr<const std::vector<MountInfo>*> FilesystemSource::Mounts() {
  if (mountinfo_fd_ < 0) {
    // The host's mount table is init's (an agent in a container sees the host's mounts
    // there, as node_exporter does); our own is the fallback when /proc/1 is hidden.
    for (const std::string* path : {&host_mountinfo_path_, &own_mountinfo_path_}) {
      mountinfo_fd_ = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
      if (mountinfo_fd_ >= 0) {
        mountinfo_path_ = *path;
        break;
      }
    }
    if (mountinfo_fd_ < 0) return ErrnoStatus(errno, absl::StrCat("open ", own_mountinfo_path_));
    struct statfs fs {};
    mountinfo_pollable_ = ::fstatfs(mountinfo_fd_, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
    mounts_valid_ = false;
  }
  if (mounts_valid_ && mountinfo_pollable_) {
    struct pollfd p = {mountinfo_fd_, POLLPRI, 0};
    if (::poll(&p, 1, 0) == 0) return &mounts_;  // unchanged since the last read
  }
  absl::Status read = ::lseek(mountinfo_fd_, 0, SEEK_SET) == 0
                          ? ReadFdInto(mountinfo_fd_, mountinfo_path_, &buffer_)
                          : ErrnoStatus(errno, absl::StrCat("seek ", mountinfo_path_));
  absl::StatusOr<Mountinfo> mountinfo =
      read.ok() ? ParseMountinfo(buffer_) : absl::StatusOr<Mountinfo>(read);
  if (!mountinfo.ok()) {
    ::close(mountinfo_fd_);  // start afresh next time
    mountinfo_fd_ = -1;
    mounts_valid_ = false;
    if (!read.ok()) return read;
    return absl::Status(mountinfo.status().code(),
                        absl::StrCat(mountinfo_path_, " ", mountinfo.status().message()));
  }
  mounts_ = VisibleMounts(std::move(mountinfo->mounts));
  mounts_valid_ = true;
  return &mounts_;
}

bool StatfsCannotHang(absl::string_view fstype) {
  // These keep their statfs counters in memory: the call cannot wait on a server or a
  // device, so it runs inline. Every other type (NFS, CIFS, FUSE, cluster filesystems)
  // goes through the worker with a timeout.
  static constexpr absl::string_view kLocal[] = {"ext2", "ext3",  "ext4",  "xfs", "btrfs",
                                                 "vfat", "tmpfs", "ramfs", "f2fs"};
  return std::find(std::begin(kLocal), std::end(kLocal), fstype) != std::end(kLocal);
}

absl::Status FilesystemSource::Collect(const TickContext& /*tick*/, SampleSink& sink) {
  absl::StatusOr<const std::vector<MountInfo>*> mounts = Mounts();
  if (!mounts.ok()) return mounts.status();
  SweepStuck();
  for (const MountInfo& mount : **mounts) {
    if (Excluded(mount)) continue;
    const LabelPair labels[] = {
        {"device", mount.source}, {"fstype", mount.fstype}, {"mountpoint", mount.mountpoint}};
    const bool ro_option =
        HasMountOption(mount.options, "ro") || HasMountOption(mount.super_options, "ro");
    struct statvfs stats {};
    StatOutcome outcome;
    if (stuck_.contains(mount.mountpoint)) {
      outcome = StatOutcome::kTimedOut;
    } else if (StatfsCannotHang(mount.fstype)) {
      outcome =
          stat_(root_fs_ + mount.mountpoint, &stats) == 0 ? StatOutcome::kOk : StatOutcome::kFailed;
    } else {
      outcome = Stat(mount.mountpoint, root_fs_ + mount.mountpoint, &stats);
    }
    if (outcome != StatOutcome::kOk) {
      sink.Add("node_filesystem_device_error", labels, 1);
      sink.Add("node_filesystem_readonly", labels, ro_option ? 1 : 0);
      continue;
    }
    // f_frsize is the unit of the block counts; f_bsize is only the preferred I/O size.
    const double block = static_cast<double>(stats.f_frsize != 0 ? stats.f_frsize : stats.f_bsize);
    const bool readonly = ro_option || (stats.f_flag & ST_RDONLY) != 0;
    sink.Add("node_filesystem_device_error", labels, 0);
    sink.Add("node_filesystem_readonly", labels, readonly ? 1 : 0);
    sink.Add("node_filesystem_size_bytes", labels, static_cast<double>(stats.f_blocks) * block);
    sink.Add("node_filesystem_free_bytes", labels, static_cast<double>(stats.f_bfree) * block);
    sink.Add("node_filesystem_avail_bytes", labels, static_cast<double>(stats.f_bavail) * block);
    sink.Add("node_filesystem_files", labels, static_cast<double>(stats.f_files));
    sink.Add("node_filesystem_files_free", labels, static_cast<double>(stats.f_ffree));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Source>> CreateFilesystemSource(const SourceOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(
      std::unique_ptr<FilesystemSource> source,
      FilesystemSource::Create(options, [](const std::string& path, struct statvfs* out) {
        return ::statvfs(path.c_str(), out);
      }));
  return source;
}

}  // namespace vigil::agent
