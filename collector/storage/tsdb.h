// The collector's time-series store on RocksDB.
//
// Samples enter the in-memory head (head_series.h: one open, compressed chunk window
// per series) and leave it as one RocksDB value per (series, window) when the window
// closes, together with their 1-minute and 1-hour rollups (window_writer.h). Every
// commit writes, in one synced RocksDB write: a WAL record of what entered the head,
// the chunks it closed, and the agent run's durable sequence set. So whatever was
// acknowledged survives kill -9: at open, the last head snapshot (Maintain() writes one
// every few minutes) plus the WAL records after it rebuild the head exactly.
//
// Samples older than the series' open window go straight into their window's chunk
// (merged with what is stored); samples older than the raw retention, or too far in
// the future, are refused and counted; a sample at a timestamp already stored is a
// duplicate and dropped.
//
// Thread-safe: any number of ingest streams and queries may call it at once. Commits of
// one host are serialized (one agent's stream at a time in practice); different hosts
// commit concurrently and RocksDB groups their syncs. Owns the RocksDB instance.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/head.h"
#include "collector/storage/retention.h"
#include "collector/storage/rollup.h"
#include "collector/storage/series_index.h"
#include "collector/storage/series_write.h"
#include "collector/storage/tsdb_options.h"
#include "collector/storage/window_writer.h"
#include "common/sequence_set.h"
#include "vigil/v1/ingest.pb.h"
#include "vigil/v1/query.pb.h"

namespace vigil::storage {

// What a committed ingest batch records besides its samples.
struct IngestMark {
  std::string host;
  std::string run_id;
  uint64_t sequence = 0;  // first sequence the batch covers
  int64_t now_ms = 0;
  uint64_t last_sequence = 0;  // last sequence it covers (inclusive); 0 = sequence
};

// How many ranges a run's durable sequence set may hold above its high-water mark.
// An agent's backlog replay makes one or two; more means a misbehaving agent.
inline constexpr size_t kMaxSequenceRanges = 1024;

// What raw reads decoded, for a caller's cost accounting: a read adds to it. A chunk
// is decoded whole and the head's open window is copied whole, so a read of one
// sample can decode hundreds.
struct ReadCost {
  size_t samples_decoded = 0;  // chunk samples decoded plus head samples copied
  size_t chunks_decoded = 0;
};

struct CommitResult {
  // Every sequence of the batch was already durable (a resend, or another stream of
  // the same run stored it): nothing was written.
  bool duplicate_batch = false;
  uint64_t durable_through = 0;  // the run's high-water mark after the commit
  uint32_t stored = 0;           // into the head or straight into chunks
  uint32_t backfilled = 0;       // of `stored`: older than the open window, written to chunks
  uint32_t duplicates = 0;       // samples at a timestamp already stored, dropped
  uint32_t too_old = 0;          // older than the raw retention, refused
  uint32_t too_new = 0;          // further ahead of the collector's clock than allowed, refused
};

// Counters since open, for the collector's own metrics. Relaxed atomics.
struct TsdbCounters {
  std::atomic<uint64_t> samples_stored{0};
  std::atomic<uint64_t> samples_backfilled{0};
  std::atomic<uint64_t> samples_duplicate{0};
  std::atomic<uint64_t> samples_too_old{0};
  std::atomic<uint64_t> samples_too_new{0};
  std::atomic<uint64_t> chunks_written{0};
  std::atomic<uint64_t> samples_in_chunks{0};
  std::atomic<uint64_t> minute_points{0};        // 1-minute rollup points written
  std::atomic<uint64_t> hour_points{0};          // 1-hour rollup points written (or rewritten)
  std::atomic<uint64_t> records_quarantined{0};  // undecodable records set aside
  std::atomic<uint64_t> wal_records{0};
  std::atomic<uint64_t> wal_bytes{0};
  std::atomic<uint64_t> head_snapshots{0};
  std::atomic<uint64_t> series_evicted{0};
  std::atomic<int64_t> last_snapshot_ms{0};   // duration of the last head snapshot
  std::atomic<int64_t> recovery_ms{0};        // time Open() took to rebuild the head
  std::atomic<uint64_t> replayed_records{0};  // WAL records replayed at open
  std::atomic<uint64_t> replayed_samples{0};
};

class Tsdb {
 public:
  static absl::StatusOr<std::unique_ptr<Tsdb>> Open(const TsdbOptions& options);
  // Writes a head snapshot (so the next start replays little) and closes RocksDB.
  ~Tsdb();

  SeriesIndex& index() { return *index_; }
  const SeriesIndex& index() const { return *index_; }
  const TsdbOptions& options() const { return options_; }
  const TsdbCounters& counters() const { return counters_; }

  // Registers an agent's hello: creates or updates the host record (facts, version,
  // boot id, peer) and returns the durable sequences of this run (empty if new).
  absl::StatusOr<SequenceSet> RecordHello(const std::string& host, const v1::Hello& hello,
                                          const std::string& peer, int64_t now_ms);
  // The durable sequences of one run of `host` (empty if unknown).
  absl::StatusOr<SequenceSet> RunProgress(const std::string& host, const std::string& run_id);

  // Stores one ingest batch: samples, the run's durable sequence set with the batch's
  // sequences added, and the host's last-seen time, in one atomic RocksDB write, synced
  // if configured. When it returns (not a duplicate batch), the batch is durable and
  // may be acknowledged. A batch whose sequences are partly durable is stored (its
  // samples already stored are dropped as duplicates). kFailedPrecondition if the set
  // would exceed kMaxSequenceRanges. Every write's timestamps must be strictly
  // ascending; all writes are of series of `mark.host`.
  absl::StatusOr<CommitResult> Commit(std::span<const SeriesWrite> writes, const IngestMark& mark);

  // Appends the raw samples of `id` with start_ms <= t <= end_ms, ascending, head and
  // chunks merged, and adds what it decoded to `*cost` if given (also when it fails).
  // kResourceExhausted once more than `max_samples` samples would be decoded (those of
  // the chunks overlapping the range and of the head's window, kept or not), and then
  // appends nothing.
  absl::Status ReadRange(SeriesId id, int64_t start_ms, int64_t end_ms, size_t max_samples,
                         std::vector<int64_t>* timestamps_ms, std::vector<double>* values,
                         ReadCost* cost = nullptr) const;

  // Appends the 1-minute or 1-hour points of `id` whose bucket starts in
  // [start_ms, end_ms], ascending, including what the head holds. kResourceExhausted past
  // `max_points`.
  absl::Status ReadRollups(SeriesId id, Resolution resolution, int64_t start_ms, int64_t end_ms,
                           size_t max_points, std::vector<RollupPoint>* points) const;

  // Periodic work, called every few seconds by the server (and by tests with an
  // injected clock): writes the windows of series silent past their window's end and
  // drops those series from memory, and snapshots the head when it is due.
  absl::Status Maintain();
  // Writes every series' head to the head column family and trims the WAL before it.
  absl::Status SnapshotHead();
  // Compacts every column family now, which also drops expired data (tests, benchmarks,
  // `vigilctl` maintenance); normally RocksDB's own compactions do it.
  absl::Status CompactAll();

  // How long a resolution is kept, and the oldest time still served (now - that).
  int64_t RetentionMs(Resolution resolution) const;
  int64_t RetentionCutoff(Resolution resolution) const;

  // Bytes on disk (SST files) of the column family holding a resolution.
  uint64_t DiskBytes(Resolution resolution) const;
  // A RocksDB integer property (e.g. "rocksdb.estimate-pending-compaction-bytes"), summed
  // over all column families, or of the default one for DB-wide properties; 0 if unknown.
  uint64_t RocksDbProperty(const std::string& property, bool sum = true) const;
  // Bytes of WAL not yet covered by a head snapshot (the wal column family plus its
  // memtable) and of RocksDB's own log files.
  uint64_t WalBytes() const;
  size_t HeadSeriesCount() const { return head_.size(); }

  // Every host that ever said hello, sorted by name (connected is left false).
  std::vector<v1::HostInfo> Hosts() const;

 private:
  Tsdb() = default;

  // What one commit (or one replayed WAL record) does to one series' head.
  struct SeriesPlan {
    std::shared_ptr<HeadSeries> series;
    bool reopen = false;  // the open window closes; a new one starts at `window`
    int64_t window = 0;
    std::vector<int64_t> ts;  // samples that enter the head, ascending
    std::vector<double> vs;
  };
  // Per-host commit state: serializes the host's commits and sweeps, and holds the
  // durable sequence mark of each of its agent runs.
  struct HostState {
    explicit HostState(std::string n) : name(std::move(n)) {}
    const std::string name;
    absl::Mutex mu;
    absl::flat_hash_map<std::string, SequenceSet> run_sequences ABSL_GUARDED_BY(mu);
    // Scratch of Commit, kept to reuse its buffers.
    std::vector<SeriesPlan> plans ABSL_GUARDED_BY(mu);
    std::vector<SeriesWrite> wal ABSL_GUARDED_BY(mu);
  };
  HostState* HostStateOf(const std::string& host);
  absl::StatusOr<SequenceSet*> RunSequence(HostState* host, const std::string& run_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(host->mu);

  // Classifies `w`'s samples against the series' head; writes backfilled and closed
  // windows through `writer`; fills `plan` with what enters the head. `live`: a commit
  // (refusals by the clock apply); otherwise a WAL replay (deterministic, no clock).
  absl::Status PlanSeries(const std::shared_ptr<HeadSeries>& series, const SeriesWrite& w,
                          bool live, int64_t now_ms, WindowWriter* writer, CommitResult* result,
                          SeriesPlan* plan);
  // Writes ascending samples straight into their chunk windows (each merged with what
  // is stored), adding to result's stored and duplicate counts; returns how many were new.
  absl::StatusOr<size_t> WriteWindows(SeriesId id, std::span<const int64_t> ts,
                                      std::span<const double> vs, WindowWriter* writer,
                                      CommitResult* result);
  static void ApplyPlan(const SeriesPlan& plan, uint64_t wal_seq);
  void CountWrites(const WindowWriter& writer);

  absl::Status OpenRocksDb();
  absl::Status LoadHosts();
  absl::Status RecoverHead();
  absl::Status WriteBatch(rocksdb::WriteBatch* batch, bool sync, absl::string_view what);
  const RetentionFilter& FilterOf(Resolution resolution) const;

  TsdbOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* series_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* hosts_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* ingest_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* head_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* wal_cf_ = nullptr;
  ChunkColumns columns_;
  std::unique_ptr<RetentionFilter> raw_filter_, minute_filter_, hour_filter_;
  std::unique_ptr<SeriesIndex> index_;
  Head head_;
  TsdbCounters counters_;

  // Commits hold it shared from taking a WAL sequence until their head is updated; a
  // snapshot takes it exclusively for an instant to read a sequence that every applied
  // record is below.
  absl::Mutex snapshot_mu_;
  std::atomic<uint64_t> next_wal_seq_{1};
  absl::Mutex maintain_mu_;         // one Maintain at a time
  absl::Mutex snapshot_writer_mu_;  // one SnapshotHead at a time (the WAL trim is ordered)
  int64_t last_snapshot_at_ms_ ABSL_GUARDED_BY(maintain_mu_) = 0;

  absl::Mutex host_states_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<HostState>> host_states_
      ABSL_GUARDED_BY(host_states_mu_);

  mutable absl::Mutex hosts_mu_;
  absl::flat_hash_map<std::string, v1::HostInfo> hosts_ ABSL_GUARDED_BY(hosts_mu_);
};

}  // namespace vigil::storage
