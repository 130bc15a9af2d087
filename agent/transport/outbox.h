// Every batch the agent samples, from the moment it is taken until the collector
// acknowledges it as durable: the on-disk spool (agent/spool/spool.h) plus what is kept
// in memory (the youngest batches, and all batches while the spool cannot be written).
//
// The sampler pushes; the transport (collector_link.h) runs one stream at a time and
// asks Next() what to send:
//   1. drop notices (sequences the agent lost to a bound: the collector stops waiting),
//   2. live batches, younger than `live_window`, oldest first: the present is never
//      stuck behind a backlog;
//   3. the backlog: every other unacknowledged batch, oldest run and sequence first,
//      consecutive batches packed into one message of up to `replay_message_bytes`,
//      with at most `replay_window` such messages unacknowledged at a time, so a live
//      batch waits behind at most that much replay.
// Acknowledgements may arrive in any order; each run's acknowledged sequences are a
// SequenceSet. A spool segment whose batches are all acknowledged is deleted.
//
// A spool that cannot be opened or written (no directory, read-only, full disk) is an
// error logged once a minute and counted; the batches then stay in memory (up to
// `memory_max_bytes`, oldest dropped and counted beyond), are sent live as usual, and
// the spool is tried again every `spool_retry`.
//
// The spool's active segment is fdatasync'ed every `spool.sync_interval` by the
// Outbox's own thread, outside its lock: a disk slow to sync (a busy database server)
// delays neither sampling nor sending.
//
// Thread-safe: one sampling thread pushes, the transport's sender calls Next() and its
// reader Acknowledge(), the self-metrics read stats().
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "agent/series_registry.h"
#include "agent/spool/segment_file.h"
#include "agent/spool/spool.h"
#include "common/clock.h"
#include "common/sequence_set.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::agent {

struct OutboxOptions {
  spool::SpoolOptions spool;  // dir "": no spool, memory only
  size_t memory_max_bytes = 8 << 20;
  absl::Duration live_window = absl::Seconds(10);
  size_t replay_message_bytes = 1 << 20;
  size_t replay_window = 2;
  absl::Duration spool_retry = absl::Seconds(30);
};

struct OutboxStats {
  bool spool_ok = false;
  uint64_t spool_bytes = 0;
  uint64_t spool_segments = 0;
  double spool_oldest_seconds = 0;  // age of the oldest batch held on disk
  uint64_t spool_write_errors = 0;
  uint64_t spool_corrupt_bytes = 0;  // torn or corrupt bytes skipped (at start and replay)
  uint64_t memory_bytes = 0;         // batches held in memory only
  uint64_t unacknowledged = 0;       // batches not yet acknowledged
  double backlog_age_seconds = 0;    // age of the oldest of them (0: none)
  uint64_t samples_dropped = 0;      // lost to a bound (spool or memory)
  uint64_t batches_sent = 0;         // live
  uint64_t batches_resent = 0;       // as backlog (after a reconnect, or from a spool)
  double send_lag_seconds = 0;       // tick to acknowledgement, last live batch
  double clock_offset_seconds = 0;   // collector clock minus ours
  bool clock_offset_known = false;
};

class Outbox {
 public:
  // Does not own registry or clock. `run_id` names this process's batches.
  Outbox(OutboxOptions options, std::string run_id, const SeriesRegistry* registry,
         const Clock* clock);
  ~Outbox();

  // Sampler: numbers the batch (its sequence), spools it (or keeps it in memory) and
  // wakes the transport.
  void Push(v1::Batch batch, int64_t tick_ms);
  // Sampler at exit: makes what is spooled durable.
  void Sync();

  // Transport: runs whose backlog is in the spool (for Hello.backlog_run_ids).
  std::vector<std::string> BacklogRuns() const;
  // Transport: a stream was established; `ack` says how far each run is durable.
  // `hello_sent_ms` is when the hello left (for the clock offset).
  void StartStream(const v1::HelloAck& ack, int64_t hello_sent_ms);
  // Transport: the next message to send on the stream, waiting up to `timeout`;
  // nullopt on timeout, Interrupt() or Close().
  std::optional<v1::Batch> Next(absl::Duration timeout);
  // Transport's reader: the collector acknowledged a message.
  void Acknowledge(const v1::BatchAck& ack);
  // Wakes a waiting Next() (the stream broke, or the link stops).
  void Interrupt();
  // Next() returns nullopt from now on.
  void Close();

  // True once nothing sent live is waiting for an acknowledgement (for a flush at exit).
  bool LiveDrained() const;
  OutboxStats stats() const;
  const std::string& run_id() const { return run_id_; }

 private:
  struct Entry {
    uint64_t sequence = 0;
    int64_t tick_ms = 0;
    size_t bytes = 0;
    size_t samples = 0;
    bool spooled = false;
    v1::Batch batch;
  };
  struct Notice {
    spool::DroppedBatches dropped;
    bool sent = false;  // on the current stream
  };
  struct InFlight {
    std::string run;  // "" = current
    uint64_t first = 0;
    uint64_t last = 0;
    int64_t tick_ms = 0;
    int64_t sent_ms = 0;
    bool backlog = false;
  };
  // What a backlog message will hold, decided under the lock, read from disk without it.
  struct DiskPlan {
    std::string run;
    spool::SegmentInfo segment;
    uint64_t first = 0;
    uint64_t last_allowed = 0;  // before the next handled sequence
  };

  void TryOpenSpool(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunSyncer();
  void KeepInMemory(std::shared_ptr<const Entry> entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordDropped(const spool::DroppedBatches& dropped) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseAcknowledged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first sequence of `run` at or after its backlog position that is neither
  // acknowledged nor sent on this stream; > RunMax(run) if none.
  uint64_t FirstUnhandled(const std::string& run) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t RunMax(const std::string& run) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> RunsInOrder() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Entry* FindInMemory(uint64_t sequence) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<v1::Batch> NextNotice() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<v1::Batch> NextLive(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A backlog message from memory, or a plan to read one from disk.
  std::optional<v1::Batch> NextBacklogFromMemory(std::optional<DiskPlan>* plan)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWork(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether anything but live batches is left to send.
  bool BacklogLeft(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Acknowledge() under the lock; true when this acknowledgement finished a replay.
  bool AcknowledgeLocked(const v1::BatchAck& ack, int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads consecutive batches of `plan` from disk into one message; called without mu_.
  v1::Batch ReadFromDisk(const DiskPlan& plan, uint64_t* missing_from, uint64_t* missing_to);
  void AddDefinitions(const std::string& run, v1::Batch* message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MarkSent(const std::string& run, uint64_t first, uint64_t last, int64_t tick_ms,
                bool backlog) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const OutboxOptions options_;
  const std::string run_id_;
  const SeriesRegistry* const registry_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  std::unique_ptr<spool::Spool> spool_ ABSL_GUARDED_BY(mu_);
  int64_t spool_retry_at_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_spool_error_log_ms_ ABSL_GUARDED_BY(mu_) = INT64_MIN / 2;
  std::string last_spool_error_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<std::shared_ptr<const Entry>> recent_ ABSL_GUARDED_BY(mu_);  // live window
  std::deque<std::shared_ptr<const Entry>> memory_ ABSL_GUARDED_BY(mu_);  // not spooled
  size_t memory_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Acknowledged (or given up) sequences per run; the current run's key is run_id_.
  absl::flat_hash_map<std::string, SequenceSet> acked_ ABSL_GUARDED_BY(mu_);
  std::deque<Notice> notices_ ABSL_GUARDED_BY(mu_);

  // The current stream.
  bool streaming_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, SequenceSet> sent_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> position_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> defined_ ABSL_GUARDED_BY(mu_);
  std::deque<InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
  size_t backlog_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t interrupts_ ABSL_GUARDED_BY(mu_) = 0;

  // Replay reading, by the transport's sender thread, outside mu_ (reader_mu_ guards
  // these against a misuse from two threads; it is never contended).
  struct HeldRecord {
    size_t bytes = 0;
    v1::Batch batch;
  };
  absl::Mutex reader_mu_;
  std::unique_ptr<spool::SegmentReader> reader_;
  uint64_t reader_segment_ = 0;
  uint64_t reader_last_sequence_ = 0;  // of the last record read
  std::optional<HeldRecord> held_;     // read, not yet sent (did not fit a message)
  absl::flat_hash_map<uint64_t, v1::SeriesDefinition> reader_definitions_;  // earlier runs

  absl::Notification stop_syncer_;
  std::thread syncer_;  // started last in the constructor

  // Counters.
  uint64_t spool_write_errors_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t samples_dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t batches_sent_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t batches_resent_ ABSL_GUARDED_BY(mu_) = 0;
  double send_lag_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  double clock_offset_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  bool clock_offset_known_ ABSL_GUARDED_BY(mu_) = false;
  int64_t best_offset_rtt_ms_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  int64_t best_offset_at_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // Earlier runs found in the spool at start, and the last sequence of each.
  absl::flat_hash_map<std::string, uint64_t> run_max_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil::agent
