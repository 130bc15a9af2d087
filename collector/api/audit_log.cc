#include "collector/api/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::api {
namespace {

int OpenForAppend(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(std::string path, const Clock* clock,
                                                         MetricsRegistry* metrics) {
  const int fd = OpenForAppend(path);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open audit log ", path));
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(path), clock, fd));
  if (metrics != nullptr) {
    absl::StatusOr<Counter*> written =
        metrics->AddCounter("vigil_audit_entries_total", "Entries appended to the audit log.");
    if (!written.ok()) return written.status();
    absl::StatusOr<Counter*> errors = metrics->AddCounter(
        "vigil_audit_write_errors_total",
        "Audit entries that could not be written; a change that cannot be audited is refused.");
    if (!errors.ok()) return errors.status();
    log->written_metric_ = *written;
    log->errors_metric_ = *errors;
  }
  return log;
}

AuditLog::~AuditLog() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

absl::Status AuditLog::Failed(absl::Status status) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (errors_metric_ != nullptr) errors_metric_->Inc();
  if (!failing_.exchange(true)) {
    LogError("audit log: ", status.message(),
             "; changes are refused until the audit log can be written");
  }
  return status;
}

absl::Status AuditLog::Append(AuditEntry entry, bool sync) {
  entry.time_ms = clock_->NowMs();
  const std::string line = EncodeAuditLine(entry);
  {
    absl::ReaderMutexLock lock(&mu_);
    ssize_t n;
    do {
      n = ::write(fd_, line.data(), line.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Failed(ErrnoStatus(errno, absl::StrCat("cannot write audit log ", path_)));
    if (static_cast<size_t>(n) != line.size()) {
      return Failed(absl::ResourceExhaustedError(absl::StrCat(
          "cannot write audit log ", path_, ": short write (", n, " of ", line.size(), " bytes)")));
    }
    if (sync && ::fdatasync(fd_) != 0) {
      return Failed(ErrnoStatus(errno, absl::StrCat("cannot sync audit log ", path_)));
    }
  }
  written_.fetch_add(1, std::memory_order_relaxed);
  if (written_metric_ != nullptr) written_metric_->Inc();
  if (failing_.exchange(false)) LogInfo("audit log: ", path_, " is writable again");
  return absl::OkStatus();
}

absl::Status AuditLog::Reopen() {
  const int fd = OpenForAppend(path_);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot reopen audit log ", path_));
  absl::MutexLock lock(&mu_);
  ::close(fd_);
  fd_ = fd;
  return absl::OkStatus();
}

absl::StatusOr<AuditReadout> AuditLog::Read(const AuditFilter& filter) const {
  absl::StatusOr<AuditReadout> readout = ReadAuditFile(path_, filter);
  if (absl::IsNotFound(readout.status())) return AuditReadout();
  return readout;
}

}  // namespace vigil::api
