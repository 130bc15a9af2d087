// Lists the backups (or archived logs) in one directory: the entries whose names match a
// shell glob, with their size and modification time. The I/O half of the backups source
// (backups.h); the summary of what was found is computed apart, on plain values.
//
// A directory may be on NFS and hang: a scan runs on a BackgroundJobs thread, never on
// the sampling thread, looks at no more than `max_entries` directory entries (all levels
// together) and returns early when `stopping` is set.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::agent {

// One backup: a file, or with `directories` a directory (pg_basebackup -D, an RMAN day
// directory), measured as the total size of the regular files beneath it and the newest
// modification time of the files and directories beneath it and itself (when its last
// file was written); symbolic links inside it are neither followed nor timed.
struct BackupEntry {
  std::string name;         // relative to the scanned directory
  int64_t mtime_ns = 0;     // nanoseconds since the epoch
  uint64_t size_bytes = 0;  // st_size (a directory: the sum of its files)
  bool directory = false;
};

struct DirectoryScan {
  std::vector<BackupEntry> entries;  // in no particular order
  uint64_t entries_seen = 0;         // directory entries looked at, all levels
  bool truncated = false;            // stopped at max_entries (or stopping): counts are low
};

struct DirectoryScanOptions {
  std::string glob = "*";    // fnmatch(3) pattern against entry names, without FNM_PERIOD
  bool directories = false;  // matching subdirectories are backups too, measured recursively
  uint64_t max_entries = 100'000;
  const std::atomic<bool>* stopping = nullptr;  // optional
};

// Scans `dir` (symbolic links among its entries are followed, those inside a directory
// backup are not). Fails if `dir` itself cannot be listed: kNotFound, kPermissionDenied,
// kFailedPrecondition (not a directory), else kUnavailable, the message naming `dir`.
// Entries that vanish or cannot be stat()ed during the scan are skipped.
absl::StatusOr<DirectoryScan> ScanDirectory(const std::string& dir,
                                            const DirectoryScanOptions& options);

// The `reason` label of a scan error: "not_found", "permission_denied", "not_a_directory",
// "io_error".
absl::string_view ScanErrorReason(const absl::Status& status);

}  // namespace vigil::agent
