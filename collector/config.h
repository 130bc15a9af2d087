// The collector's configuration file (YAML). See deploy/collector.example.yaml and the
// README's configuration reference.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "collector/alerts/alerting_config.h"
#include "collector/api/access.h"
#include "collector/ingest/ingest_service.h"
#include "collector/query/engine.h"
#include "collector/storage/tsdb_options.h"
#include "common/log.h"
#include "common/tls.h"

namespace vigil::collector {

struct CollectorConfig {
  std::string listen = "127.0.0.1:7070";  // host:port for agents and operators (gRPC, mTLS)
  std::string data_dir;                   // RocksDB lives here
  TlsFiles tls;
  // How often the TLS files are checked for a replacement (certificate rotation).
  absl::Duration tls_reload_interval = absl::Seconds(5);
  // The `storage:` section (dir, clock are filled in by the server).
  storage::TsdbOptions storage;
  // How often the server runs storage maintenance (closing silent series' windows,
  // head snapshots).
  absl::Duration maintenance_interval = absl::Seconds(10);
  ingest::IngestLimits ingest_limits;
  // The `http:` section: the Prometheus-compatible HTTPS API and who may use it (also
  // the gRPC operator API's roles).
  struct Http {
    std::string listen = "127.0.0.1:7071";  // host:port; "" disables the HTTPS API
    api::AccessPolicy access;
  } http;
  // The `audit:` section: the audit log's file (default <data_dir>/audit.log).
  std::string audit_file;
  // The `query:` section: what one query may cost, and the engine's lookback and rollups.
  query::EngineOptions query;
  // The `alerting:` section: rule files, receivers, on-call, escalation, maintenance.
  alerts::AlertingConfig alerting;
  // The `events:` section: how long agents' events (ORA- lines, file changes, top SQL)
  // are kept. A quarter's inspection report reads them back; the counts are in the
  // time series for as long as those are kept.
  struct Events {
    absl::Duration retention = absl::Hours(24 * 90);
  } events;
  LogLevel log_level = LogLevel::kInfo;
  // The file this was loaded from (what a reload reads again); "" if parsed from text.
  std::string source_file;
};

// Parses and validates; every error names the file, line and key. Relative paths are
// resolved against the config file's directory.
absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path);
absl::StatusOr<CollectorConfig> ParseCollectorConfig(absl::string_view yaml,
                                                     const std::string& file_name,
                                                     const std::string& base_dir);

}  // namespace vigil::collector
