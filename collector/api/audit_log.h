// The collector's audit log: who changed what, and every refused request, appended to a
// JSON-lines file (audit_record.h) that `vigilctl audit` and GET /api/v1/audit read.
//
// The file is opened O_APPEND|O_CLOEXEC and created 0600: it names people and where they
// connect from. Each entry is one write(2), so concurrent entries never interleave and a
// crash leaves at most one torn last line (readers skip it). An entry that records a
// change is fdatasync'ed before Append returns, and callers make the change only after
// that: can't audit -> don't change. Refusals are not synced (a flood of unauthenticated
// requests must not turn into a flood of disk flushes).
//
// A failed write never stops the collector: it is returned to the caller, logged once
// when the log starts failing (and once when it works again), and counted in
// vigil_audit_write_errors_total.
//
// Thread-safe. Reopen() (after log rotation) may run while entries are written.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/api/audit_record.h"
#include "common/clock.h"
#include "common/metrics.h"

namespace vigil::api {

class AuditLog {
 public:
  // Opens `path`, creating it. Fails (naming the path) if it cannot be opened: the
  // collector does not start without its audit log. With `metrics`, registers
  // vigil_audit_entries_total and vigil_audit_write_errors_total.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(std::string path, const Clock* clock,
                                                        MetricsRegistry* metrics = nullptr);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Stamps `entry` with the clock's time and appends it. With `sync`, returns only once
  // the entry is on disk (fdatasync).
  absl::Status Append(AuditEntry entry, bool sync) ABSL_LOCKS_EXCLUDED(mu_);

  // Closes the file and opens `path` again (logrotate moved it away). On failure the old
  // descriptor stays in use.
  absl::Status Reopen() ABSL_LOCKS_EXCLUDED(mu_);

  // The entries of the file that match, newest `filter.limit`; an absent file has none.
  absl::StatusOr<AuditReadout> Read(const AuditFilter& filter) const;

  const std::string& path() const { return path_; }
  uint64_t entries_written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  AuditLog(std::string path, const Clock* clock, int fd)
      : path_(std::move(path)), clock_(clock), fd_(fd) {}
  // Counts and logs a failure (once until the next success); returns it.
  absl::Status Failed(absl::Status status);

  const std::string path_;
  const Clock* const clock_;
  // Shared by writers (O_APPEND needs no lock between them); Reopen takes it exclusively.
  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> errors_{0};
  Counter* written_metric_ = nullptr;
  Counter* errors_metric_ = nullptr;
};

}  // namespace vigil::api
