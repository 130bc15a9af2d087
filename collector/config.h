// The collector's configuration file (YAML). See deploy/collector.example.yaml and the
// README's configuration reference.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "collector/ingest/ingest_service.h"
#include "collector/query/query_service.h"
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
  query::QueryLimits query_limits;
  LogLevel log_level = LogLevel::kInfo;
};

// Parses and validates; every error names the file, line and key. Relative paths are
// resolved against the config file's directory.
absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path);
absl::StatusOr<CollectorConfig> ParseCollectorConfig(absl::string_view yaml,
                                                     const std::string& file_name,
                                                     const std::string& base_dir);

}  // namespace vigil::collector
