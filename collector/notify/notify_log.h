// The notification log: what was sent to which receiver, or dropped and why, one entry
// per message in state::Keyspace::kNotifyLog keyed by <time ms><sequence> (big-endian),
// bounded to the newest `max_entries` and `max_age`. Read by `vigilctl` and the API
// through Notifier::SentLog.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/notify/notifier.h"
#include "collector/state/state_store.h"

namespace vigil::notify {

std::string EncodeSentEntry(const SentEntry& entry);
absl::StatusOr<SentEntry> DecodeSentEntry(absl::string_view value);

class NotifyLog {
 public:
  NotifyLog(state::StateStore* store, size_t max_entries = 10000,
            absl::Duration max_age = absl::Hours(24 * 30))
      : store_(store), max_entries_(max_entries), max_age_(max_age) {}

  // Counts the entries left by the last run.
  absl::Status Open();
  // Adds `entry` and trims the oldest entries beyond the bounds (age measured from
  // entry.sent_at).
  absl::Status Append(const SentEntry& entry);
  // The newest `limit` entries, newest first.
  absl::StatusOr<std::vector<SentEntry>> Recent(size_t limit) const;

 private:
  state::StateStore* const store_;
  const size_t max_entries_;
  const absl::Duration max_age_;
  absl::Mutex mu_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::notify
