// File watch: who changed pg_hba.conf, the spfile or sqlnet.ora, and when. Watches the
// files listed in `file_watch.paths` and, with `auto: true` (the default), the
// configuration files of the databases found running (database_config_files.h).
//
// Per file (label `path`):
//   vigil_file_exists            1 or 0
//   vigil_file_size_bytes, vigil_file_mtime_seconds, vigil_file_mode (permission bits
//   as a number: 0640 is 416), vigil_file_uid, vigil_file_gid   (while it exists)
//   vigil_file_hashed            1 if its content is compared by SHA-256; 0 if hashing is
//                                off for it or it is over max_hash_bytes (then a change of
//                                size or mtime counts as a content change)
//   vigil_file_changes_total{change}   appeared, disappeared, content, mode, owner
// and vigil_file_watch_files (files watched), vigil_file_watch_errors_total{reason}
// (stat, hash, state_read, state_write), vigil_file_watch_events_dropped_total.
//
// A change is also an event: kind "file_changed", severity warning, labels {path,
// change} (change: the kinds joined by ',', e.g. "content,mode"), message with the old
// and new size, time, mode, owner and SHA-256 prefixes. Never the content: these files
// may hold passwords. At most 100 events a run; the rest are counted.
//
// Baseline. The first observation of a file is its baseline (no event). Baselines are
// kept in a state file (file_watch.state_file, default <state_dir>/file_watch.state,
// written atomically when something changed), so a change made while the agent was
// stopped is reported when it starts. Files found from a running database stay watched
// (and remembered) while the database is down, so an edit made during a restart is
// seen; configured literal paths are watched whether or not they exist; files matched
// by a glob that vanish are reported once and forgotten.
//
// Cost. A file is hashed only when its size, mtime, ctime or inode changed, so the
// steady state is one stat() per file. Checks run on a BackgroundJobs thread (every
// file_watch.interval, default 1m): hashing a 64 MiB file takes a noticeable fraction
// of a second and $ORACLE_HOME may be on NFS; the sampling thread only takes the
// process table for auto-discovery.
//
// Paths are host paths, read under SourceOptions::root_fs.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sources/database_config_files.h"
#include "agent/sources/file_state.h"
#include "agent/sources/source.h"
#include "common/clock.h"

namespace vigil::agent {

// One check of all watched files; the body of the source's job, callable directly.
// Thread-compatible: one thread at a time.
class FileWatcher {
 public:
  // Reads options.file_watch, root_fs and state_dir.
  explicit FileWatcher(const SourceOptions& options);

  // Checks every watched file (configured, plus those of `databases`) against its
  // baseline, adds metrics and events to `sink`, saves the baseline. Fails only when the
  // state file cannot be written (the check itself still counts).
  absl::Status Check(absl::Time now, const std::vector<DatabaseProcess>& databases,
                     SampleSink& sink, const std::atomic<bool>* stopping = nullptr);

  const std::string& state_file() const { return state_file_; }

 private:
  struct Watched {
    bool hash = true;
    bool auto_discovered = false;
  };
  std::map<std::string, Watched> WatchList(const std::vector<DatabaseProcess>& databases);
  bool MatchesConfiguredGlob(const std::string& path) const;
  // Writes the baseline to the state file if it differs from what is there.
  absl::Status SaveBaseline();
  void CountError(absl::string_view reason) { ++errors_[std::string(reason)]; }

  FileWatchOptions options_;
  std::string root_fs_;  // without a trailing '/'
  std::string state_file_;
  bool loaded_ = false;
  std::map<std::string, FileState> baseline_;
  std::string saved_;  // the state file's content as last written or read
  std::map<std::pair<std::string, std::string>, uint64_t> changes_;  // (path, change)
  std::map<std::string, uint64_t> errors_;
  uint64_t events_dropped_ = 0;
};

// Creates the "file_watch" source; its job takes `now` from `clock` (not owned).
absl::StatusOr<std::unique_ptr<Source>> CreateFileWatchSource(const SourceOptions& options,
                                                              const Clock* clock);
absl::StatusOr<std::unique_ptr<Source>> CreateFileWatchSource(const SourceOptions& options);

}  // namespace vigil::agent
