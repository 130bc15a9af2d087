// The collector's small, durable state besides the time series: alerts and their
// history, silences, the notification outbox and log. A RocksDB instance of its own
// (<data_dir>/state), so that alerting never waits behind a time-series compaction and
// a time-series problem never loses an acknowledgement.
//
// Keys are one byte naming the keyspace followed by the caller's key; values are the
// caller's bytes. Writes are synced by default: what a caller was told is stored
// survives kill -9 and a power cut.
//
// Thread-safe. Owns the RocksDB instance.
#pragma once

#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::state {

enum class Keyspace : char {
  kAlerts = 'a',     // active alerts: <rule> 0x00 <fingerprint> -> alerts' record
  kHistory = 'h',    // alert transitions: <time ms, big-endian> <alert id> <seq> -> event
  kSilences = 's',   // <silence id> -> silence
  kOutbox = 'o',     // <sequence, big-endian> -> message waiting to be sent
  kNotifyLog = 'n',  // what was sent to whom: <time ms> <sequence> -> entry
  kMeta = 'm',       // counters and keys (e.g. the ack-link key, the next sequence)
  kEvents = 'e',     // agents' events: <host> 0x00 <time ms> <run id> 0x00 <event id> -> Event
};

// One change of a multi-key atomic write.
struct StateWrite {
  Keyspace keyspace;
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

class StateStore {
 public:
  // Creates the directory if needed. Fails with the path and RocksDB's reason.
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& dir);
  ~StateStore();

  absl::Status Put(Keyspace keyspace, absl::string_view key, absl::string_view value,
                   bool sync = true);
  absl::Status Delete(Keyspace keyspace, absl::string_view key, bool sync = true);
  // All of `writes` or none.
  absl::Status Write(const std::vector<StateWrite>& writes, bool sync = true);
  // nullopt when the key is absent.
  absl::StatusOr<std::optional<std::string>> Get(Keyspace keyspace, absl::string_view key) const;
  // Calls `visit(key, value)` for the keys of `keyspace` that start with `prefix`, in
  // key order, from `start_after` (exclusive; "" = from the first) on, until it
  // returns false. Keys are given without the keyspace byte.
  absl::Status Scan(
      Keyspace keyspace, absl::string_view prefix,
      const std::function<bool(absl::string_view key, absl::string_view value)>& visit,
      absl::string_view start_after = "") const;
  // The same newest-first: the keys of `keyspace` below `before` ("" = from the last),
  // in descending order, until `visit` returns false.
  absl::Status ScanBackward(
      Keyspace keyspace,
      const std::function<bool(absl::string_view key, absl::string_view value)>& visit,
      absl::string_view before = "") const;
  // Deletes every key of `keyspace` in [begin, end) (end "" = to the keyspace's end).
  absl::Status DeleteRange(Keyspace keyspace, absl::string_view begin, absl::string_view end);

  const std::string& dir() const { return dir_; }

 private:
  StateStore() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Big-endian, so that RocksDB's byte order is numeric order.
void AppendUint64(std::string* out, uint64_t v);
uint64_t ReadUint64(absl::string_view bytes);  // bytes.size() >= 8

}  // namespace vigil::state
