// Batches sampled but not yet acknowledged as durable by the collector, oldest first.
// The transport sends them in order and forgets them when acknowledged; after a
// reconnect it sends again whatever is still here. Bounded by bytes: when full, the
// oldest batch is dropped and its samples counted as lost.
//
// (The on-disk spool that survives an agent restart comes with the spool issue; this
// queue keeps data across collector restarts and network cuts while the agent runs.)
//
// Thread-safe: the sampler pushes, the transport reads and acknowledges.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::agent {

class PendingBatches {
 public:
  explicit PendingBatches(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Assigns the next sequence number to `batch` and queues it.
  void Push(v1::Batch batch);

  // A copy of the oldest batch whose sequence is greater than `after`, waiting up to
  // `timeout` for one to arrive. nullopt on timeout or after Close().
  std::optional<v1::Batch> NextAfter(uint64_t after, absl::Duration timeout);

  // Forgets every batch with sequence <= `sequence`.
  void Acknowledge(uint64_t sequence);

  // Wakes current waiters, which return nullopt (the stream they send on broke).
  void Interrupt();

  // Wakes waiters; NextAfter returns nullopt from now on.
  void Close();

  size_t size() const;
  size_t bytes() const;
  uint64_t dropped_samples() const;
  uint64_t last_sequence() const;

 private:
  struct Entry {
    v1::Batch batch;
    size_t bytes;
    size_t samples;
  };
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t dropped_samples_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t interrupts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vigil::agent
