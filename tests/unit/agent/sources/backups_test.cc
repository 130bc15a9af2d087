// The backups source: backup files and directories, their age and size, archive-log
// directories, scan errors, and scans that never hold up Collect().
#include "agent/sources/backups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "common/child_process.h"
#include "common/config_node.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;
using testing::TempDir;

// Evaluation time of the tests: 2024-03-01T00:00:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1709251200);

// Sets the modification time of `path` to `when`.
void SetMtime(const std::string& path, absl::Time when) {
  struct timespec times[2];
  times[0] = absl::ToTimespec(when);
  times[1] = absl::ToTimespec(when);
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// A file of `size` bytes modified at `when`.
void MakeBackup(const TempDir& dir, const std::string& name, size_t size, absl::Time when) {
  dir.WriteFile(name, std::string(size, 'x'));
  SetMtime(dir.Path(name), when);
}

// Creates the source and lets its jobs run once.
RecordingSink RunOnce(const SourceOptions& options, const Clock* clock) {
  auto source = CreateBackupSource(options, clock);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "backups");
  (*source)->AwaitFirstResults(absl::Seconds(30));
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{clock->Now(), nullptr}, sink).ok());
  return sink;
}

TEST_CASE("SummarizeBackups finds the newest, the previous and the window", "[backups]") {
  std::vector<BackupEntry> entries = {
      {"a", absl::ToUnixNanos(kNow - absl::Hours(72)), 100, false},
      {"b", absl::ToUnixNanos(kNow - absl::Hours(24)), 300, false},
      {"c", absl::ToUnixNanos(kNow - absl::Hours(1)), 50, false},
      {"d", absl::ToUnixNanos(kNow - absl::Hours(24 * 30)), 1000, false},
  };
  BackupSummary s = SummarizeBackups(entries, kNow, absl::Hours(48));
  CHECK(s.count == 4);
  REQUIRE(s.newest != nullptr);
  CHECK(s.newest->name == "c");
  REQUIRE(s.previous != nullptr);
  CHECK(s.previous->name == "b");
  CHECK(s.window_count == 2);
  CHECK(s.window_bytes == 350);
  // Same time: by name, whatever the order.
  std::vector<BackupEntry> tied = {{"x", 5, 1, false}, {"y", 5, 2, false}};
  CHECK(SummarizeBackups(tied, kNow, absl::Hours(1)).newest->name == "y");
  std::reverse(tied.begin(), tied.end());
  CHECK(SummarizeBackups(tied, kNow, absl::Hours(1)).newest->name == "y");
  CHECK(SummarizeBackups({}, kNow, absl::Hours(1)).newest == nullptr);
}

TEST_CASE("backups: newest, previous (shrunken), window, glob and max_age", "[backups]") {
  TempDir dir;
  MakeBackup(dir, "rman/HISDB_0229.bkp", 4000, kNow - absl::Hours(48));
  MakeBackup(dir, "rman/HISDB_0301.bkp", 1000, kNow - absl::Hours(2));  // shrunk to 25%
  MakeBackup(dir, "rman/HISDB_0201.bkp", 3900, kNow - absl::Hours(24 * 29));
  MakeBackup(dir, "rman/notes.txt", 10, kNow);  // not a backup
  std::filesystem::create_directory(
      dir.Path("rman/old.bkp"));  // a directory: not without recursive
  SourceOptions options;
  options.root_fs = "/";
  BackupLocation rman;
  rman.name = "hisdb_rman";
  rman.path = dir.Path("rman");
  rman.glob = "*.bkp";
  rman.kind = "rman";
  rman.window = absl::Hours(24 * 7);
  rman.max_age = absl::Hours(26);
  options.backups.locations.push_back(rman);
  ManualClock clock(kNow);

  RecordingSink sink = RunOnce(options, &clock);
  const LabelPair backup{"backup", "hisdb_rman"}, kind{"kind", "rman"};
  CHECK(sink.Find("vigil_backup_up", {backup, kind}) == 1);
  CHECK(sink.Find("vigil_backup_found", {backup, kind}) == 1);
  CHECK(sink.Find("vigil_backup_count", {backup, kind}) == 3);
  CHECK(sink.Find("vigil_backup_newest_timestamp_seconds", {backup, kind}) ==
        Approx(absl::ToUnixSeconds(kNow - absl::Hours(2))));
  CHECK(sink.Find("vigil_backup_newest_size_bytes", {backup, kind}) == 1000);
  CHECK(sink.Find("vigil_backup_previous_size_bytes", {backup, kind}) == 4000);
  CHECK(sink.Find("vigil_backup_window_count", {backup, kind}) == 2);
  CHECK(sink.Find("vigil_backup_window_size_bytes", {backup, kind}) == 5000);
  CHECK(sink.Find("vigil_backup_window_seconds", {backup, kind}) == 7 * 86400);
  CHECK(sink.Find("vigil_backup_max_age_seconds", {backup, kind}) == 26 * 3600);
  CHECK(sink.Find("vigil_backup_scan_truncated", {backup, kind}) == 0);
  CHECK(sink.Find("vigil_backup_scan_entries", {backup, kind}) == 5);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "backups"}, {"job", "backup:hisdb_rman"}}) ==
        1);
  CHECK(sink.DuplicateSeries().empty());

  // Three weeks later (the injected clock): nothing in the window, the newest stale.
  clock.Advance(absl::Hours(24 * 21));
  sink = RunOnce(options, &clock);
  CHECK(sink.Find("vigil_backup_window_count", {backup, kind}) == 0);
  CHECK(sink.Find("vigil_backup_window_size_bytes", {backup, kind}) == 0);
  CHECK(sink.Find("vigil_backup_found", {backup, kind}) == 1);
  CHECK(sink.Find("vigil_backup_newest_timestamp_seconds", {backup, kind}) ==
        Approx(absl::ToUnixSeconds(kNow - absl::Hours(2))));
}

TEST_CASE("backups: an empty newest backup and a directory without backups", "[backups]") {
  TempDir dir;
  MakeBackup(dir, "dump/HISDB_1.dmp", 5000, kNow - absl::Hours(30));
  MakeBackup(dir, "dump/HISDB_2.dmp", 0, kNow - absl::Hours(1));
  MakeBackup(dir, "none/readme", 3, kNow);
  SourceOptions options;
  BackupLocation dump{"expdp", dir.Path("dump"), "HISDB_*.dmp", false, "expdp"};
  BackupLocation none{"empty", dir.Path("none"), "*.bkp", false, "other"};
  options.backups.locations = {dump, none};
  ManualClock clock(kNow);
  RecordingSink sink = RunOnce(options, &clock);
  CHECK(sink.Find("vigil_backup_newest_size_bytes", {{"backup", "expdp"}, {"kind", "expdp"}}) == 0);
  CHECK(sink.Find("vigil_backup_previous_size_bytes", {{"backup", "expdp"}, {"kind", "expdp"}}) ==
        5000);
  const LabelPair empty{"backup", "empty"}, other{"kind", "other"};
  CHECK(sink.Find("vigil_backup_up", {empty, other}) == 1);
  CHECK(sink.Find("vigil_backup_found", {empty, other}) == 0);
  CHECK(sink.Find("vigil_backup_count", {empty, other}) == 0);
  CHECK_FALSE(sink.Find("vigil_backup_newest_timestamp_seconds", {empty, other}).has_value());
  CHECK_FALSE(sink.Find("vigil_backup_max_age_seconds", {empty, other}).has_value());
}

TEST_CASE("backups: recursive, each matching directory is one backup", "[backups]") {
  TempDir dir;
  // pg_basebackup -D base_20240229 and base_20240301 (still being written an hour ago).
  MakeBackup(dir, "pg/base_20240229/base.tar.gz", 7000, kNow - absl::Hours(25));
  MakeBackup(dir, "pg/base_20240229/pg_wal.tar.gz", 1000, kNow - absl::Hours(25));
  MakeBackup(dir, "pg/base_20240301/base.tar.gz", 6000, kNow - absl::Hours(2));
  MakeBackup(dir, "pg/base_20240301/sub/pg_wal.tar.gz", 500, kNow - absl::Hours(1));
  MakeBackup(dir, "pg/base_20240301/backup_manifest", 100, kNow - absl::Hours(3));
  std::filesystem::create_symlink("/etc", dir.Path("pg/base_20240301/link"));  // not followed
  SetMtime(dir.Path("pg/base_20240301/sub"), kNow - absl::Hours(3));
  SetMtime(dir.Path("pg/base_20240301"), kNow - absl::Hours(3));
  SetMtime(dir.Path("pg/base_20240229"), kNow - absl::Hours(26));
  MakeBackup(dir, "pg/other", 1, kNow);
  SourceOptions options;
  BackupLocation pg{"pg_base", dir.Path("pg"), "base_*", true, "pg_basebackup"};
  options.backups.locations = {pg};
  ManualClock clock(kNow);
  RecordingSink sink = RunOnce(options, &clock);
  const LabelPair backup{"backup", "pg_base"}, kind{"kind", "pg_basebackup"};
  CHECK(sink.Find("vigil_backup_count", {backup, kind}) == 2);
  // Its time is its newest file's, its size the total of its files.
  CHECK(sink.Find("vigil_backup_newest_timestamp_seconds", {backup, kind}) ==
        Approx(absl::ToUnixSeconds(kNow - absl::Hours(1))));
  CHECK(sink.Find("vigil_backup_newest_size_bytes", {backup, kind}) == 6600);
  CHECK(sink.Find("vigil_backup_previous_size_bytes", {backup, kind}) == 8000);
}

TEST_CASE("backups: a missing directory and a file instead of one are scan errors", "[backups]") {
  TempDir dir;
  dir.WriteFile("file", "x");
  SourceOptions options;
  BackupLocation missing{"gone", dir.Path("nowhere"), "*.bkp", false, "rman"};
  BackupLocation file{"file", dir.Path("file"), "*", false, "other"};
  options.backups.locations = {missing, file};
  ArchiveLogLocation arch{"arch", dir.Path("no_arch"), "*.arc"};
  options.backups.archive_logs = {arch};
  ManualClock clock(kNow);
  RecordingSink sink = RunOnce(options, &clock);
  const LabelPair gone{"backup", "gone"}, rman{"kind", "rman"};
  CHECK(sink.Find("vigil_backup_up", {gone, rman}) == 0);
  CHECK(sink.Find("vigil_backup_found", {gone, rman}) == 0);
  CHECK(sink.Find("vigil_backup_scan_errors_total", {gone, {"reason", "not_found"}}) == 1);
  CHECK(sink.Find("vigil_agent_job_up", {{"source", "backups"}, {"job", "backup:gone"}}) == 0);
  CHECK(sink.Find("vigil_backup_up", {{"backup", "file"}, {"kind", "other"}}) == 0);
  CHECK(sink.Find("vigil_backup_scan_errors_total",
                  {{"backup", "file"}, {"reason", "not_a_directory"}}) == 1);
  CHECK(sink.Find("vigil_archive_log_up", {{"archive", "arch"}}) == 0);
  CHECK(sink.Find("vigil_archive_log_scan_errors_total",
                  {{"archive", "arch"}, {"reason", "not_found"}}) == 1);
}

TEST_CASE("ScanDirectory: permission denied for an unprivileged process", "[backups]") {
  TempDir dir;
  MakeBackup(dir, "locked/a.bkp", 10, kNow);
  REQUIRE(chmod(dir.Path("locked").c_str(), 0700) == 0);
  REQUIRE(chmod(dir.path().c_str(), 0755) == 0);
  if (geteuid() != 0) {
    REQUIRE(chmod(dir.Path("locked").c_str(), 0) == 0);
    auto scan = ScanDirectory(dir.Path("locked"), {});
    CHECK(ScanErrorReason(scan.status()) == "permission_denied");
    chmod(dir.Path("locked").c_str(), 0700);
    return;
  }
  // As root, a child drops to nobody and scans; its exit code says what it found.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    auto scan = ScanDirectory(dir.Path("locked"), {});
    _exit(!scan.ok() && ScanErrorReason(scan.status()) == "permission_denied" ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("ScanDirectory stops at max_entries and says so", "[backups]") {
  TempDir dir;
  for (int i = 0; i < 10; ++i) MakeBackup(dir, "many/" + std::to_string(i) + ".arc", 1, kNow);
  DirectoryScanOptions options;
  options.glob = "*.arc";
  options.max_entries = 4;
  auto scan = ScanDirectory(dir.Path("many"), options);
  REQUIRE(scan.ok());
  CHECK(scan->truncated);
  CHECK(scan->entries_seen == 4);
  CHECK(scan->entries.size() == 4);
  options.max_entries = 100;
  scan = ScanDirectory(dir.Path("many"), options);
  REQUIRE(scan.ok());
  CHECK_FALSE(scan->truncated);
  CHECK(scan->entries.size() == 10);
}

TEST_CASE("archive logs: files, bytes, newest time and the filesystem", "[backups]") {
  TempDir dir;
  MakeBackup(dir, "arch/1_100_1122334455.arc", 2000, kNow - absl::Minutes(50));
  MakeBackup(dir, "arch/1_101_1122334455.arc", 3000, kNow - absl::Minutes(5));
  MakeBackup(dir, "arch/core", 99, kNow);
  SourceOptions options;
  ArchiveLogLocation arch{"hisdb_arch", dir.Path("arch"), "*.arc", absl::Hours(1)};
  options.backups.archive_logs = {arch};
  ManualClock clock(kNow);
  RecordingSink sink = RunOnce(options, &clock);
  const LabelPair a{"archive", "hisdb_arch"};
  CHECK(sink.Find("vigil_archive_log_up", {a}) == 1);
  CHECK(sink.Find("vigil_archive_log_files", {a}) == 2);
  CHECK(sink.Find("vigil_archive_log_size_bytes", {a}) == 5000);
  CHECK(sink.Find("vigil_archive_log_newest_timestamp_seconds", {a}) ==
        Approx(absl::ToUnixSeconds(kNow - absl::Minutes(5))));
  CHECK(sink.Find("vigil_archive_log_max_age_seconds", {a}) == 3600);
  const auto size = sink.Find("vigil_archive_log_filesystem_size_bytes", {a});
  const auto avail = sink.Find("vigil_archive_log_filesystem_avail_bytes", {a});
  REQUIRE(size.has_value());
  REQUIRE(avail.has_value());
  CHECK(*size > 0);
  CHECK(*avail <= *size);
}

TEST_CASE("a hung directory scan never holds up Collect", "[backups]") {
  TempDir dir;
  MakeBackup(dir, "nfs/a.bkp", 10, kNow);
  SourceOptions options;
  options.backups.locations = {BackupLocation{"nfs", dir.Path("nfs"), "*.bkp", false, "rman"}};
  absl::Notification entered, release;
  auto source = CreateBackupSource(options, &Clock::Real(), [&](const std::string&) {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();  // the NFS server does not answer
  });
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{absl::Now(), nullptr}, sink).ok());
  REQUIRE(entered.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // The scan is stuck inside the job; Collect returns with nothing from it.
  REQUIRE((*source)->Collect(TickContext{absl::Now(), nullptr}, sink).ok());
  CHECK(sink.Count("vigil_backup_found") == 0);
  release.Notify();
  REQUIRE(WaitFor(
      [&] {
        REQUIRE((*source)->Collect(TickContext{absl::Now(), nullptr}, sink).ok());
        return sink.Count("vigil_backup_found") > 0;
      },
      absl::Seconds(30)));
  CHECK(sink.Find("vigil_backup_found", {{"backup", "nfs"}, {"kind", "rman"}}) == 1);
}

TEST_CASE("the backups: section parses, with errors naming file, line and key", "[backups]") {
  auto parse = [](const std::string& yaml, BackupOptions* out) {
    absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(yaml, "agent.yaml");
    REQUIRE(root.ok());
    return ParseBackupOptions(root->Child("backups"), "/etc/vigil", out);
  };
  BackupOptions options;
  REQUIRE(parse(R"(
backups:
  interval: 10m
  locations:
    - name: rman
      path: /backup/rman
      glob: "*.bkp"
      kind: rman
      max_age: 26h
    - name: base
      path: pg
      glob: base_*
      recursive: true
      kind: pg_basebackup
      window: 14d
      interval: 1h
  archive_logs:
    - name: wal
      path: /pg/wal_archive
      max_age: 1h
)",
                &options)
              .ok());
  CHECK(options.interval == absl::Minutes(10));
  CHECK(options.max_entries == 100000);
  REQUIRE(options.locations.size() == 2);
  CHECK(options.locations[0].max_age == absl::Hours(26));
  CHECK(options.locations[0].window == absl::Hours(24 * 7));
  CHECK(options.locations[1].path == "/etc/vigil/pg");
  CHECK(options.locations[1].recursive);
  CHECK(options.locations[1].window == absl::Hours(24 * 14));
  CHECK(options.locations[1].interval == absl::Hours(1));
  REQUIRE(options.archive_logs.size() == 1);
  CHECK(options.archive_logs[0].glob == "*");
  CHECK(options.archive_logs[0].max_age == absl::Hours(1));

  BackupOptions bad;
  absl::Status status = parse(
      "backups:\n  locations:\n    - name: x\n      path: /b\n"
      "      kind: tape\n",
      &bad);
  CHECK(status.message() ==
        "agent.yaml:5: backups.locations[0].kind: must be rman, expdp, pg_basebackup or other");
  status =
      parse("backups:\n  locations:\n    - {name: x, path: /b}\n    - {name: x, path: /c}\n", &bad);
  CHECK_FALSE(status.ok());
  CHECK(absl::StrContains(status.message(), "listed twice"));
  CHECK_FALSE(parse("backups:\n  locations:\n    - {name: x, path: /b, glob: a/b}\n", &bad).ok());
}

}  // namespace
}  // namespace vigil::agent
