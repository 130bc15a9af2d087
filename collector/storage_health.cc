#include "collector/storage_health.h"

#include <time.h>

#include "absl/strings/str_cat.h"
#include "common/time_parse.h"

namespace vigil::collector {

StorageHealth::StorageHealth(absl::Duration maintenance_interval,
                             absl::Duration head_snapshot_interval, absl::Time now)
    : maintenance_limit_(3 * maintenance_interval),
      snapshot_limit_(3 * (head_snapshot_interval + maintenance_interval)),
      last_maintenance_(now),
      last_snapshot_(now) {}

void StorageHealth::RecordMaintenance(absl::Time now, const absl::Status& result,
                                      uint64_t head_snapshots) {
  absl::MutexLock lock(&mu_);
  last_maintenance_ = now;
  if (head_snapshots != head_snapshots_) {
    head_snapshots_ = head_snapshots;
    last_snapshot_ = now;
  }
  if (!result.ok()) last_error_ = std::string(result.message());
}

absl::Status StorageHealth::Check(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  if (now - last_maintenance_ > maintenance_limit_) {
    return absl::UnavailableError(
        absl::StrCat("storage maintenance has not completed a run for ",
                     vigil::FormatDuration(absl::Trunc(now - last_maintenance_, absl::Seconds(1))),
                     " (limit ", vigil::FormatDuration(maintenance_limit_), "): it hangs"));
  }
  if (now - last_snapshot_ > snapshot_limit_) {
    return absl::UnavailableError(
        absl::StrCat("storage has not written a head snapshot for ",
                     vigil::FormatDuration(absl::Trunc(now - last_snapshot_, absl::Seconds(1))),
                     " (limit ", vigil::FormatDuration(snapshot_limit_), "): writes fail",
                     last_error_.empty() ? "" : absl::StrCat(" (last error: ", last_error_, ")")));
  }
  return absl::OkStatus();
}

}  // namespace vigil::collector
