#include "collector/self_metrics.h"

#include <atomic>
#include <string>
#include <vector>

#include "common/status.h"

namespace vigil::collector {
namespace {

using storage::Resolution;
constexpr Resolution kResolutions[] = {Resolution::kRaw, Resolution::kMinute, Resolution::kHour};

}  // namespace

absl::Status RegisterCollectorMetrics(MetricsRegistry* registry, const storage::Tsdb* tsdb,
                                      const ingest::Connections* connections,
                                      const TlsReloader* tls) {
  const storage::TsdbCounters& c = tsdb->counters();
  struct Simple {
    const char* name;
    const char* help;
    MetricType type;
    std::function<double()> value;
  };
  auto load = [](const auto& atomic) {
    return [&atomic] { return static_cast<double>(atomic.load(std::memory_order_relaxed)); };
  };
  const Simple simple[] = {
      {"vigil_collector_samples_ingested_total",
       "Samples stored (into the head or straight into chunks) since start.", MetricType::kCounter,
       load(c.samples_stored)},
      {"vigil_collector_samples_backfilled_total",
       "Of the samples stored, those older than their series' open window, written into "
       "their chunk at once.",
       MetricType::kCounter, load(c.samples_backfilled)},
      {"vigil_collector_chunks_written_total", "Chunk windows written to RocksDB since start.",
       MetricType::kCounter, load(c.chunks_written)},
      {"vigil_collector_head_series", "Series with an open window in the in-memory head.",
       MetricType::kGauge, [tsdb] { return static_cast<double>(tsdb->HeadSeriesCount()); }},
      {"vigil_collector_series_created", "Series ever created in the index.", MetricType::kGauge,
       [tsdb] { return static_cast<double>(tsdb->index().total()); }},
      {"vigil_collector_series_evicted_total",
       "Series that fell silent and left the head since start.", MetricType::kCounter,
       load(c.series_evicted)},
      {"vigil_collector_wal_bytes",
       "Bytes held by the WAL column family (its memtable and files): records not yet "
       "covered by a head snapshot, replayed after a crash.",
       MetricType::kGauge, [tsdb] { return static_cast<double>(tsdb->WalBytes()); }},
      {"vigil_collector_wal_records_total", "WAL records written since start.",
       MetricType::kCounter, load(c.wal_records)},
      {"vigil_collector_head_snapshots_total", "Head snapshots written since start.",
       MetricType::kCounter, load(c.head_snapshots)},
      {"vigil_collector_head_snapshot_duration_seconds", "How long the last head snapshot took.",
       MetricType::kGauge,
       [&c] { return static_cast<double>(c.last_snapshot_ms.load()) / 1000.0; }},
      {"vigil_collector_storage_recovery_seconds",
       "How long opening the storage (head snapshot load and WAL replay) took at start.",
       MetricType::kGauge, [&c] { return static_cast<double>(c.recovery_ms.load()) / 1000.0; }},
      {"vigil_collector_storage_records_quarantined_total",
       "Stored chunks or rollup records that could not be decoded when their window was "
       "rewritten, kept under the quarantine/ prefix and logged (should stay 0).",
       MetricType::kCounter, load(c.records_quarantined)},
      {"vigil_collector_connected_agents", "Hosts with an ingest stream open.", MetricType::kGauge,
       [connections] { return static_cast<double>(connections->ConnectedHosts()); }},
      {"vigil_collector_certificate_expiry_timestamp_seconds",
       "When the collector's certificate in use expires (its not-after), in Unix seconds.",
       MetricType::kGauge,
       [tls] {
         return static_cast<double>(absl::ToUnixSeconds(tls->Current()->certificate.not_after));
       }},
      {"vigil_collector_tls_reloads_total",
       "Replaced certificate, key or CA files taken into use for new connections since "
       "start.",
       MetricType::kCounter, [tls] { return static_cast<double>(tls->reloads()); }},
      {"vigil_collector_tls_reload_errors_total",
       "Replaced certificate, key or CA files refused since start (unreadable, not PEM, or "
       "a key that does not belong to the certificate); the previous ones stay in use.",
       MetricType::kCounter, [tls] { return static_cast<double>(tls->reload_errors()); }},
  };
  for (const Simple& s : simple) {
    auto value = s.value;
    VIGIL_RETURN_IF_ERROR(registry->AddCallback(s.name, s.help, s.type, {},
                                                [value](MetricEmitter& e) { e.Emit(value()); }));
  }

  VIGIL_RETURN_IF_ERROR(registry->AddCallback(
      "vigil_collector_samples_refused_total",
      "Samples not stored, by reason: duplicate (a timestamp already stored), too_old (older "
      "than the raw retention), too_new (too far ahead of the collector's clock).",
      MetricType::kCounter, {"reason"}, [&c](MetricEmitter& e) {
        e.Emit({"duplicate"}, static_cast<double>(c.samples_duplicate.load()));
        e.Emit({"too_old"}, static_cast<double>(c.samples_too_old.load()));
        e.Emit({"too_new"}, static_cast<double>(c.samples_too_new.load()));
      }));
  VIGIL_RETURN_IF_ERROR(registry->AddCallback(
      "vigil_collector_storage_disk_bytes",
      "Bytes on disk (RocksDB SST files) per resolution: raw chunks, 1-minute and 1-hour "
      "rollups.",
      MetricType::kGauge, {"resolution"}, [tsdb](MetricEmitter& e) {
        for (Resolution r : kResolutions) {
          e.Emit({storage::ResolutionName(r)}, static_cast<double>(tsdb->DiskBytes(r)));
        }
      }));
  VIGIL_RETURN_IF_ERROR(registry->AddCallback(
      "vigil_collector_storage_samples_written_total",
      "Samples (raw) and rollup points (1m, 1h; an hour's point is rewritten as each of "
      "its windows closes) written to disk since start.",
      MetricType::kCounter, {"resolution"}, [&c](MetricEmitter& e) {
        e.Emit({"raw"}, static_cast<double>(c.samples_in_chunks.load()));
        e.Emit({"1m"}, static_cast<double>(c.minute_points.load()));
        e.Emit({"1h"}, static_cast<double>(c.hour_points.load()));
      }));
  VIGIL_RETURN_IF_ERROR(registry->AddCallback(
      "vigil_collector_storage_retention_seconds", "How long each resolution is kept.",
      MetricType::kGauge, {"resolution"}, [tsdb](MetricEmitter& e) {
        for (Resolution r : kResolutions) {
          e.Emit({storage::ResolutionName(r)}, static_cast<double>(tsdb->RetentionMs(r)) / 1000.0);
        }
      }));
  struct Property {
    const char* name;
    const char* help;
    const char* property;
    bool db_wide = false;  // the same in every column family: read once, not summed
  };
  const Property properties[] = {
      {"vigil_collector_rocksdb_memtable_bytes", "Bytes in RocksDB memtables.",
       "rocksdb.cur-size-all-mem-tables"},
      {"vigil_collector_rocksdb_pending_compaction_bytes",
       "Bytes RocksDB estimates it must rewrite to finish compacting; a steady climb means "
       "the disk cannot keep up.",
       "rocksdb.estimate-pending-compaction-bytes"},
      {"vigil_collector_rocksdb_running_compactions", "Compactions running now.",
       "rocksdb.num-running-compactions", true},
      {"vigil_collector_rocksdb_write_stopped",
       "1 while RocksDB stops writes (too many files or pending compaction).",
       "rocksdb.is-write-stopped", true},
      {"vigil_collector_rocksdb_delayed_write_rate",
       "Bytes/s RocksDB throttles writes to while it catches up (0: not throttled).",
       "rocksdb.actual-delayed-write-rate", true},
      {"vigil_collector_rocksdb_live_sst_bytes", "Bytes of all live SST files.",
       "rocksdb.live-sst-files-size"},
      {"vigil_collector_rocksdb_block_cache_bytes", "Bytes held by the block cache.",
       "rocksdb.block-cache-usage", true},
  };
  for (const Property& p : properties) {
    const std::string property = p.property;
    const bool sum = !p.db_wide;
    VIGIL_RETURN_IF_ERROR(registry->AddCallback(
        p.name, p.help, MetricType::kGauge, {}, [tsdb, property, sum](MetricEmitter& e) {
          e.Emit(static_cast<double>(tsdb->RocksDbProperty(property, sum)));
        }));
  }
  return absl::OkStatus();
}

}  // namespace vigil::collector
