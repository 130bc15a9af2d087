// Backup checks: are the database backups there, recent, and of a plausible size; is
// the archive-log destination filling up or silent. From the files alone (RMAN pieces,
// Data Pump dumps, pg_basebackup directories, archived redo logs, archived WAL), so it
// works whatever wrote them and whether or not the database is up.
//
// The `backups:` section of agent.yaml:
//   backups:
//     interval: 5m            # how often each directory is scanned
//     max_entries: 100000     # directory entries looked at per scan, at most
//     locations:
//       - name: hisdb_rman      # the `backup` label
//         path: /backup/rman
//         glob: "*.bkp"         # fnmatch(3) against entry names
//         recursive: false      # true: a matching directory is one backup (see below)
//         kind: rman            # rman | expdp | pg_basebackup | other: the `kind` label
//         window: 7d            # for vigil_backup_window_*
//         max_age: 26h          # optional: exported for the rules to compare against
//         interval: 5m          # optional: this location's own scan interval
//     archive_logs:
//       - name: hisdb_arch      # the `archive` label
//         path: /u02/arch/HISDB
//         glob: "*.arc"
//         max_age: 1h           # optional, as above
//         interval: 1m          # optional
//
// A backup is a regular file directly in `path` whose name matches `glob`. With
// `recursive: true` a matching directory is one backup too: its size is the total of the
// regular files beneath it and its time is the newest modification time beneath it
// (when its last file was written), symbolic links inside it not followed.
// "Newest" and "previous" are by modification time.
//
// Metrics, labels {backup, kind}:
//   vigil_backup_up                         1 if the last scan listed the directory
//   vigil_backup_found                      1 if a backup is there, 0 if none (or no dir)
//   vigil_backup_count                      backups there, any age
//   vigil_backup_newest_timestamp_seconds   modification time of the newest backup
//   vigil_backup_newest_size_bytes          its size (0: an empty backup)
//   vigil_backup_previous_size_bytes        the one before it (a shrunken backup)
//   vigil_backup_window_count               backups newer than `window`
//   vigil_backup_window_size_bytes          and their total size
//   vigil_backup_window_seconds             `window`
//   vigil_backup_max_age_seconds            `max_age`, when configured
//   vigil_backup_scan_entries               directory entries looked at
//   vigil_backup_scan_truncated             1 if the scan stopped at max_entries
//   vigil_backup_scan_errors_total{reason}  not_found, permission_denied, not_a_directory,
//                                           io_error
// Archive logs, labels {archive}: vigil_archive_log_up, _files, _size_bytes,
// _newest_timestamp_seconds, _max_age_seconds (when configured), _scan_truncated,
// _scan_errors_total{reason}, and the filesystem holding the directory (statvfs):
// vigil_archive_log_filesystem_size_bytes, _filesystem_avail_bytes.
// A scan that fails is logged with its path when it starts failing or its error changes.
//
// Paths are read under SourceOptions::root_fs. Each location is a job of one
// BackgroundJobs (a hung NFS directory delays the other scans, never the sampling).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sources/backup_options.h"
#include "agent/sources/directory_scan.h"
#include "agent/sources/source.h"
#include "common/clock.h"

namespace vigil::agent {

// What a scan found, reduced to what the metrics show.
struct BackupSummary {
  size_t count = 0;
  const BackupEntry* newest = nullptr;    // null if none
  const BackupEntry* previous = nullptr;  // null if fewer than two
  size_t window_count = 0;
  uint64_t window_bytes = 0;
};
// `entries` must outlive the summary. A backup is in the window if its time is after
// now - window (a backup from the future, a skewed NFS clock, counts).
BackupSummary SummarizeBackups(const std::vector<BackupEntry>& entries, absl::Time now,
                               absl::Duration window);

// For tests: called on the job thread before each directory is scanned, with its path.
using ScanHook = std::function<void(const std::string& path)>;

// Creates the "backups" source; jobs take their `now` from `clock` (not owned).
absl::StatusOr<std::unique_ptr<Source>> CreateBackupSource(const SourceOptions& options,
                                                           const Clock* clock,
                                                           ScanHook before_scan = nullptr);
absl::StatusOr<std::unique_ptr<Source>> CreateBackupSource(const SourceOptions& options);

}  // namespace vigil::agent
