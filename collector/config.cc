#include "collector/config.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/file.h"
#include "common/status.h"

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
  VIGIL_RETURN_IF_ERROR(tls.CheckKeys({"ca", "cert", "key"}));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("ca", &config->tls.ca));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("cert", &config->tls.cert));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("key", &config->tls.key));
  config->tls.ca = Resolve(base_dir, config->tls.ca);
  config->tls.cert = Resolve(base_dir, config->tls.cert);
  config->tls.key = Resolve(base_dir, config->tls.key);

  const ConfigNode storage = root.Child("storage");
  VIGIL_RETURN_IF_ERROR(storage.CheckKeys({"sync_writes"}));
  VIGIL_RETURN_IF_ERROR(storage.GetBool("sync_writes", &config->sync_writes));

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
