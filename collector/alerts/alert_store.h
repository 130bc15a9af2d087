// Alerts and their history in the state store (state_store.h): the current record of
// every alert that is pending, firing or recently resolved (keyspace kAlerts, by id),
// and every transition as an event (kHistory, by time), written together in one synced
// write so that a restart finds exactly what was last decided. Records are JSON with a
// version number ("v": 1).
//
// Thread-safe (the store is).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/alerts/alert.h"
#include "collector/state/state_store.h"

namespace vigil::alerts {

class AlertStore {
 public:
  explicit AlertStore(state::StateStore* store) : store_(store) {}

  // One atomic write: the records of `alerts`, the deletion of `dropped`, `events`.
  absl::Status Save(const std::vector<const Alert*>& alerts,
                    const std::vector<std::string>& dropped, const std::vector<AlertEvent>& events);
  // Every stored alert. A record that cannot be decoded is skipped and reported in
  // `*skipped` (with its key), never fatal.
  absl::StatusOr<std::vector<Alert>> Load(std::vector<std::string>* skipped) const;
  // Events with from <= time <= to, newest first, at most `limit`, filtered.
  absl::StatusOr<std::vector<AlertEvent>> History(absl::Time from, absl::Time to,
                                                  absl::string_view alert_id,
                                                  absl::string_view instance, size_t limit) const;
  // Deletes the events older than `before`.
  absl::Status PurgeHistory(absl::Time before);

 private:
  state::StateStore* const store_;
};

std::string EncodeAlert(const Alert& alert);
absl::StatusOr<Alert> DecodeAlert(absl::string_view json);
std::string EncodeEvent(const AlertEvent& event);
absl::StatusOr<AlertEvent> DecodeEvent(absl::string_view json);

}  // namespace vigil::alerts
