// The agents' events (proto/vigil/v1/ingest.proto, Event): an ORA- line, a top-SQL
// snapshot, a changed parameter file, a new listening socket, a failed login. Kept in
// the collector's state store (keyspace kEvents) so that `vigilctl events` and
// GET /api/v1/events can show, for a host and a time range, what happened; the counts
// are in the time series, where rules see them.
//
// Keys are <host> 0x00 <event time ms, big-endian> <run id> 0x00 <event id, big-endian>:
// one host's events are contiguous and in time order, and (run, event id) makes a
// resent batch (after a lost acknowledgement) overwrite its events instead of adding
// them twice. Values are the serialized Event.
//
// Thread-safe (the state store is). Does not own the store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/state/state_store.h"
#include "vigil/v1/events.pb.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::events {

struct StoreResult {
  uint32_t stored = 0;
  uint32_t rejected = 0;
  std::string first_rejection;  // why the first rejected event was refused
};

struct EventQuery {
  std::string host;  // "" = every host
  absl::Time start = absl::InfinitePast();
  absl::Time end = absl::InfiniteFuture();                  // inclusive
  std::vector<std::string> kinds;                           // empty = all
  int min_severity = 0;                                     // 0 info, 1 warning, 2 critical
  std::vector<std::pair<std::string, std::string>> labels;  // all must match
  size_t limit = 100;
};

struct EventPage {
  std::vector<v1::StoredEvent> events;  // newest first
  bool truncated = false;
};

// Limits on what one agent may send; beyond them an event is rejected and counted.
inline constexpr size_t kMaxEventKindBytes = 64;
inline constexpr size_t kMaxEventLabels = 16;
inline constexpr size_t kMaxEventLabelBytes = 256;
inline constexpr size_t kMaxEventMessageBytes = 64 << 10;
inline constexpr size_t kMaxEventsPerBatch = 10'000;

// The severity's rank (info 0, warning 1, critical 2); -1 for anything else.
int SeverityRank(absl::string_view severity);

// Why `event` cannot be stored (no id, an unknown severity, a bad kind or label, too
// large, a time before `oldest` or after `newest`); OK if it can.
absl::Status ValidateEvent(const v1::Event& event, absl::Time oldest, absl::Time newest);

class EventStore {
 public:
  // `retention`: events older than this are refused at ingest and purged by Purge().
  EventStore(state::StateStore* store, absl::Duration retention)
      : store_(store), retention_(retention) {}

  // Stores the valid events of one batch of `host`'s run `run_id` in one synced write
  // (all or nothing); the invalid are counted and skipped. `now` bounds event times
  // (at most an hour ahead, within the retention behind).
  absl::StatusOr<StoreResult> Store(const std::string& host, const std::string& run_id,
                                    const google::protobuf::RepeatedPtrField<v1::Event>& events,
                                    absl::Time now);

  // The newest `query.limit` matching events, newest first. A query reads at most a
  // million events and keeps at most 32 MiB of them (a viewer asking for 10,000 events
  // of every host must not exhaust the collector's memory); beyond that the answer is
  // what was found, marked truncated.
  absl::StatusOr<EventPage> List(const EventQuery& query) const;

  // Deletes events older than the retention at `now`; returns how many hosts it swept.
  absl::StatusOr<size_t> Purge(absl::Time now);

  absl::Duration retention() const { return retention_; }

 private:
  // Every host with events, in key order.
  absl::StatusOr<std::vector<std::string>> Hosts() const;
  // Adds `host`'s matching events from `query.end` back to `query.start`, at most
  // `limit` of them (one more tells that there were more), to `out`.
  // `budget` bounds what one query may read and hold (events scanned, bytes kept);
  // when it runs out `budget->exhausted` is set and the scan stops.
  struct Budget {
    size_t keys = 1'000'000;
    size_t bytes = 32 << 20;
    bool exhausted = false;
  };
  absl::Status ListHost(const std::string& host, const EventQuery& query, size_t limit,
                        Budget* budget, std::vector<v1::StoredEvent>* out) const;

  state::StateStore* const store_;
  const absl::Duration retention_;
};

}  // namespace vigil::events
