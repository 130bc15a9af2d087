#include "collector/storage/tsdb.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "collector/storage/rocksdb_status.h"
#include "collector/storage/sample_merge.h"
#include "collector/storage/wal_record.h"
#include "collector/storage/window.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::storage {
namespace {

constexpr const char* kSeriesIndexCf = "series_index";
constexpr const char* kChunksCf = "chunks";
constexpr const char* kHostsCf = "hosts";
constexpr const char* kIngestStateCf = "ingest_state";
constexpr const char* kRollup1mCf = "rollup_1m";
constexpr const char* kRollup1hCf = "rollup_1h";
constexpr const char* kHeadCf = "head";
constexpr const char* kWalCf = "wal";

// Chunk and 1-minute records cover at most an hour from their key time (a window); a
// 1-hour record covers a UTC day.
constexpr int64_t kMaxWindowMs = kHourMs;

}  // namespace

absl::StatusOr<std::unique_ptr<Tsdb>> Tsdb::Open(const TsdbOptions& options) {
  if (options.chunk_span_ms < kMinuteMs || options.chunk_span_ms % kMinuteMs != 0 ||
      kHourMs % options.chunk_span_ms != 0) {
    return absl::InvalidArgumentError(
        "storage: chunk_span must be a whole number of minutes that divides an hour");
  }
  const absl::Time started = absl::Now();
  std::unique_ptr<Tsdb> tsdb(new Tsdb());
  tsdb->options_ = options;
  const RetentionOptions& r = options.retention;
  tsdb->raw_filter_ =
      std::make_unique<RetentionFilter>(options.clock, r.raw_ms, kMaxWindowMs, "vigil.raw");
  tsdb->minute_filter_ =
      std::make_unique<RetentionFilter>(options.clock, r.minute_ms, kMaxWindowMs, "vigil.1m");
  tsdb->hour_filter_ =
      std::make_unique<RetentionFilter>(options.clock, r.hour_ms, kDayMs, "vigil.1h");
  VIGIL_RETURN_IF_ERROR(tsdb->OpenRocksDb());
  VIGIL_ASSIGN_OR_RETURN(tsdb->index_, SeriesIndex::Load(tsdb->db_.get(), tsdb->series_cf_));
  VIGIL_RETURN_IF_ERROR(tsdb->LoadHosts());
  VIGIL_RETURN_IF_ERROR(tsdb->RecoverHead());
  tsdb->counters_.recovery_ms = absl::ToInt64Milliseconds(absl::Now() - started);
  {
    absl::MutexLock lock(&tsdb->maintain_mu_);
    tsdb->last_snapshot_at_ms_ = options.clock->NowMs();
  }
  return tsdb;
}

absl::Status Tsdb::OpenRocksDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // Bounds RocksDB's own log: column families with old data in it are flushed.
  db_options.max_total_wal_size = 512 << 20;

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  auto table = [&](size_t block_size) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    t.block_size = block_size;
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    t.format_version = 5;
    return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(t));
  };
  // Time-series column families: large blocks of one series' consecutive chunks
  // compress well with zstd; expired records drop during compaction.
  auto series_data = [&](const rocksdb::CompactionFilter* filter) {
    rocksdb::ColumnFamilyOptions o;
    o.table_factory = table(64 << 10);
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kZSTD;
    o.compaction_filter = filter;
    o.level_compaction_dynamic_level_bytes = true;
    // Every file is rewritten (and its expired records dropped) at least weekly.
    o.periodic_compaction_seconds = 7 * 86400;
    return o;
  };
  rocksdb::ColumnFamilyOptions plain;
  plain.table_factory = table(16 << 10);
  rocksdb::ColumnFamilyOptions wal = plain;
  wal.write_buffer_size = 64 << 20;
  wal.compression = rocksdb::kNoCompression;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, plain},
      {kSeriesIndexCf, plain},
      {kChunksCf, series_data(raw_filter_.get())},
      {kHostsCf, plain},
      {kIngestStateCf, plain},
      {kRollup1mCf, series_data(minute_filter_.get())},
      {kRollup1hCf, series_data(hour_filter_.get())},
      {kHeadCf, plain},
      {kWalCf, wal},
  };
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options_.dir, cfs, &handles_, &db);
  if (!s.ok()) return FromRocksDb(s, absl::StrCat("open storage in ", options_.dir));
  db_.reset(db);
  series_cf_ = handles_[1];
  columns_.db = db;
  columns_.quarantine = handles_[0];
  columns_.chunks = handles_[2];
  hosts_cf_ = handles_[3];
  ingest_cf_ = handles_[4];
  columns_.rollup_1m = handles_[5];
  columns_.rollup_1h = handles_[6];
  head_cf_ = handles_[7];
  wal_cf_ = handles_[8];
  return absl::OkStatus();
}

absl::Status Tsdb::LoadHosts() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), hosts_cf_));
  absl::MutexLock lock(&hosts_mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::HostInfo info;
    if (!info.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("storage: corrupt host record ", it->key().ToString()));
    }
    info.set_connected(false);
    hosts_[info.host()] = std::move(info);
  }
  return FromRocksDb(it->status(), "storage: load hosts");
}

Tsdb::~Tsdb() {
  if (db_ == nullptr) return;
  if (options_.snapshot_on_close) {
    absl::Status snapshot = SnapshotHead();
    (void)snapshot;  // the WAL still holds everything; the next start replays more
  }
  for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

absl::Status Tsdb::WriteBatch(rocksdb::WriteBatch* batch, bool sync, absl::string_view what) {
  rocksdb::WriteOptions write_options;
  write_options.sync = sync && options_.sync_writes;
  return FromRocksDb(db_->Write(write_options, batch), absl::StrCat("storage: ", what));
}

Tsdb::HostState* Tsdb::HostStateOf(const std::string& host) {
  absl::MutexLock lock(&host_states_mu_);
  std::unique_ptr<HostState>& state = host_states_[host];
  if (state == nullptr) state = std::make_unique<HostState>(host);
  return state.get();
}

absl::StatusOr<SequenceSet*> Tsdb::RunSequence(HostState* host, const std::string& run_id) {
  auto it = host->run_sequences.find(run_id);
  if (it != host->run_sequences.end()) return &it->second;
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), ingest_cf_, IngestStateKey(host->name, run_id), &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "storage: read ingest state");
  SequenceSet stored;
  if (s.ok()) {
    absl::StatusOr<SequenceSet> decoded = SequenceSet::Decode(value);
    if (!decoded.ok()) {
      // Nothing better is known: a resend of what it covered is stored again (its
      // samples then count as duplicates), nothing is lost.
      LogError("storage: ingest state of ", host->name, " run ", run_id, ": ",
               decoded.status().message(), "; starting the run's sequence set afresh");
    } else {
      stored = *std::move(decoded);
    }
  }
  return &host->run_sequences.emplace(run_id, std::move(stored)).first->second;
}

absl::StatusOr<SequenceSet> Tsdb::RunProgress(const std::string& host, const std::string& run_id) {
  HostState* state = HostStateOf(host);
  absl::MutexLock lock(&state->mu);
  VIGIL_ASSIGN_OR_RETURN(SequenceSet * sequences, RunSequence(state, run_id));
  return *sequences;
}

absl::StatusOr<SequenceSet> Tsdb::RecordHello(const std::string& host, const v1::Hello& hello,
                                              const std::string& peer, int64_t now_ms) {
  VIGIL_ASSIGN_OR_RETURN(SequenceSet last, RunProgress(host, hello.run_id()));
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
  rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), hosts_cf_, host, info.SerializeAsString());
  if (!s.ok()) return FromRocksDb(s, "storage: write host record");
  return last;
}

absl::Status Tsdb::PlanSeries(const std::shared_ptr<HeadSeries>& series, const SeriesWrite& w,
                              bool live, int64_t now_ms, WindowWriter* writer, CommitResult* result,
                              SeriesPlan* plan) {
  const int64_t span = options_.chunk_span_ms;
  plan->series = series;
  plan->reopen = false;
  plan->ts.clear();
  plan->vs.clear();

  absl::MutexLock lock(&series->mu);
  const bool open = series->open();
  const int64_t open_window = open ? series->window_start() : 0;
  const int64_t last = open ? series->last_timestamp() : 0;
  const int64_t oldest = live ? now_ms - options_.retention.raw_ms : INT64_MIN;
  const int64_t newest = live ? now_ms + options_.max_future_ms : INT64_MAX;
  // A fresh head takes only windows the sweep would not close at once (it closes a window
  // that ended a whole span ago); older samples go straight to their chunks, merged with
  // what is stored there. So a commit never opens a window that is also on disk: a sample
  // that an earlier close (say, before the series fell silent) wrote is a duplicate.
  const int64_t head_from =
      open ? open_window : (live ? AlignDown(now_ms - span, span) : INT64_MIN);

  size_t i = 0;
  const size_t n = w.timestamps_ms.size();
  // Refused and backfilled samples: everything before the head's window.
  std::vector<int64_t> back_ts;
  std::vector<double> back_vs;
  for (; i < n && w.timestamps_ms[i] < head_from; ++i) {
    const int64_t t = w.timestamps_ms[i];
    if (t < oldest) {
      ++result->too_old;
      continue;
    }
    back_ts.push_back(t);
    back_vs.push_back(w.values[i]);
  }
  VIGIL_ASSIGN_OR_RETURN(size_t backfilled,
                         WriteWindows(series->id(), back_ts, back_vs, writer, result));
  result->backfilled += backfilled;

  // The rest enters the head, window by window; all but the last window close now.
  size_t end = n;
  while (end > i && w.timestamps_ms[end - 1] > newest) {
    --end;
    ++result->too_new;
  }
  if (i == end) return absl::OkStatus();
  const int64_t last_window = AlignDown(w.timestamps_ms[end - 1], span);
  if (open && last_window > open_window) {
    // The open window closes with its samples and this batch's samples of it.
    std::vector<int64_t> ts;
    std::vector<double> vs;
    series->Samples(&ts, &vs);
    std::vector<int64_t> add_ts, merged_ts;
    std::vector<double> add_vs, merged_vs;
    for (; i < end && w.timestamps_ms[i] < open_window + span; ++i) {
      add_ts.push_back(w.timestamps_ms[i]);
      add_vs.push_back(w.values[i]);
    }
    const size_t head_dups = MergeSamples(ts, vs, add_ts, add_vs, &merged_ts, &merged_vs);
    VIGIL_ASSIGN_OR_RETURN(size_t dups,
                           writer->Write(series->id(), open_window, merged_ts, merged_vs));
    (void)dups;  // the head's own samples, already counted when they arrived
    result->duplicates += head_dups;
    result->stored += add_ts.size() - head_dups;
  }
  if (!open || last_window > open_window) {
    // Whole windows inside this batch close now too; the last one opens.
    const size_t last_begin = static_cast<size_t>(
        std::lower_bound(w.timestamps_ms.begin() + i, w.timestamps_ms.begin() + end, last_window) -
        w.timestamps_ms.begin());
    VIGIL_RETURN_IF_ERROR(WriteWindows(series->id(), w.timestamps_ms.subspan(i, last_begin - i),
                                       w.values.subspan(i, last_begin - i), writer, result)
                              .status());
    i = last_begin;
    plan->reopen = true;
    plan->window = last_window;
    plan->ts.assign(w.timestamps_ms.begin() + i, w.timestamps_ms.begin() + end);
    plan->vs.assign(w.values.begin() + i, w.values.begin() + end);
    result->stored += end - i;
    return absl::OkStatus();
  }
  // Same window: in-order samples append; late ones are kept unless already there.
  plan->window = open_window;
  for (; i < end; ++i) {
    const int64_t t = w.timestamps_ms[i];
    if (t <= last && series->Contains(t)) {
      ++result->duplicates;
      continue;
    }
    plan->ts.push_back(t);
    plan->vs.push_back(w.values[i]);
  }
  // Late samples must also be unique among themselves: ascending input guarantees it.
  result->stored += plan->ts.size();
  return absl::OkStatus();
}

absl::StatusOr<size_t> Tsdb::WriteWindows(SeriesId id, std::span<const int64_t> ts,
                                          std::span<const double> vs, WindowWriter* writer,
                                          CommitResult* result) {
  const int64_t span = options_.chunk_span_ms;
  size_t stored = 0;
  for (size_t b = 0; b < ts.size();) {
    const int64_t window = AlignDown(ts[b], span);
    size_t e = b;
    while (e < ts.size() && ts[e] < window + span) ++e;
    VIGIL_ASSIGN_OR_RETURN(size_t dups,
                           writer->Write(id, window, ts.subspan(b, e - b), vs.subspan(b, e - b)));
    result->duplicates += dups;
    stored += (e - b) - dups;
    b = e;
  }
  result->stored += stored;
  return stored;
}

void Tsdb::ApplyPlan(const SeriesPlan& plan, uint64_t wal_seq) {
  HeadSeries& series = *plan.series;
  absl::MutexLock lock(&series.mu);
  if (plan.reopen) {
    series.Close();
    series.Open(plan.window);
  }
  for (size_t i = 0; i < plan.ts.size(); ++i) {
    if (series.sample_count() == 0 || plan.ts[i] > series.last_timestamp()) {
      series.Append(plan.ts[i], plan.vs[i]);
    } else {
      series.AddLate(plan.ts[i], plan.vs[i]);
    }
  }
  if (!plan.ts.empty() || plan.reopen) series.last_wal_seq = wal_seq;
}

absl::StatusOr<CommitResult> Tsdb::Commit(std::span<const SeriesWrite> writes,
                                          const IngestMark& mark) {
  HostState* host = HostStateOf(mark.host);
  absl::MutexLock host_lock(&host->mu);
  VIGIL_ASSIGN_OR_RETURN(SequenceSet * run_sequences, RunSequence(host, mark.run_id));
  CommitResult result;
  const uint64_t last_sequence = std::max(mark.sequence, mark.last_sequence);
  if (run_sequences->ContainsAll(mark.sequence, last_sequence)) {
    result.duplicate_batch = true;
    result.durable_through = run_sequences->through();
    return result;
  }
  SequenceSet sequences_after = *run_sequences;
  sequences_after.Insert(mark.sequence, last_sequence);
  if (sequences_after.above().size() > kMaxSequenceRanges) {
    return absl::FailedPreconditionError(
        absl::StrCat("run ", mark.run_id, ": more than ", kMaxSequenceRanges,
                     " gaps in the acknowledged batch sequences"));
  }
  const int64_t now_ms = options_.clock->NowMs();

  absl::ReaderMutexLock snapshot_lock(&snapshot_mu_);
  rocksdb::WriteBatch batch;
  WindowWriter writer(columns_, &batch);
  std::vector<SeriesPlan>& plans = host->plans;
  if (plans.size() < writes.size()) plans.resize(writes.size());
  std::vector<SeriesWrite>& wal = host->wal;
  wal.clear();
  for (size_t k = 0; k < writes.size(); ++k) {
    const SeriesWrite& w = writes[k];
    plans[k].series = nullptr;
    if (w.timestamps_ms.empty()) continue;
    std::shared_ptr<HeadSeries> series = head_.FindOrCreate(w.id, mark.host);
    VIGIL_RETURN_IF_ERROR(
        PlanSeries(series, w, /*live=*/true, now_ms, &writer, &result, &plans[k]));
    if (!plans[k].ts.empty() || plans[k].reopen) {
      wal.push_back(SeriesWrite{w.id, plans[k].ts, plans[k].vs});
    }
  }
  const uint64_t wal_seq = next_wal_seq_.fetch_add(1);
  size_t wal_size = 0;
  if (!wal.empty()) {
    std::string record = EncodeWalRecord(mark.host, wal);
    wal_size = record.size();
    batch.Put(wal_cf_, WalKey(wal_seq), record);
  }
  batch.Put(ingest_cf_, IngestStateKey(mark.host, mark.run_id), sequences_after.Encode());
  {
    absl::MutexLock lock(&hosts_mu_);
    auto it = hosts_.find(mark.host);
    if (it != hosts_.end()) {
      it->second.set_last_seen_ms(mark.now_ms);
      batch.Put(hosts_cf_, mark.host, it->second.SerializeAsString());
    }
  }
  VIGIL_RETURN_IF_ERROR(WriteBatch(&batch, /*sync=*/true, "commit batch"));
  for (size_t k = 0; k < writes.size(); ++k) {
    if (plans[k].series != nullptr) ApplyPlan(plans[k], wal_seq);
    plans[k].series = nullptr;  // the head owns its series, not the scratch
  }
  *run_sequences = std::move(sequences_after);
  result.durable_through = run_sequences->through();

  counters_.samples_stored.fetch_add(result.stored, std::memory_order_relaxed);
  counters_.samples_backfilled.fetch_add(result.backfilled, std::memory_order_relaxed);
  counters_.samples_duplicate.fetch_add(result.duplicates, std::memory_order_relaxed);
  counters_.samples_too_old.fetch_add(result.too_old, std::memory_order_relaxed);
  counters_.samples_too_new.fetch_add(result.too_new, std::memory_order_relaxed);
  CountWrites(writer);
  if (wal_size > 0) {
    counters_.wal_records.fetch_add(1, std::memory_order_relaxed);
    counters_.wal_bytes.fetch_add(wal_size, std::memory_order_relaxed);
  }
  return result;
}

void Tsdb::CountWrites(const WindowWriter& writer) {
  counters_.chunks_written.fetch_add(writer.chunks_written(), std::memory_order_relaxed);
  counters_.samples_in_chunks.fetch_add(writer.samples_written(), std::memory_order_relaxed);
  counters_.minute_points.fetch_add(writer.minute_points_written(), std::memory_order_relaxed);
  counters_.hour_points.fetch_add(writer.hour_points_written(), std::memory_order_relaxed);
  counters_.records_quarantined.fetch_add(writer.records_quarantined(), std::memory_order_relaxed);
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
