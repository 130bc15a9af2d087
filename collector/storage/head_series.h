// The in-memory head of one series: the samples of its open chunk window, compressed
// as they arrive (XorAppender: delta-of-delta timestamps, XOR values), plus the late
// samples that arrived after a newer one of the same window (kept sorted, apart, and
// merged when read or sealed).
//
// When the window closes (a sample of a later window arrives, or the series has been
// silent past the window's end) the Tsdb writes its samples as one chunk and the head
// forgets them. `last_wal_seq` is the newest WAL record applied to this series, so a
// replay after a crash applies each record exactly once.
//
// Thread-safety: every member except id() and host() requires `mu`. The Tsdb changes a
// series only while also holding its host's commit lock; readers hold `mu` alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/keys.h"
#include "collector/storage/xor_chunk.h"

namespace vigil::storage {

class HeadSeries {
 public:
  HeadSeries(SeriesId id, std::string host) : id_(id), host_(std::move(host)) {}

  SeriesId id() const { return id_; }
  const std::string& host() const { return host_; }

  mutable absl::Mutex mu;

  bool open() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return chunk_.has_value(); }
  int64_t window_start() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return window_start_; }
  // Newest in-order timestamp of the open window. Requires open().
  int64_t last_timestamp() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  size_t sample_count() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  size_t memory_bytes() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Appends the open window's samples, ascending and unique, to the vectors.
  void Samples(std::vector<int64_t>* timestamps_ms, std::vector<double>* values) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Whether the open window already holds a sample at t (decodes the chunk: for the
  // rare late sample, not the hot path).
  bool Contains(int64_t t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  // Starts a new window (the previous one must have been written or be empty).
  void Open(int64_t window_start) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // t > last_timestamp() (or the window is empty).
  void Append(int64_t t, double v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // window_start() <= t < last_timestamp() and !Contains(t).
  void AddLate(int64_t t, double v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Forgets the open window (after it was written as a chunk).
  void Close() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  uint64_t last_wal_seq ABSL_GUARDED_BY(mu) = 0;

  // The head snapshot record (head CF value): host, window, WAL position, the
  // appender's state and the late samples. Restores in O(1) per series.
  std::string Serialize() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  static absl::StatusOr<std::unique_ptr<HeadSeries>> Deserialize(SeriesId id,
                                                                 absl::string_view bytes);

 private:
  const SeriesId id_;
  const std::string host_;
  int64_t window_start_ ABSL_GUARDED_BY(mu) = 0;
  std::optional<XorAppender> chunk_ ABSL_GUARDED_BY(mu);
  std::vector<std::pair<int64_t, double>> late_ ABSL_GUARDED_BY(mu);  // sorted by time
};

}  // namespace vigil::storage
