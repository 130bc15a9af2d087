#include "collector/config.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/file.h"
#include "common/status.h"
#include "common/time_parse.h"

namespace vigil::collector {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

absl::Status ParseInto(const ConfigNode& root, const std::string& base_dir,
                       CollectorConfig* config) {
  VIGIL_RETURN_IF_ERROR(
      root.CheckKeys({"listen", "data_dir", "tls", "storage", "limits", "log_level"}));
  VIGIL_RETURN_IF_ERROR(root.GetString("listen", &config->listen));
  {
    const size_t colon = config->listen.rfind(':');
    int port = -1;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(absl::string_view(config->listen).substr(colon + 1), &port) || port < 0 ||
        port > 65535) {
      return root.Error("listen",
                        "must be host:port with a port from 0 to 65535, e.g. 0.0.0.0:7070");
    }
  }
  VIGIL_RETURN_IF_ERROR(root.RequireString("data_dir", &config->data_dir));
  config->data_dir = Resolve(base_dir, config->data_dir);

  if (!root.Has("tls"))
    return root.Error("tls", "is required (ca, cert, key): mTLS is the only mode");
  const ConfigNode tls = root.Child("tls");
  VIGIL_RETURN_IF_ERROR(tls.CheckKeys({"ca", "cert", "key", "reload_interval"}));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("ca", &config->tls.ca));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("cert", &config->tls.cert));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("key", &config->tls.key));
  config->tls.ca = Resolve(base_dir, config->tls.ca);
  config->tls.cert = Resolve(base_dir, config->tls.cert);
  config->tls.key = Resolve(base_dir, config->tls.key);
  VIGIL_RETURN_IF_ERROR(tls.GetDuration("reload_interval", &config->tls_reload_interval));
  if (config->tls_reload_interval < absl::Seconds(1)) {
    return tls.Error("reload_interval", "must be at least 1s");
  }

  const ConfigNode storage = root.Child("storage");
  VIGIL_RETURN_IF_ERROR(
      storage.CheckKeys({"sync_writes", "chunk_span", "max_future", "head_snapshot_interval",
                         "cache_size_mb", "retention"}));
  storage::TsdbOptions& so = config->storage;
  VIGIL_RETURN_IF_ERROR(storage.GetBool("sync_writes", &so.sync_writes));
  struct DurationKey {
    const ConfigNode* node;
    const char* key;
    int64_t* field;
    absl::Duration min;
  };
  const ConfigNode retention = storage.Child("retention");
  VIGIL_RETURN_IF_ERROR(retention.CheckKeys({"raw", "1m", "1h"}));
  const DurationKey durations[] = {
      {&storage, "chunk_span", &so.chunk_span_ms, absl::Minutes(1)},
      {&storage, "max_future", &so.max_future_ms, absl::ZeroDuration()},
      {&storage, "head_snapshot_interval", &so.head_snapshot_interval_ms, absl::Seconds(10)},
      {&retention, "raw", &so.retention.raw_ms, absl::Hours(1)},
      {&retention, "1m", &so.retention.minute_ms, absl::Hours(1)},
      {&retention, "1h", &so.retention.hour_ms, absl::Hours(1)},
  };
  for (const DurationKey& d : durations) {
    absl::Duration value = absl::Milliseconds(*d.field);
    VIGIL_RETURN_IF_ERROR(d.node->GetDuration(d.key, &value));
    if (value < d.min) {
      return d.node->Error(d.key, absl::StrCat("must be at least ", vigil::FormatDuration(d.min)));
    }
    *d.field = absl::ToInt64Milliseconds(value);
  }
  if (so.chunk_span_ms % 60'000 != 0 || 3'600'000 % so.chunk_span_ms != 0) {
    return storage.Error("chunk_span",
                         "must be a whole number of minutes that divides an hour (1m, 2m, "
                         "3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m or 60m)");
  }
  if (so.retention.minute_ms < so.retention.raw_ms ||
      so.retention.hour_ms < so.retention.minute_ms) {
    return retention.Error("1m",
                           "retention must not shrink with coarser resolution "
                           "(raw <= 1m <= 1h)");
  }
  int64_t cache_mb = static_cast<int64_t>(so.block_cache_bytes >> 20);
  VIGIL_RETURN_IF_ERROR(storage.GetInt("cache_size_mb", &cache_mb));
  if (cache_mb < 8) return storage.Error("cache_size_mb", "must be at least 8");
  so.block_cache_bytes = static_cast<size_t>(cache_mb) << 20;

  const ConfigNode limits = root.Child("limits");
  VIGIL_RETURN_IF_ERROR(
      limits.CheckKeys({"max_series_per_agent", "query_max_series", "query_max_samples"}));
  struct {
    const char* key;
    size_t* field;
  } sizes[] = {{"max_series_per_agent", &config->ingest_limits.max_series_per_stream},
               {"query_max_series", &config->query_limits.max_series},
               {"query_max_samples", &config->query_limits.max_samples}};
  for (const auto& s : sizes) {
    int64_t v = static_cast<int64_t>(*s.field);
    VIGIL_RETURN_IF_ERROR(limits.GetInt(s.key, &v));
    if (v <= 0) return limits.Error(s.key, "must be a positive number");
    *s.field = static_cast<size_t>(v);
  }

  std::string level = "info";
  VIGIL_RETURN_IF_ERROR(root.GetString("log_level", &level));
  if (!ParseLogLevel(level, &config->log_level)) {
    return root.Error("log_level", "must be debug, info, warning or error");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CollectorConfig> ParseCollectorConfig(absl::string_view yaml,
                                                     const std::string& file_name,
                                                     const std::string& base_dir) {
  VIGIL_ASSIGN_OR_RETURN(ConfigNode root, ConfigNode::LoadString(yaml, file_name));
  CollectorConfig config;
  VIGIL_RETURN_IF_ERROR(ParseInto(root, base_dir, &config));
  return config;
}

absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, 4 << 20);
  if (!text.ok()) return text.status();
  return ParseCollectorConfig(*text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace vigil::collector
