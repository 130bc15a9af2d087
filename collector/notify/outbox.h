// The persistent outbox: every message waiting for a receiver is one record in the state
// store (state::Keyspace::kOutbox), keyed by a big-endian sequence so that a scan gives
// them in the order they were enqueued. A record is JSON with a version field: the whole
// Notification, the attempts so far, when the next attempt is due and the last error.
// Also how waiting messages are merged into one (MergeNotifications).
//
// Outbox is thread-safe (the store is); records are value types.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/notify/notification.h"
#include "collector/state/state_store.h"

namespace vigil::notify {

struct OutboxRecord {
  uint64_t sequence = 0;
  Notification notification;
  int attempts = 0;                                // failed attempts so far
  absl::Time next_attempt = absl::InfinitePast();  // not before this (backoff)
  std::string last_error;
};

std::string EncodeOutboxRecord(const OutboxRecord& record);
absl::StatusOr<OutboxRecord> DecodeOutboxRecord(uint64_t sequence, absl::string_view value);

// One message with the alerts of `messages` (oldest first): alerts in order, one per id
// keeping the newest version, firing before resolved; recipients united; escalated if
// any was; the highest tier; the newest language, created and external URL; group keys
// joined with "," when they differ.
Notification MergeNotifications(const std::vector<const Notification*>& messages);

class Outbox {
 public:
  explicit Outbox(state::StateStore* store) : store_(store) {}

  // Every record in the store, in sequence order. Records that cannot be decoded are
  // deleted and counted in `*corrupt`. Sets the next sequence after the highest found.
  absl::StatusOr<std::vector<OutboxRecord>> LoadAll(size_t* corrupt);

  // Stores `record` under a new sequence (set in it).
  absl::Status Add(OutboxRecord* record);
  // Rewrites a record (attempts, next attempt).
  absl::Status Update(const OutboxRecord& record);
  absl::Status Remove(uint64_t sequence);
  // Atomically: writes `merged` (its sequence is kept) and removes `absorbed`.
  absl::Status Merge(const OutboxRecord& merged, const std::vector<uint64_t>& absorbed);

 private:
  state::StateStore* const store_;
  absl::Mutex mu_;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace vigil::notify
