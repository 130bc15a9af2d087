// The notifier: a persistent outbox (state::Keyspace::kOutbox) and one dispatcher per
// receiver that sends what the outbox holds through the receiver's channel, in order,
// within the receiver's rate limit (the IM robots allow 20 messages a minute), retrying
// failures with exponential backoff until `max_age`. A message is durable when Enqueue
// returns OK: it survives a collector restart and a receiver's outage, and is deleted
// from the outbox only once the receiver took it (or it expired, which is logged and
// counted). While a receiver is over its rate limit, the messages waiting for it are
// merged into one, so an alert storm becomes a few messages, not a blocked robot.
// What was sent is kept in the notification log (state::Keyspace::kNotifyLog).
//
// Thread-safe. Does not own the store, clock or registry; they must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/notify/notification.h"
#include "collector/notify/receiver_config.h"
#include "collector/state/state_store.h"
#include "common/clock.h"
#include "common/metrics.h"

namespace vigil::notify {

struct NotifierOptions {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(5);
  absl::Duration max_age = absl::Hours(24);  // a message older than this is dropped
};

// One entry of the notification log, newest first in SentLog().
struct SentEntry {
  absl::Time sent_at;
  std::string receiver;
  std::string group_key;
  std::vector<std::string> alert_ids;
  bool resolved_only = false;
  int attempts = 0;
  std::string result;  // "sent", or "dropped: <reason>"
};

class Notifier {
 public:
  // Loads the outbox left by the last run and starts the dispatchers. Registers
  // vigil_notify_* metrics in `metrics` (may be null).
  static absl::StatusOr<std::unique_ptr<Notifier>> Start(std::vector<ReceiverConfig> receivers,
                                                         state::StateStore* store,
                                                         const Clock* clock,
                                                         MetricsRegistry* metrics,
                                                         NotifierOptions options = {});
  virtual ~Notifier() = default;

  // Stores `notification` for its receiver (an unknown receiver is InvalidArgument).
  virtual absl::Status Enqueue(const Notification& notification) = 0;
  // Replaces the receivers (a reload); messages for a receiver that is gone are kept
  // until it returns or they expire.
  virtual void SetReceivers(std::vector<ReceiverConfig> receivers) = 0;
  // Messages waiting, per receiver.
  virtual std::vector<std::pair<std::string, size_t>> Pending() const = 0;
  virtual std::vector<SentEntry> SentLog(size_t limit) const = 0;
  // Wakes the dispatchers (e.g. after a test moved the clock).
  virtual void Poke() = 0;
  // Stops the dispatchers; what was not sent stays in the outbox.
  virtual void Stop() = 0;
};

}  // namespace vigil::notify
