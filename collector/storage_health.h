// Whether the collector's storage is doing its work, for the systemd watchdog: a
// collector whose storage is stuck or broken should be killed and restarted, not kept
// alive by a thread that answers pings.
//
// Two signs, both from the server's maintenance loop (Tsdb::Maintain() every
// `maintenance_interval`):
// - the loop has not completed a run for 3 maintenance intervals: it hangs (a lock held
//   forever, a RocksDB write that never returns);
// - no head snapshot has been written for 3 snapshot periods (head_snapshot_interval
//   plus one maintenance interval, the longest a due snapshot waits for the loop): every
//   attempt failed, so RocksDB refuses writes (a background error puts it in read-only
//   mode until it is reopened). One bad series' window, which Maintain() also reports,
//   does not stop snapshots and so does not count.
//
// Times are monotonic (MonotonicNow()), so a wall-clock step cannot trip the check.
// Thread-safe: the maintenance loop records, any thread checks.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace vigil::collector {

// The monotonic clock of common/clock.h, under the name the collector has used.
using ::vigil::MonotonicNow;

class StorageHealth {
 public:
  // `now`: when the maintenance loop starts; the limits count from there.
  StorageHealth(absl::Duration maintenance_interval, absl::Duration head_snapshot_interval,
                absl::Time now);

  // After each Tsdb::Maintain(): its result and the head snapshots written so far
  // (TsdbCounters::head_snapshots).
  void RecordMaintenance(absl::Time now, const absl::Status& result, uint64_t head_snapshots);

  // OK, or kUnavailable saying what is wrong and since when.
  absl::Status Check(absl::Time now) const;

  absl::Duration maintenance_limit() const { return maintenance_limit_; }
  absl::Duration snapshot_limit() const { return snapshot_limit_; }

 private:
  const absl::Duration maintenance_limit_;
  const absl::Duration snapshot_limit_;
  mutable absl::Mutex mu_;
  absl::Time last_maintenance_ ABSL_GUARDED_BY(mu_);
  absl::Time last_snapshot_ ABSL_GUARDED_BY(mu_);  // when the snapshot count last rose
  uint64_t head_snapshots_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_error_ ABSL_GUARDED_BY(mu_);  // of the latest failed Maintain()
};

}  // namespace vigil::collector
