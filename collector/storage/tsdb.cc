#include "collector/storage/tsdb.h"

#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "collector/storage/chunk_codec.h"
#include "collector/storage/rocksdb_status.h"

namespace vigil::storage {
namespace {

constexpr const char* kSeriesIndexCf = "series_index";
constexpr const char* kChunksCf = "chunks";
constexpr const char* kHostsCf = "hosts";
constexpr const char* kIngestStateCf = "ingest_state";

}  // namespace

absl::StatusOr<std::unique_ptr<Tsdb>> Tsdb::Open(const TsdbOptions& options) {
  std::unique_ptr<Tsdb> tsdb(new Tsdb());
  tsdb->options_ = options;

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;

  rocksdb::ColumnFamilyOptions chunk_options;
  chunk_options.compression = rocksdb::kLZ4Compression;
  chunk_options.bottommost_compression = rocksdb::kZSTD;
  rocksdb::ColumnFamilyOptions plain_options;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, plain_options},
      {kSeriesIndexCf, plain_options},
      {kChunksCf, chunk_options},
      {kHostsCf, plain_options},
      {kIngestStateCf, plain_options},
  };
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir, cfs, &tsdb->handles_, &db);
  if (!s.ok()) return FromRocksDb(s, absl::StrCat("open storage in ", options.dir));
  tsdb->db_.reset(db);
  tsdb->series_cf_ = tsdb->handles_[1];
  tsdb->chunks_cf_ = tsdb->handles_[2];
  tsdb->hosts_cf_ = tsdb->handles_[3];
  tsdb->ingest_cf_ = tsdb->handles_[4];

  absl::StatusOr<std::unique_ptr<SeriesIndex>> index = SeriesIndex::Load(db, tsdb->series_cf_);
  if (!index.ok()) return index.status();
  tsdb->index_ = std::move(*index);

  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), tsdb->hosts_cf_));
  absl::MutexLock lock(&tsdb->hosts_mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::HostInfo info;
    if (!info.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("storage: corrupt host record ", it->key().ToString()));
    }
    info.set_connected(false);
    tsdb->hosts_[info.host()] = std::move(info);
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "storage: load hosts");
  return tsdb;
}

Tsdb::~Tsdb() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::StatusOr<Tsdb::RunMark*> Tsdb::Mark(const std::string& host, const std::string& run_id) {
  const std::string key = IngestStateKey(host, run_id);
  absl::MutexLock lock(&marks_mu_);
  auto it = marks_.find(key);
  if (it != marks_.end()) return it->second.get();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ingest_cf_, key, &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "storage: read ingest state");
  auto mark = std::make_unique<RunMark>();
  if (s.ok() && value.size() == 8) {
    absl::MutexLock mark_lock(&mark->mu);
    mark->sequence = GetBigEndian64(value.data());
  }
  RunMark* raw = mark.get();
  marks_.emplace(key, std::move(mark));
  return raw;
}

absl::StatusOr<uint64_t> Tsdb::RecordHello(const std::string& host, const v1::Hello& hello,
                                           const std::string& peer, int64_t now_ms) {
  absl::StatusOr<RunMark*> mark = Mark(host, hello.run_id());
  if (!mark.ok()) return mark.status();
  uint64_t last = 0;
  {
    absl::MutexLock lock(&(*mark)->mu);
    last = (*mark)->sequence;
  }
  rocksdb::Status s;

  v1::HostInfo info;
  {
    absl::MutexLock lock(&hosts_mu_);
    v1::HostInfo& stored = hosts_[host];
    if (stored.host().empty()) {
      stored.set_host(host);
      stored.set_first_seen_ms(now_ms);
    }
    stored.set_agent_version(hello.agent_version());
    stored.set_boot_id(hello.boot_id());
    *stored.mutable_facts() = hello.facts();
    stored.set_peer_address(peer);
    info = stored;
  }
  s = db_->Put(rocksdb::WriteOptions(), hosts_cf_, host, info.SerializeAsString());
  if (!s.ok()) return FromRocksDb(s, "storage: write host record");
  return last;
}

absl::StatusOr<CommitResult> Tsdb::Commit(std::span<const SeriesWrite> writes,
                                          const IngestMark& mark) {
  absl::StatusOr<RunMark*> run = Mark(mark.host, mark.run_id);
  if (!run.ok()) return run.status();
  absl::MutexLock run_lock(&(*run)->mu);
  if (mark.sequence <= (*run)->sequence) return CommitResult::kDuplicate;
  rocksdb::WriteBatch batch;
  for (const SeriesWrite& w : writes) {
    if (w.timestamps_ms.empty()) continue;
    batch.Put(chunks_cf_, ChunkKey(w.id, w.timestamps_ms.front()),
              EncodePlainChunk(w.timestamps_ms.front(), w.timestamps_ms, w.values));
  }
  std::string seq;
  PutBigEndian64(&seq, mark.sequence);
  batch.Put(ingest_cf_, IngestStateKey(mark.host, mark.run_id), seq);
  {
    absl::MutexLock lock(&hosts_mu_);
    auto it = hosts_.find(mark.host);
    if (it != hosts_.end()) {
      it->second.set_last_seen_ms(mark.now_ms);
      batch.Put(hosts_cf_, mark.host, it->second.SerializeAsString());
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync_writes;
  absl::Status written = FromRocksDb(db_->Write(write_options, &batch), "storage: commit batch");
  if (!written.ok()) return written;
  (*run)->sequence = mark.sequence;
  return CommitResult::kStored;
}

absl::Status Tsdb::ReadRange(SeriesId id, int64_t start_ms, int64_t end_ms, size_t max_samples,
                             std::vector<int64_t>* timestamps_ms,
                             std::vector<double>* values) const {
  const size_t base = timestamps_ms->size();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), chunks_cf_));
  // The chunk that starts at or before start_ms may hold samples inside the range.
  it->SeekForPrev(ChunkKey(id, start_ms));
  SeriesId key_id = 0;
  int64_t chunk_start = 0;
  if (!it->Valid() ||
      !ParseChunkKey(absl::string_view(it->key().data(), it->key().size()), &key_id,
                     &chunk_start) ||
      key_id != id) {
    it->Seek(ChunkKey(id, start_ms));
  }
  std::vector<int64_t> ts;
  std::vector<double> vs;
  bool ordered = true;
  for (; it->Valid(); it->Next()) {
    if (!ParseChunkKey(absl::string_view(it->key().data(), it->key().size()), &key_id,
                       &chunk_start) ||
        key_id != id || chunk_start > end_ms) {
      break;
    }
    ts.clear();
    vs.clear();
    absl::Status decoded = DecodeChunk(
        chunk_start, absl::string_view(it->value().data(), it->value().size()), &ts, &vs);
    if (!decoded.ok()) {
      return absl::DataLossError(
          absl::StrCat("series ", id, " chunk at ", chunk_start, ": ", decoded.message()));
    }
    for (size_t i = 0; i < ts.size(); ++i) {
      if (ts[i] < start_ms || ts[i] > end_ms) continue;
      if (timestamps_ms->size() - base >= max_samples) {
        return absl::ResourceExhaustedError(
            absl::StrCat("the query reads more than ", max_samples,
                         " samples (the query.max_samples limit); narrow the time range"));
      }
      if (timestamps_ms->size() > base && ts[i] <= timestamps_ms->back()) ordered = false;
      timestamps_ms->push_back(ts[i]);
      values->push_back(vs[i]);
    }
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "storage: read chunks");
  if (!ordered) {
    // Chunks that overlap in time (an agent whose clock stepped back): sort by time,
    // keeping the last written value for a repeated timestamp.
    std::vector<size_t> order(timestamps_ms->size() - base);
    std::iota(order.begin(), order.end(), base);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return (*timestamps_ms)[a] < (*timestamps_ms)[b]; });
    std::vector<int64_t> sorted_ts;
    std::vector<double> sorted_vs;
    for (size_t i : order) {
      if (!sorted_ts.empty() && sorted_ts.back() == (*timestamps_ms)[i]) {
        sorted_vs.back() = (*values)[i];
        continue;
      }
      sorted_ts.push_back((*timestamps_ms)[i]);
      sorted_vs.push_back((*values)[i]);
    }
    timestamps_ms->resize(base);
    values->resize(base);
    timestamps_ms->insert(timestamps_ms->end(), sorted_ts.begin(), sorted_ts.end());
    values->insert(values->end(), sorted_vs.begin(), sorted_vs.end());
  }
  return absl::OkStatus();
}

std::vector<v1::HostInfo> Tsdb::Hosts() const {
  std::vector<v1::HostInfo> out;
  {
    absl::MutexLock lock(&hosts_mu_);
    for (const auto& [name, info] : hosts_) out.push_back(info);
  }
  std::sort(out.begin(), out.end(),
            [](const v1::HostInfo& a, const v1::HostInfo& b) { return a.host() < b.host(); });
  return out;
}

}  // namespace vigil::storage
