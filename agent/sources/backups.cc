#include "agent/sources/backups.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "agent/sources/background_jobs.h"

namespace vigil::agent {
namespace {

absl::Time MtimeOf(const BackupEntry& entry) { return absl::FromUnixNanos(entry.mtime_ns); }

// Newer first; equal times by name, so the order does not depend on readdir.
bool Newer(const BackupEntry* a, const BackupEntry* b) {
  if (a->mtime_ns != b->mtime_ns) return a->mtime_ns > b->mtime_ns;
  return a->name > b->name;
}

// Scan errors by reason, kept by one job across its runs (on the job thread only).
struct ErrorCounts {
  std::map<std::string, uint64_t> by_reason;
};

// Lists `path` (under `root_fs`); on failure adds the error counter and returns why.
absl::StatusOr<DirectoryScan> Scan(const std::string& root_fs, const std::string& path,
                                   const DirectoryScanOptions& options, const ScanHook& hook,
                                   ErrorCounts* errors, absl::string_view errors_metric,
                                   LabelPair name, SampleSink& sink) {
  const std::string dir = root_fs + path;
  if (hook) hook(path);
  absl::StatusOr<DirectoryScan> scan = ScanDirectory(dir, options);
  if (!scan.ok()) ++errors->by_reason[std::string(ScanErrorReason(scan.status()))];
  for (const auto& [reason, count] : errors->by_reason) {
    sink.Add(errors_metric, {name, {"reason", reason}}, static_cast<double>(count));
  }
  return scan;
}

absl::Status RunBackupScan(const BackupLocation& location, const std::string& root_fs,
                           uint64_t max_entries, const ScanHook& hook, ErrorCounts* errors,
                           const JobContext& context, SampleSink& sink) {
  const LabelPair backup{"backup", location.name};
  const LabelPair kind{"kind", location.kind};
  sink.Add("vigil_backup_window_seconds", {backup, kind}, absl::ToDoubleSeconds(location.window));
  if (location.max_age > absl::ZeroDuration()) {
    sink.Add("vigil_backup_max_age_seconds", {backup, kind},
             absl::ToDoubleSeconds(location.max_age));
  }
  DirectoryScanOptions options;
  options.glob = location.glob;
  options.directories = location.recursive;
  options.max_entries = max_entries;
  options.stopping = context.stopping;
  absl::StatusOr<DirectoryScan> scan = Scan(root_fs, location.path, options, hook, errors,
                                            "vigil_backup_scan_errors_total", backup, sink);
  sink.Add("vigil_backup_up", {backup, kind}, scan.ok() ? 1 : 0);
  if (!scan.ok()) {
    // No directory, no backup; an unreadable one may hold backups: unknown.
    if (absl::IsNotFound(scan.status())) {
      sink.Add("vigil_backup_found", {backup, kind}, 0);
      sink.Add("vigil_backup_count", {backup, kind}, 0);
    }
    return scan.status();
  }
  const BackupSummary summary = SummarizeBackups(scan->entries, context.now, location.window);
  sink.Add("vigil_backup_found", {backup, kind}, summary.count > 0 ? 1 : 0);
  sink.Add("vigil_backup_count", {backup, kind}, static_cast<double>(summary.count));
  if (summary.newest != nullptr) {
    sink.Add("vigil_backup_newest_timestamp_seconds", {backup, kind},
             absl::ToDoubleSeconds(MtimeOf(*summary.newest) - absl::UnixEpoch()));
    sink.Add("vigil_backup_newest_size_bytes", {backup, kind},
             static_cast<double>(summary.newest->size_bytes));
  }
  if (summary.previous != nullptr) {
    sink.Add("vigil_backup_previous_size_bytes", {backup, kind},
             static_cast<double>(summary.previous->size_bytes));
  }
  sink.Add("vigil_backup_window_count", {backup, kind}, static_cast<double>(summary.window_count));
  sink.Add("vigil_backup_window_size_bytes", {backup, kind},
           static_cast<double>(summary.window_bytes));
  sink.Add("vigil_backup_scan_entries", {backup, kind}, static_cast<double>(scan->entries_seen));
  sink.Add("vigil_backup_scan_truncated", {backup, kind}, scan->truncated ? 1 : 0);
  return absl::OkStatus();
}

absl::Status RunArchiveScan(const ArchiveLogLocation& location, const std::string& root_fs,
                            uint64_t max_entries, const ScanHook& hook, ErrorCounts* errors,
                            const JobContext& context, SampleSink& sink) {
  const LabelPair archive{"archive", location.name};
  if (location.max_age > absl::ZeroDuration()) {
    sink.Add("vigil_archive_log_max_age_seconds", {archive},
             absl::ToDoubleSeconds(location.max_age));
  }
  DirectoryScanOptions options;
  options.glob = location.glob;
  options.max_entries = max_entries;
  options.stopping = context.stopping;
  absl::StatusOr<DirectoryScan> scan = Scan(root_fs, location.path, options, hook, errors,
                                            "vigil_archive_log_scan_errors_total", archive, sink);
  sink.Add("vigil_archive_log_up", {archive}, scan.ok() ? 1 : 0);
  if (!scan.ok()) return scan.status();
  uint64_t bytes = 0;
  int64_t newest_ns = 0;
  for (const BackupEntry& entry : scan->entries) {
    bytes += entry.size_bytes;
    newest_ns = std::max(newest_ns, entry.mtime_ns);
  }
  sink.Add("vigil_archive_log_files", {archive}, static_cast<double>(scan->entries.size()));
  sink.Add("vigil_archive_log_size_bytes", {archive}, static_cast<double>(bytes));
  if (!scan->entries.empty()) {
    sink.Add("vigil_archive_log_newest_timestamp_seconds", {archive},
             static_cast<double>(newest_ns) * 1e-9);
  }
  sink.Add("vigil_archive_log_scan_truncated", {archive}, scan->truncated ? 1 : 0);
  struct statvfs fs {};
  if (statvfs((root_fs + location.path).c_str(), &fs) == 0) {
    const double unit = static_cast<double>(fs.f_frsize != 0 ? fs.f_frsize : fs.f_bsize);
    sink.Add("vigil_archive_log_filesystem_size_bytes", {archive},
             static_cast<double>(fs.f_blocks) * unit);
    sink.Add("vigil_archive_log_filesystem_avail_bytes", {archive},
             static_cast<double>(fs.f_bavail) * unit);
  }
  return absl::OkStatus();
}

class BackupSource : public Source {
 public:
  BackupSource(const SourceOptions& options, const Clock* clock, ScanHook hook) {
    std::string root_fs = options.root_fs;
    while (!root_fs.empty() && root_fs.back() == '/') root_fs.pop_back();
    const BackupOptions& backups = options.backups;
    std::vector<BackgroundJob> jobs;
    for (const BackupLocation& location : backups.locations) {
      auto errors = std::make_shared<ErrorCounts>();
      jobs.push_back(BackgroundJob{
          absl::StrCat("backup:", location.name),
          location.interval > absl::ZeroDuration() ? location.interval : backups.interval,
          [location, root_fs, max = backups.max_entries, hook, errors](const JobContext& context,
                                                                       SampleSink& sink) {
            return RunBackupScan(location, root_fs, max, hook, errors.get(), context, sink);
          }});
    }
    for (const ArchiveLogLocation& location : backups.archive_logs) {
      auto errors = std::make_shared<ErrorCounts>();
      jobs.push_back(BackgroundJob{
          absl::StrCat("archive:", location.name),
          location.interval > absl::ZeroDuration() ? location.interval : backups.interval,
          [location, root_fs, max = backups.max_entries, hook, errors](const JobContext& context,
                                                                       SampleSink& sink) {
            return RunArchiveScan(location, root_fs, max, hook, errors.get(), context, sink);
          }});
    }
    jobs_ = std::make_unique<BackgroundJobs>("backups", std::move(jobs), clock);
  }

  absl::string_view name() const override { return "backups"; }
  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    (void)tick;
    return jobs_->Drain(sink);
  }
  void AwaitFirstResults(absl::Duration timeout) override { jobs_->AwaitFirstRuns(timeout); }

 private:
  std::unique_ptr<BackgroundJobs> jobs_;
};

}  // namespace

BackupSummary SummarizeBackups(const std::vector<BackupEntry>& entries, absl::Time now,
                               absl::Duration window) {
  BackupSummary summary;
  summary.count = entries.size();
  const absl::Time since = now - window;
  for (const BackupEntry& entry : entries) {
    if (summary.newest == nullptr || Newer(&entry, summary.newest)) {
      summary.previous = summary.newest;
      summary.newest = &entry;
    } else if (summary.previous == nullptr || Newer(&entry, summary.previous)) {
      summary.previous = &entry;
    }
    if (MtimeOf(entry) > since) {
      ++summary.window_count;
      summary.window_bytes += entry.size_bytes;
    }
  }
  return summary;
}

absl::StatusOr<std::unique_ptr<Source>> CreateBackupSource(const SourceOptions& options,
                                                           const Clock* clock,
                                                           ScanHook before_scan) {
  return std::make_unique<BackupSource>(options, clock, std::move(before_scan));
}

absl::StatusOr<std::unique_ptr<Source>> CreateBackupSource(const SourceOptions& options) {
  return CreateBackupSource(options, &Clock::Real());
}

}  // namespace vigil::agent
