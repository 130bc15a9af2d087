#include "agent/sources/filesystem.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;
using vigil::testing::TestDataDir;

std::string Fixture(const std::string& tree) { return TestDataDir() + "/proc/" + tree; }

Mountinfo MustParse(const std::string& tree) {
  absl::StatusOr<std::string> text = ReadFile(Fixture(tree) + "/self/mountinfo");
  REQUIRE(text.ok());
  absl::StatusOr<Mountinfo> mountinfo = ParseMountinfo(*text);
  REQUIRE(mountinfo.ok());
  return *mountinfo;
}

const MountInfo* FindMount(const std::vector<MountInfo>& mounts, const std::string& mountpoint) {
  const MountInfo* found = nullptr;
  for (const MountInfo& mount : mounts) {
    if (mount.mountpoint == mountpoint) found = &mount;
  }
  return found;
}

std::vector<std::string> Mountpoints(const std::vector<MountInfo>& mounts) {
  std::vector<std::string> out;
  for (const MountInfo& mount : mounts) out.push_back(mount.mountpoint);
  return out;
}

// A stat function over a made-up filesystem: every path has 4 KiB fragments, a
// distinct size, and `failing` paths fail with EIO. Records the paths it was asked.
struct FakeFilesystem {
  absl::Mutex mu;
  std::vector<std::string> calls ABSL_GUARDED_BY(mu);
  std::vector<std::string> failing;
  std::vector<std::string> read_only;

  static StatvfsFunction Function(std::shared_ptr<FakeFilesystem> fs) {
    return [fs](const std::string& path, struct statvfs* out) {
      {
        absl::MutexLock lock(&fs->mu);
        fs->calls.push_back(path);
      }
      for (const std::string& p : fs->failing) {
        if (p == path) {
          errno = EIO;
          return -1;
        }
      }
      *out = {};
      out->f_bsize = 1 << 20;  // the preferred I/O size, not the unit of the counts
      out->f_frsize = 4096;
      out->f_blocks = 1000 * path.size();
      out->f_bfree = 600 * path.size();
      out->f_bavail = 500 * path.size();
      out->f_files = 70 * path.size();
      out->f_ffree = 30 * path.size();
      for (const std::string& p : fs->read_only) {
        if (p == path) out->f_flag |= ST_RDONLY;
      }
      return 0;
    };
  }
  std::vector<std::string> Calls() {
    absl::MutexLock lock(&mu);
    return calls;
  }
};

// A stat function whose calls on paths starting with "/hung" block until Release().
struct HungFilesystem {
  absl::Notification released;
  absl::Mutex mu;
  std::map<std::string, int> started ABSL_GUARDED_BY(mu);
  std::map<std::string, int> returned ABSL_GUARDED_BY(mu);

  static StatvfsFunction Function(std::shared_ptr<HungFilesystem> fs) {
    return [fs](const std::string& path, struct statvfs* out) {
      {
        absl::MutexLock lock(&fs->mu);
        ++fs->started[path];
      }
      if (absl::StartsWith(path, "/hung")) fs->released.WaitForNotification();
      *out = {};
      out->f_frsize = 4096;
      out->f_blocks = 100;
      out->f_bavail = 50;
      absl::MutexLock lock(&fs->mu);
      ++fs->returned[path];
      return 0;
    };
  }
  int Started(const std::string& path) {
    absl::MutexLock lock(&mu);
    return started[path];
  }
  int Returned(const std::string& path) {
    absl::MutexLock lock(&mu);
    return returned[path];
  }
};

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "Threads:")) return std::stoi(line.substr(8));
  }
  return -1;
}

constexpr char kRootMount[] =
    "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n";
constexpr char kHungMount[] =
    "80 22 0:61 / /hung rw,relatime shared:40 - nfs4 nas01:/export/a rw,vers=4.2,hard\n";
constexpr char kHung2Mount[] =
    "81 22 0:62 / /hung2 rw,relatime shared:41 - nfs4 nas01:/export/b rw,vers=4.2,hard\n";

TEST_CASE("DecodeMountinfoEscapes decodes the kernel's octal escapes") {
  CHECK(DecodeMountinfoEscapes("/mnt/DBA\\040Reports") == "/mnt/DBA Reports");
  CHECK(DecodeMountinfoEscapes("/a\\011b\\012c\\134d") == "/a\tb\nc\\d");
  CHECK(DecodeMountinfoEscapes("/plain") == "/plain");
  CHECK(DecodeMountinfoEscapes("/x\\04") == "/x\\04");    // truncated escape kept
  CHECK(DecodeMountinfoEscapes("/x\\089") == "/x\\089");  // not octal
  CHECK(DecodeMountinfoEscapes("\\") == "\\");
}

TEST_CASE("HasMountOption matches whole options") {
  CHECK(HasMountOption("ro,relatime", "ro"));
  CHECK(HasMountOption("rw,noatime,ro", "ro"));
  CHECK_FALSE(HasMountOption("rw,relatime", "ro"));
  CHECK_FALSE(HasMountOption("rox,errors=remount-ro", "ro"));
  CHECK_FALSE(HasMountOption("", "ro"));
}

TEST_CASE("ParseMountinfo reads a RHEL 7 (3.10) mount table") {
  const Mountinfo mountinfo = MustParse("kernel-3.10-rhel7");
  CHECK(mountinfo.mounts.size() == 37);
  CHECK(mountinfo.skipped.count == 0);

  const MountInfo* root = FindMount(mountinfo.mounts, "/");
  REQUIRE(root != nullptr);
  CHECK(root->mount_id == 39);
  CHECK(root->parent_id == 1);
  CHECK(root->major == 253);
  CHECK(root->minor == 0);
  CHECK(root->root == "/");
  CHECK(root->fstype == "xfs");
  CHECK(root->source == "/dev/mapper/rhel-root");
  CHECK(root->options == "rw,relatime");
  CHECK(root->super_options == "rw,attr2,inode64,noquota");

  const MountInfo* nfs = FindMount(mountinfo.mounts, "/backup");
  REQUIRE(nfs != nullptr);
  CHECK(nfs->fstype == "nfs4");
  CHECK(nfs->source == "nas01.example.com:/export/orabackup");

  const MountInfo* cifs = FindMount(mountinfo.mounts, "/mnt/DBA Reports");
  REQUIRE(cifs != nullptr);
  CHECK(cifs->source == "//fs01/DBA Reports");
  CHECK(FindMount(mountinfo.mounts, "/media/RHEL-7.9 Server.x86_64") != nullptr);

  const MountInfo* snap = FindMount(mountinfo.mounts, "/u03/snap");
  REQUIRE(snap != nullptr);
  CHECK(HasMountOption(snap->options, "ro"));
  CHECK(snap->minor == 5);

  const MountInfo* cgroup = FindMount(mountinfo.mounts, "/sys/fs/cgroup/net_cls,net_prio");
  REQUIRE(cgroup != nullptr);
  CHECK(cgroup->super_options == "rw,net_prio,net_cls");
}

TEST_CASE("ParseMountinfo reads a Debian 12 (6.1) table with overlay, nsfs and cgroup2") {
  const Mountinfo mountinfo = MustParse("kernel-6.1-debian12");
  CHECK(mountinfo.mounts.size() == 29);
  const MountInfo* cgroup = FindMount(mountinfo.mounts, "/sys/fs/cgroup");
  REQUIRE(cgroup != nullptr);
  CHECK(cgroup->fstype == "cgroup2");
  // Docker's overlay mounts have no optional fields between the options and "-".
  int overlays = 0;
  for (const MountInfo& mount : mountinfo.mounts) {
    if (mount.fstype != "overlay") continue;
    ++overlays;
    CHECK(mount.source == "overlay");
    CHECK(absl::StartsWith(mount.super_options, "rw,lowerdir=/var/lib/docker/overlay2/l/"));
  }
  CHECK(overlays == 2);
  const MountInfo* netns = FindMount(mountinfo.mounts, "/run/docker/netns/3f1d8e2c9a4b");
  REQUIRE(netns != nullptr);
  CHECK(netns->root == "net:[4026532712]");
  CHECK(netns->fstype == "nsfs");
}

TEST_CASE("ParseMountinfo skips malformed lines and counts them") {
  absl::StatusOr<Mountinfo> mountinfo = ParseMountinfo(
      "1 0 8:1 / / rw shared:1 master:2 propagate_from:3 unbindable - ext4 /dev/sda1 rw\n"
      "2 1 8:2 / /nodash rw shared:2 ext4 /dev/sda2 rw\n"
      "3 1 8-3 / /badmajor rw - ext4 /dev/sda3 rw\n"
      "4 1 8:4 / relative rw - ext4 /dev/sda4 rw\n"
      "5 1 8:5\n"
      "6 1 0:40 / /emptysource rw - tmpfs  rw\n"
      "7 1 0:41 / /nosuper rw - tmpfs tmpfs\n"
      "8 1 0:42 / /short rw - tmpfs\n");
  REQUIRE(mountinfo.ok());
  REQUIRE(mountinfo->mounts.size() == 3);
  CHECK(mountinfo->mounts[0].fstype == "ext4");
  CHECK(mountinfo->mounts[0].source == "/dev/sda1");
  CHECK(mountinfo->mounts[1].mountpoint == "/emptysource");
  CHECK(mountinfo->mounts[1].source == "");
  CHECK(mountinfo->mounts[1].super_options == "rw");
  CHECK(mountinfo->mounts[2].mountpoint == "/nosuper");
  CHECK(mountinfo->mounts[2].super_options == "");
  CHECK(mountinfo->skipped.count == 5);
  CHECK(mountinfo->skipped.first.find("line 2:") == 0);
}

TEST_CASE("ParseMountinfo: empty is valid, garbage is an error") {
  absl::StatusOr<Mountinfo> empty = ParseMountinfo("");
  REQUIRE(empty.ok());
  CHECK(empty->mounts.empty());
  absl::StatusOr<Mountinfo> garbage = ParseMountinfo("rootfs / rootfs rw 0 0\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(std::string(garbage.status().message()).find("line 1:") == 0);
}

TEST_CASE("VisibleMounts keeps the last mount over each mountpoint") {
  std::vector<MountInfo> mounts = MustParse("kernel-3.10-rhel7").mounts;
  std::vector<MountInfo> visible = VisibleMounts(mounts);
  CHECK(visible.size() == 36);
  const MountInfo* archive = FindMount(visible, "/archive");
  REQUIRE(archive != nullptr);
  CHECK(archive->fstype == "nfs");  // the automounted NFS share over the autofs trigger
  CHECK(archive->source == "nas01.example.com:/export/archivelog");
  // The order is that of first appearance.
  CHECK(Mountpoints(visible)[0] == "/sys");

  visible = VisibleMounts(MustParse("kernel-6.1-debian12").mounts);
  CHECK(visible.size() == 28);
  CHECK(FindMount(visible, "/proc/sys/fs/binfmt_misc")->fstype == "binfmt_misc");
}

TEST_CASE("filesystem source reports the mounts of a RHEL 7 tree") {
  auto fs = std::make_shared<FakeFilesystem>();
  fs->failing = {"/host/backup"};
  fs->read_only = {"/host/home"};
  SourceOptions options;
  options.proc_root = Fixture("kernel-3.10-rhel7");
  options.root_fs = "/host/";
  absl::StatusOr<std::unique_ptr<FilesystemSource>> source =
      FilesystemSource::Create(options, FakeFilesystem::Function(fs));
  REQUIRE(source.ok());
  CHECK((*source)->name() == "filesystem");
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());

  // Default excludes drop /sys, /proc, /dev, cgroup, rpc_pipefs, autofs and the ISO.
  CHECK(sink.LabelValues("node_filesystem_device_error", "mountpoint") ==
        std::vector<std::string>{"/", "/archive", "/backup", "/boot", "/home", "/mnt/DBA Reports",
                                 "/run", "/run/user/54321", "/u01", "/u02/oradata", "/u03/snap"});
  std::vector<std::string> calls = fs->Calls();
  std::sort(calls.begin(), calls.end());
  CHECK(calls == std::vector<std::string>{"/host/", "/host/archive", "/host/backup", "/host/boot",
                                          "/host/home", "/host/mnt/DBA Reports", "/host/run",
                                          "/host/run/user/54321", "/host/u01", "/host/u02/oradata",
                                          "/host/u03/snap"});

  const std::initializer_list<LabelPair> u01 = {
      {"device", "/dev/mapper/mpatha"}, {"fstype", "xfs"}, {"mountpoint", "/u01"}};
  const double n = std::string("/host/u01").size();
  CHECK(sink.Find("node_filesystem_size_bytes", u01) == 1000 * n * 4096);
  CHECK(sink.Find("node_filesystem_free_bytes", u01) == 600 * n * 4096);
  CHECK(sink.Find("node_filesystem_avail_bytes", u01) == 500 * n * 4096);
  CHECK(sink.Find("node_filesystem_files", u01) == 70 * n);
  CHECK(sink.Find("node_filesystem_files_free", u01) == 30 * n);
  CHECK(sink.Find("node_filesystem_readonly", u01) == 0);
  CHECK(sink.Find("node_filesystem_device_error", u01) == 0);

  // Read-only from the mount options, and from statvfs' ST_RDONLY.
  CHECK(sink.Find("node_filesystem_readonly", {{"device", "/dev/mapper/mpathc"},
                                               {"fstype", "xfs"},
                                               {"mountpoint", "/u03/snap"}}) == 1);
  CHECK(sink.Find("node_filesystem_readonly", {{"device", "/dev/mapper/rhel-home"},
                                               {"fstype", "xfs"},
                                               {"mountpoint", "/home"}}) == 1);
  // The later NFS mount over the autofs trigger is the one reported.
  CHECK(
      sink.Find("node_filesystem_device_error", {{"device", "nas01.example.com:/export/archivelog"},
                                                 {"fstype", "nfs"},
                                                 {"mountpoint", "/archive"}}) == 0);
  // Decoded names with spaces.
  CHECK(sink.Find("node_filesystem_files", {{"device", "//fs01/DBA Reports"},
                                            {"fstype", "cifs"},
                                            {"mountpoint", "/mnt/DBA Reports"}}) ==
        70.0 * std::string("/host/mnt/DBA Reports").size());

  // A failing statvfs: device_error=1 and readonly only.
  const std::initializer_list<LabelPair> backup = {
      {"device", "nas01.example.com:/export/orabackup"},
      {"fstype", "nfs4"},
      {"mountpoint", "/backup"}};
  CHECK(sink.Find("node_filesystem_device_error", backup) == 1);
  CHECK(sink.Find("node_filesystem_readonly", backup) == 0);
  CHECK_FALSE(sink.Find("node_filesystem_size_bytes", backup).has_value());
  CHECK(sink.Count("node_filesystem_size_bytes") == 10);
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("filesystem source on a Debian 12 tree skips overlay, nsfs, cgroup2 and docker paths") {
  auto fs = std::make_shared<FakeFilesystem>();
  SourceOptions options;
  options.proc_root = Fixture("kernel-6.1-debian12");
  auto source = FilesystemSource::Create(options, FakeFilesystem::Function(fs));
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_filesystem_avail_bytes", "mountpoint") ==
        std::vector<std::string>{"/", "/boot/efi", "/run", "/run/lock", "/run/user/1000",
                                 "/srv/pgbackrest", "/var/lib/docker", "/var/lib/postgresql"});
  CHECK(sink.LabelValues("node_filesystem_avail_bytes", "fstype") ==
        std::vector<std::string>{"ext4", "nfs4", "tmpfs", "vfat", "xfs"});
  CHECK(sink.Find("node_filesystem_size_bytes", {{"device", "/dev/mapper/vg_data-pgdata"},
                                                 {"fstype", "xfs"},
                                                 {"mountpoint", "/var/lib/postgresql"}}) ==
        1000.0 * std::string("/var/lib/postgresql").size() * 4096);

  options.filesystem_exclude_mountpoints = "";
  options.filesystem_exclude_fstypes = "^tmpfs$";
  source = FilesystemSource::Create(options, FakeFilesystem::Function(fs));
  REQUIRE(source.ok());
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_filesystem_avail_bytes", "fstype") ==
        std::vector<std::string>{"binfmt_misc", "bpf",      "cgroup2",    "configfs", "debugfs",
                                 "devpts",      "devtmpfs", "efivarfs",   "ext4",     "fusectl",
                                 "hugetlbfs",   "mqueue",   "nfs4",       "nsfs",     "overlay",
                                 "proc",        "pstore",   "securityfs", "sysfs",    "tracefs",
                                 "vfat",        "xfs"});
}

TEST_CASE("filesystem source calls the real statvfs under root_fs") {
  vigil::testing::TempDir dir;
  dir.WriteFile("self/mountinfo",
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
                "90 22 0:77 / /nonexistent-vigil-test-mount rw,relatime - xfs /dev/sdz1 rw\n");
  SourceOptions options;
  options.proc_root = dir.path();
  options.root_fs = "/";
  absl::StatusOr<std::unique_ptr<Source>> source = CreateFilesystemSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());

  struct statvfs root {};
  REQUIRE(::statvfs("/", &root) == 0);
  const std::initializer_list<LabelPair> root_labels = {
      {"device", "/dev/root"}, {"fstype", "ext4"}, {"mountpoint", "/"}};
  CHECK(sink.Find("node_filesystem_device_error", root_labels) == 0);
  CHECK(sink.Find("node_filesystem_size_bytes", root_labels) ==
        static_cast<double>(root.f_blocks) * static_cast<double>(root.f_frsize));
  CHECK(sink.Find("node_filesystem_size_bytes", root_labels) > 0);
  CHECK(sink.Find("node_filesystem_files", root_labels) == static_cast<double>(root.f_files));

  const std::initializer_list<LabelPair> missing = {
      {"device", "/dev/sdz1"}, {"fstype", "xfs"}, {"mountpoint", "/nonexistent-vigil-test-mount"}};
  CHECK(sink.Find("node_filesystem_device_error", missing) == 1);
  CHECK(sink.Find("node_filesystem_readonly", missing) == 0);
  CHECK_FALSE(sink.Find("node_filesystem_avail_bytes", missing).has_value());
}

TEST_CASE("filesystem source does not wait on a hung mount and stats it again once it returns") {
  vigil::testing::TempDir dir;
  dir.WriteFile("self/mountinfo", std::string(kRootMount) + kHungMount);
  auto fs = std::make_shared<HungFilesystem>();
  SourceOptions options;
  options.proc_root = dir.path();
  options.statfs_timeout = absl::Milliseconds(200);
  auto source = FilesystemSource::Create(options, HungFilesystem::Function(fs));
  REQUIRE(source.ok());
  const std::initializer_list<LabelPair> hung = {
      {"device", "nas01:/export/a"}, {"fstype", "nfs4"}, {"mountpoint", "/hung"}};
  const std::initializer_list<LabelPair> root = {
      {"device", "/dev/nvme0n1p2"}, {"fstype", "ext4"}, {"mountpoint", "/"}};

  // First tick: the call blocks; Collect gives up after the timeout.
  RecordingSink sink;
  absl::Time start = absl::Now();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const absl::Duration first = absl::Now() - start;
  CHECK(first >= absl::Milliseconds(200));
  CHECK(first < absl::Milliseconds(200) + absl::Seconds(2));
  CHECK(sink.Find("node_filesystem_device_error", hung) == 1);
  CHECK(sink.Find("node_filesystem_readonly", hung) == 0);
  CHECK_FALSE(sink.Find("node_filesystem_size_bytes", hung).has_value());
  CHECK(sink.Find("node_filesystem_device_error", root) == 0);
  CHECK(sink.Find("node_filesystem_size_bytes", root) == 100.0 * 4096);
  CHECK((*source)->StuckMountpoints() == std::vector<std::string>{"/hung"});

  // Second tick: the mount is still stuck; no new call, no waiting.
  sink.Clear();
  start = absl::Now();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(absl::Now() - start < absl::Milliseconds(200));
  CHECK(fs->Started("/hung") == 1);
  CHECK(fs->Started("/") == 2);
  CHECK(sink.Find("node_filesystem_device_error", hung) == 1);
  CHECK(sink.Find("node_filesystem_device_error", root) == 0);

  // The server comes back: the stuck call returns and a later tick stats the mount again.
  fs->released.Notify();
  REQUIRE(vigil::testing::WaitFor([&] { return fs->Returned("/hung") == 1; }, absl::Seconds(10)));
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK((*source)->StuckMountpoints().empty());
  CHECK(fs->Started("/hung") == 2);
  CHECK(sink.Find("node_filesystem_device_error", hung) == 0);
  CHECK(sink.Find("node_filesystem_avail_bytes", hung) == 50.0 * 4096);
}

TEST_CASE("filesystem source keeps one outstanding call and one thread per hung mount") {
  vigil::testing::TempDir dir;
  dir.WriteFile("self/mountinfo", std::string(kRootMount) + kHungMount + kHung2Mount);
  auto fs = std::make_shared<HungFilesystem>();
  SourceOptions options;
  options.proc_root = dir.path();
  options.statfs_timeout = absl::Milliseconds(50);
  auto source = FilesystemSource::Create(options, HungFilesystem::Function(fs));
  REQUIRE(source.ok());

  // Tick 1: the worker is abandoned to /hung, its replacement to /hung2.
  const int before = ThreadCount();
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK((*source)->StuckMountpoints() == std::vector<std::string>{"/hung", "/hung2"});
  CHECK(ThreadCount() == before + 2);
  // Tick 2: "/" is ext4, whose statfs cannot hang, so it is sampled inline and no new
  // worker starts; later ticks start nothing either.
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const int threads = ThreadCount();
  CHECK(threads == before + 2);
  for (int tick = 0; tick < 4; ++tick) {
    sink.Clear();
    REQUIRE((*source)->Collect(TickContext{}, sink).ok());
    CHECK(sink.Find(
              "node_filesystem_device_error",
              {{"device", "nas01:/export/b"}, {"fstype", "nfs4"}, {"mountpoint", "/hung2"}}) == 1);
  }
  CHECK(ThreadCount() == threads);
  CHECK(fs->Started("/hung") == 1);
  CHECK(fs->Started("/hung2") == 1);
  CHECK(fs->Started("/") == 6);

  // Destroying the source does not wait for the stuck calls.
  const absl::Time start = absl::Now();
  source->reset();
  CHECK(absl::Now() - start < absl::Seconds(1));
  fs->released.Notify();
  CHECK(vigil::testing::WaitFor(
      [&] { return fs->Returned("/hung") == 1 && fs->Returned("/hung2") == 1; },
      absl::Seconds(10)));
}

TEST_CASE("filesystem source factory validates its options") {
  SourceOptions options;
  options.filesystem_exclude_fstypes = "^(nfs|";
  absl::StatusOr<std::unique_ptr<Source>> source = CreateFilesystemSource(options);
  REQUIRE_FALSE(source.ok());
  CHECK(std::string(source.status().message()).find("filesystem_exclude_fstypes") !=
        std::string::npos);

  options = SourceOptions{};
  options.filesystem_exclude_mountpoints = "[";
  source = CreateFilesystemSource(options);
  REQUIRE_FALSE(source.ok());
  CHECK(std::string(source.status().message()).find("filesystem_exclude_mountpoints") !=
        std::string::npos);

  options = SourceOptions{};
  options.statfs_timeout = absl::ZeroDuration();
  source = CreateFilesystemSource(options);
  REQUIRE_FALSE(source.ok());
  CHECK(std::string(source.status().message()).find("statfs_timeout") != std::string::npos);
}

TEST_CASE("filesystem source reports a missing mountinfo (kernels < 2.6.26) as NotFound") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-2.6.18-rhel5");
  auto source = CreateFilesystemSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  absl::Status status = (*source)->Collect(TickContext{}, sink);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(std::string(status.message()).find(Fixture("kernel-2.6.18-rhel5") + "/self/mountinfo") !=
        std::string::npos);
}

}  // namespace
}  // namespace vigil::agent

namespace vigil::agent {
namespace {

TEST_CASE("only filesystems whose statfs answers from memory are sampled inline") {
  for (const char* local : {"ext4", "xfs", "tmpfs", "btrfs", "vfat"})
    CHECK(StatfsCannotHang(local));
  for (const char* remote : {"nfs", "nfs4", "cifs", "fuse.sshfs", "ocfs2", "gfs2", "ceph"}) {
    INFO(remote);
    CHECK_FALSE(StatfsCannotHang(remote));
  }
}

TEST_CASE("the cached procfs mount table gives the same mounts on consecutive ticks") {
  // /proc/self/mountinfo is pollable: without a mount change, two ticks give the same
  // answer from one read; the source must still see every mount.
  SourceOptions options;
  auto source = CreateFilesystemSource(options);
  REQUIRE(source.ok());
  vigil::testing::RecordingSink first;
  REQUIRE((*source)->Collect(TickContext{}, first).ok());
  vigil::testing::RecordingSink second;
  REQUIRE((*source)->Collect(TickContext{}, second).ok());
  CHECK(first.LabelValues("node_filesystem_size_bytes", "mountpoint") ==
        second.LabelValues("node_filesystem_size_bytes", "mountpoint"));
  CHECK_FALSE(first.LabelValues("node_filesystem_size_bytes", "mountpoint").empty());
}

TEST_CASE("a fixture mountinfo (not in procfs) is read again every tick") {
  vigil::testing::TempDir dir;
  dir.WriteFile("self/mountinfo", kRootMount);
  SourceOptions options;
  options.proc_root = dir.path();
  auto source = FilesystemSource::Create(options, [](const std::string&, struct statvfs* out) {
    *out = {};
    return 0;
  });
  REQUIRE(source.ok());
  vigil::testing::RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_filesystem_size_bytes", "mountpoint") ==
        std::vector<std::string>{"/"});
  dir.WriteFile("self/mountinfo",
                std::string(kRootMount) + "90 22 0:70 / /data rw - xfs /dev/sdb1 rw\n");
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_filesystem_size_bytes", "mountpoint") ==
        std::vector<std::string>{"/", "/data"});
}

}  // namespace
}  // namespace vigil::agent

namespace vigil::agent {
namespace {

TEST_CASE("a mount made after the first read is seen at the next tick", "[real]") {
  if (::geteuid() != 0) {
    WARN("needs root to create a mount namespace; skipped");
    return;
  }
  // A process with a mount namespace of its own; the source reads its mount table
  // through <proc_root>/1 -> /proc/<pid>, the way it reads init's.
  vigil::testing::TempDir dir;
  vigil::testing::ChildProcess ns(
      {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sleep", "600"},
      dir.Path("unshare.log"));
  const std::string ns_proc = absl::StrCat("/proc/", ns.pid());
  // unshare forks nothing: the pid becomes sleep in the new namespace once it has exec'ed.
  REQUIRE(vigil::testing::WaitFor(
      [&] {
        std::string comm;
        return ReadFileInto(ns_proc + "/comm", &comm).ok() && absl::StartsWith(comm, "sleep");
      },
      absl::Seconds(10)));
  std::filesystem::create_directory_symlink(ns_proc, dir.Path("1"));
  SourceOptions options;
  options.proc_root = dir.path();
  auto source = CreateFilesystemSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const std::string target = dir.Path("mnt");
  std::filesystem::create_directory(target);
  auto mountpoints = [&] { return sink.LabelValues("node_filesystem_readonly", "mountpoint"); };
  const std::vector<std::string> before = mountpoints();
  REQUIRE_FALSE(before.empty());
  REQUIRE(std::find(before.begin(), before.end(), target) == before.end());

  std::string out;
  REQUIRE(vigil::testing::RunCommand({"/usr/bin/nsenter", "-t", std::to_string(ns.pid()), "-m",
                                      "/bin/mount", "-t", "tmpfs", "vigiltest", target},
                                     &out) == 0);
  sink.Clear();
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  const std::vector<std::string> after = mountpoints();
  CHECK(std::find(after.begin(), after.end(), target) != after.end());
}

}  // namespace
}  // namespace vigil::agent
