// The agent's on-disk spool: every batch is appended here before it is sent, and stays
// until the collector acknowledges it as durable, so a collector outage, a network cut
// or an agent restart loses nothing the bounds allow to keep.
//
// A directory of segment files (`<index>.seg`, index increasing; format in
// record_format.h), each holding consecutive batches of one agent run. Batches are
// appended to the newest ("active") segment, which is rotated at `segment_bytes` or
// `segment_span`. A segment is deleted once every batch in it is acknowledged. The
// spool is bounded by bytes and by age: past either bound the oldest segments are
// dropped, and the batches in them that were never acknowledged are reported so they
// can be counted and told to the collector.
//
// At Open() every segment is scanned: torn or corrupt records (a power cut mid-write)
// are skipped and counted, never fatal; a segment whose header is unreadable is set
// aside as `<index>.seg.corrupt`. A lock file keeps a second agent out of the directory.
//
// Not thread-safe: the owner (agent/transport/outbox.h) serializes every call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/spool/record_format.h"
#include "agent/spool/segment_file.h"
#include "common/sequence_set.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::agent::spool {

struct SpoolOptions {
  std::string dir;
  uint64_t max_bytes = 1ull << 30;                     // 1 GiB
  absl::Duration max_age = absl::Hours(7 * 24);        // a week, a national holiday included
  uint64_t segment_bytes = 0;                          // 0: max_bytes / 16, within 16 KiB .. 16 MiB
  absl::Duration segment_span = absl::ZeroDuration();  // 0: max_age / 28, within 1 min .. 6 h
  // How often the active segment is fdatasync'ed (0: after every batch, by Append). What
  // a power cut can take is the batches of the last interval that were not yet
  // acknowledged. The periodic sync is the owner's (a background thread: a slow disk
  // must not hold up sampling), through ActiveWriter().
  absl::Duration sync_interval = absl::Seconds(10);
};

struct SegmentInfo {
  uint64_t index = 0;
  std::string path;
  std::string run_id;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;  // 0 while it holds no record
  uint64_t records = 0;
  uint64_t bytes = 0;  // file size
  int64_t created_ms = 0;
  int64_t oldest_ms = 0;  // tick of its first batch (0: none)
  int64_t newest_ms = 0;  // tick of its last batch
  bool active = false;    // being appended to
};

// Batches dropped from the spool before the collector acknowledged them.
struct DroppedBatches {
  std::string run_id;
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t samples = 0;  // 0 when unknown (records lost to corruption)
};

struct SpoolStats {
  uint64_t bytes = 0;
  uint64_t segments = 0;
  uint64_t records_recovered = 0;  // readable batches found at Open()
  uint64_t corrupt_bytes = 0;      // skipped at Open(): torn tails, corrupt records
  uint64_t corrupt_regions = 0;
  uint64_t segments_set_aside = 0;  // unreadable headers, renamed *.corrupt
  uint64_t segments_dropped = 0;    // by the bounds, since start
  uint64_t segments_released = 0;   // fully acknowledged and deleted, since start
};

class Spool {
 public:
  // The definition of an agent series id of the current run, for the first record of a
  // segment that uses it.
  using DefineFn = std::function<bool(uint64_t series_id, v1::SeriesDefinition* out)>;
  // The acknowledged sequences of a run (nullptr: none known).
  using AckedFn = std::function<const SequenceSet*(const std::string& run_id)>;

  // Creates the directory if needed, takes its lock and scans what earlier runs left.
  // New batches belong to `run_id`. Fails if the directory cannot be created or written,
  // or another process holds the lock.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const SpoolOptions& options,
                                                     std::string run_id);
  ~Spool();

  // Appends a batch of the current run (sequence set, groups at `tick_ms`), adding the
  // definitions of series not yet defined in the active segment. Syncs only when
  // sync_interval is 0. On failure (a full disk, a read-only directory) nothing of the batch
  // is on disk and the error names the file.
  absl::Status Append(const v1::Batch& batch, int64_t tick_ms, const DefineFn& define,
                      int64_t now_ms);
  // fdatasync of the active segment, if anything is unsynced.
  absl::Status Sync();
  // The active segment's writer (null if none), for a background Sync() outside the
  // owner's lock; it stays valid after a rotation (the file is then closed with it).
  std::shared_ptr<SegmentWriter> ActiveWriter() const { return writer_; }

  // Deletes the segments (not the active one) whose batches are all acknowledged.
  void Release(const AckedFn& acked);
  // Drops the oldest segments while the spool is over max_bytes, or their newest batch
  // is older than max_age; returns the unacknowledged batches they held.
  std::vector<DroppedBatches> EnforceBounds(int64_t now_ms, const AckedFn& acked);

  // Sequences found missing at Open() (records lost to corruption between readable
  // ones), reported once so the collector can stop waiting for them.
  std::vector<DroppedBatches> TakeRecoveryGaps() { return std::move(recovery_gaps_); }

  // Oldest first.
  const std::vector<SegmentInfo>& segments() const { return segments_; }
  // Runs other than the current one that still have segments, oldest first.
  std::vector<std::string> BacklogRuns() const;
  const std::string& run_id() const { return run_id_; }
  const SpoolOptions& options() const { return options_; }
  SpoolStats stats() const;

 private:
  Spool(SpoolOptions options, std::string run_id, int lock_fd);
  absl::Status Recover();
  absl::Status Rotate(uint64_t first_sequence, int64_t now_ms);
  void Remove(size_t i);
  // Counts the unacknowledged batches of segment `i` into ranges.
  std::vector<DroppedBatches> Unacknowledged(const SegmentInfo& segment, const AckedFn& acked);

  const SpoolOptions options_;
  const std::string run_id_;
  const int lock_fd_;
  std::vector<SegmentInfo> segments_;
  std::shared_ptr<SegmentWriter> writer_;  // of segments_.back() when it is active
  absl::flat_hash_set<uint64_t> defined_in_segment_;
  // Append's state and buffers, kept from batch to batch.
  RecordEncoder encoder_;
  std::string batch_bytes_;
  std::string record_;
  uint64_t next_index_ = 1;
  std::vector<DroppedBatches> recovery_gaps_;
  SpoolStats stats_;
};

// Samples in a batch (every group's values), as the spool's and outbox's counts use.
size_t BatchSamples(const v1::Batch& batch);

// Deterministic derived sizes (exposed for tests and the README).
uint64_t SegmentBytes(const SpoolOptions& options);
absl::Duration SegmentSpan(const SpoolOptions& options);

}  // namespace vigil::agent::spool
