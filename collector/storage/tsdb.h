// The collector's time-series store on RocksDB: the series index, chunks of samples
// per series, the hosts that have reported, and each agent run's durable sequence
// high-water mark (which makes resent batches idempotent).
//
// Thread-safe: any number of ingest streams and queries may call it at once.
// Owns the RocksDB instance and its column families.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/series_index.h"
#include "vigil/v1/ingest.pb.h"
#include "vigil/v1/query.pb.h"

namespace vigil::storage {

struct TsdbOptions {
  std::string dir;
  // fsync the RocksDB WAL before a batch is acknowledged (power-loss safe). Off only for
  // benchmarks on throwaway data.
  bool sync_writes = true;
};

// The samples of one series in one ingest batch. Spans point into the caller's batch.
struct SeriesWrite {
  SeriesId id = 0;
  std::span<const int64_t> timestamps_ms;
  std::span<const double> values;
};

// What a committed ingest batch records besides its samples.
struct IngestMark {
  std::string host;
  std::string run_id;
  uint64_t sequence = 0;
  int64_t now_ms = 0;
};

enum class CommitResult { kStored, kDuplicate };

class Tsdb {
 public:
  static absl::StatusOr<std::unique_ptr<Tsdb>> Open(const TsdbOptions& options);
  ~Tsdb();

  SeriesIndex& index() { return *index_; }

  // Registers an agent's hello: creates or updates the host record (facts, version,
  // boot id, peer) and returns the last durable sequence of this run (0 if new).
  absl::StatusOr<uint64_t> RecordHello(const std::string& host, const v1::Hello& hello,
                                       const std::string& peer, int64_t now_ms);

  // Writes the samples, the run's new high-water mark and the host's last-seen time in
  // one atomic RocksDB write, synced if configured. When it returns kStored, the batch is
  // durable and may be acknowledged. kDuplicate: the run's mark is already at or past
  // this sequence (another stream of the same run stored it), nothing was written.
  // Commits of one run are serialized so its mark never goes backwards; different runs
  // commit concurrently (RocksDB groups their syncs). Timestamps within a SeriesWrite
  // must be ascending.
  absl::StatusOr<CommitResult> Commit(std::span<const SeriesWrite> writes, const IngestMark& mark);

  // Appends the samples of `id` with start_ms <= t <= end_ms, ascending, to the vectors.
  // Fails with kResourceExhausted once the vectors would hold more than `max_samples`.
  absl::Status ReadRange(SeriesId id, int64_t start_ms, int64_t end_ms, size_t max_samples,
                         std::vector<int64_t>* timestamps_ms, std::vector<double>* values) const;

  // Every host that ever said hello, sorted by name (connected is left false).
  std::vector<v1::HostInfo> Hosts() const;

 private:
  Tsdb() = default;

  TsdbOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* series_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* chunks_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* hosts_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* ingest_cf_ = nullptr;
  std::unique_ptr<SeriesIndex> index_;

  // The durable high-water mark of each (host, run) seen since start, with a lock that
  // serializes that run's commits. Entries live as long as the Tsdb (one per agent run).
  struct RunMark {
    absl::Mutex mu;
    uint64_t sequence ABSL_GUARDED_BY(mu) = 0;
  };
  // The mark of (host, run), created from the stored value on first use.
  absl::StatusOr<RunMark*> Mark(const std::string& host, const std::string& run_id);
  absl::Mutex marks_mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<RunMark>> marks_ ABSL_GUARDED_BY(marks_mu_);

  mutable absl::Mutex hosts_mu_;
  absl::flat_hash_map<std::string, v1::HostInfo> hosts_ ABSL_GUARDED_BY(hosts_mu_);
};

}  // namespace vigil::storage
