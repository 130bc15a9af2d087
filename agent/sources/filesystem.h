// The "filesystem" source: the mounts of <proc_root>/self/mountinfo, each statvfs()'d
// at <root_fs><mountpoint>, with node_exporter's metric names.
// Labels: device (the mount source), fstype, mountpoint.
//
//   node_filesystem_size_bytes   node_filesystem_free_bytes   node_filesystem_avail_bytes
//   node_filesystem_files        node_filesystem_files_free
//   node_filesystem_readonly     ("ro" mount option, or ST_RDONLY from statvfs)
//   node_filesystem_device_error (1 if statvfs failed or timed out)
// As in node_exporter, a mount with device_error=1 reports only device_error and
// readonly (from its mount options); the statvfs values are omitted.
//
// Mounts whose mountpoint matches SourceOptions::filesystem_exclude_mountpoints or whose
// fstype matches filesystem_exclude_fstypes (RE2, partial match) are skipped. One
// entry per mountpoint: a later mount over the same point hides the earlier one.
//
// Hung mounts. statvfs() on a dead NFS server blocks in the kernel, possibly for
// ever, and cannot be interrupted. So the calls run on a worker thread, and Collect()
// waits for each at most SourceOptions::statfs_timeout:
//  - One worker thread serves the calls one at a time and is reused across ticks.
//  - When a call times out, its mountpoint is reported with device_error=1 and marked
//    stuck; the worker is abandoned to the stuck call (it exits as soon as the call
//    returns) and a fresh worker serves the remaining mounts.
//  - A stuck mountpoint is not stat'ed again until its call has returned: each later
//    tick reports device_error=1 for it at no cost. Once the call returns, the next tick
//    stats the mount normally again.
// So there is at most one outstanding call per mountpoint and the source owns at most
// 1 + (number of stuck mountpoints) threads. A tick in which k mounts newly hang takes
// up to k * statfs_timeout; later ticks are not slowed by them.
//
// Threading: Collect() is called from the sampling thread only. Worker threads share
// only a small mailbox per call with it (see filesystem.cc), so a stuck thread may
// safely outlive the source.
#pragma once

#include <sys/statvfs.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace re2 {
class RE2;
}

namespace vigil::agent {

// One line of /proc/<pid>/mountinfo (proc(5)). Strings are decoded (\040 -> ' ').
struct MountInfo {
  int mount_id = 0;
  int parent_id = 0;
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string root;           // the path within the filesystem that is mounted
  std::string mountpoint;     // relative to the reading process' root
  std::string options;        // per-mount options: "rw,relatime"
  std::string fstype;         // "ext4", "nfs4", "fuse.sshfs"
  std::string source;         // "/dev/sda1", "server:/export", "tmpfs"
  std::string super_options;  // per-superblock options
};

struct Mountinfo {
  std::vector<MountInfo> mounts;  // in file order (mount order)
  SkippedLines skipped;
};

// Decodes the octal escapes the kernel writes for ' ', '\t', '\n' and '\\'
// ("/mnt/my\040disk" -> "/mnt/my disk"). Other backslashes are kept as they are.
std::string DecodeMountinfoEscapes(absl::string_view text);

// Parses the content of /proc/<pid>/mountinfo. Malformed lines are skipped and counted;
// fails ("line N: ...") only if there are lines and none parses.
absl::StatusOr<Mountinfo> ParseMountinfo(absl::string_view text);

// Whether the comma-separated `options` contain exactly `option` ("ro" is not "rox").
bool HasMountOption(absl::string_view options, absl::string_view option);

// One mount per mountpoint, the last one mounted there winning, in the order in which
// the mountpoints first appear.
std::vector<MountInfo> VisibleMounts(std::vector<MountInfo> mounts);

// statvfs(2) or a stand-in for tests: returns 0, or -1 with errno set.
using StatvfsFunction = std::function<int(const std::string& path, struct statvfs* out)>;

namespace filesystem_internal {
struct StatfsMailbox;  // filesystem.cc
}

// True for filesystem types whose statfs answers from memory (ext4, xfs, tmpfs, ...):
// they are sampled inline. Any other type may wait on a server (NFS, CIFS, FUSE) and is
// sampled on the watchdog thread.
bool StatfsCannotHang(absl::string_view fstype);

class FilesystemSource : public Source {
 public:
  // Fails, naming the option, if a regular expression does not compile or
  // statfs_timeout is not positive.
  static absl::StatusOr<std::unique_ptr<FilesystemSource>> Create(const SourceOptions& options,
                                                                  StatvfsFunction stat);
  // Stops the idle worker. Threads stuck in a call are left to finish on their own.
  ~FilesystemSource() override;
  FilesystemSource(const FilesystemSource&) = delete;
  FilesystemSource& operator=(const FilesystemSource&) = delete;

  absl::string_view name() const override { return "filesystem"; }
  absl::Status Collect(const TickContext& tick, SampleSink& sink) override;

  // Mountpoints whose statvfs call timed out and had not returned at the last check.
  std::vector<std::string> StuckMountpoints() const;

 private:
  enum class StatOutcome { kOk, kFailed, kTimedOut };

  FilesystemSource(const SourceOptions& options, std::unique_ptr<re2::RE2> exclude_mountpoints,
                   std::unique_ptr<re2::RE2> exclude_fstypes, StatvfsFunction stat);

  bool Excluded(const MountInfo& mount) const;
  // Runs stat_(path) on the worker thread, waiting at most timeout_. On kTimedOut the
  // call is recorded in stuck_ under `mountpoint`.
  StatOutcome Stat(const std::string& mountpoint, const std::string& path, struct statvfs* out);
  // Forgets stuck calls that have returned.
  void SweepStuck();
  // The visible mounts, re-read only when the kernel says the mount table changed
  // (poll() on /proc/<pid>/mountinfo signals POLLPRI), or every time for a file that is
  // not in procfs (test fixtures). Names the file in errors.
  absl::StatusOr<const std::vector<MountInfo>*> Mounts();

  const std::string host_mountinfo_path_;  // <proc_root>/1/mountinfo
  const std::string own_mountinfo_path_;   // <proc_root>/self/mountinfo
  const std::string root_fs_;              // without a trailing '/'
  const absl::Duration timeout_;
  const std::unique_ptr<re2::RE2> exclude_mountpoints_;  // null: exclude nothing
  const std::unique_ptr<re2::RE2> exclude_fstypes_;      // null: exclude nothing
  const StatvfsFunction stat_;
  std::string buffer_;
  int mountinfo_fd_ = -1;       // open mountinfo, kept for change notification
  std::string mountinfo_path_;  // which of the two it is
  bool mountinfo_pollable_ = false;
  bool mounts_valid_ = false;
  std::vector<MountInfo> mounts_;  // VisibleMounts of the last read

  // The idle worker, started on first use; null after it was abandoned to a stuck call.
  std::shared_ptr<filesystem_internal::StatfsMailbox> worker_;
  std::thread worker_thread_;
  // Mountpoint -> the mailbox of its timed-out call, whose thread was detached.
  absl::flat_hash_map<std::string, std::shared_ptr<filesystem_internal::StatfsMailbox>> stuck_;
};

// The production source: FilesystemSource with ::statvfs.
absl::StatusOr<std::unique_ptr<Source>> CreateFilesystemSource(const SourceOptions& options);

}  // namespace vigil::agent
