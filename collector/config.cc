#include "collector/config.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/bearer_token.h"
#include "common/config_node.h"
#include "common/file.h"
#include "common/status.h"
#include "common/time_parse.h"

namespace vigil::collector {
namespace {

absl::Status CheckListenAddress(const ConfigNode& node, absl::string_view key,
                                const std::string& address, absl::string_view example) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return node.Error(
        key, absl::StrCat("must be host:port with a port from 0 to 65535, e.g. ", example));
  }
  return absl::OkStatus();
}

// A whole number > 0 into a size_t (which keeps its value when the key is absent).
absl::Status GetPositive(const ConfigNode& node, absl::string_view key, size_t* field) {
  int64_t v = static_cast<int64_t>(*field);
  VIGIL_RETURN_IF_ERROR(node.GetInt(key, &v));
  if (v <= 0) return node.Error(key, "must be a positive number");
  *field = static_cast<size_t>(v);
  return absl::OkStatus();
}

absl::Status GetRole(const ConfigNode& node, absl::string_view key, api::Role* role) {
  std::string text(api::RoleName(*role));
  VIGIL_RETURN_IF_ERROR(node.GetString(key, &text));
  if (!api::ParseRole(text, role)) {
    return node.Error(key, absl::StrCat("\"", text, "\" is not a role (viewer, operator, admin",
                                        key == "default_operator_role" ? ", none)" : ")"));
  }
  return absl::OkStatus();
}

// A token's or operator's name: what the audit log and the log lines show.
bool IsValidPrincipalName(absl::string_view name) { return IsValidPeerName(name); }

absl::Status ParseHttp(const ConfigNode& http, CollectorConfig::Http* out) {
  VIGIL_RETURN_IF_ERROR(
      http.CheckKeys({"listen", "operator_roles", "default_operator_role", "tokens"}));
  VIGIL_RETURN_IF_ERROR(http.GetString("listen", &out->listen));
  if (!out->listen.empty()) {
    VIGIL_RETURN_IF_ERROR(CheckListenAddress(http, "listen", out->listen, "0.0.0.0:7071"));
  }
  const ConfigNode roles = http.Child("operator_roles");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, roles.Keys());
  for (const std::string& name : names) {
    if (!IsValidPrincipalName(name)) {
      return roles.Error(name, "is not a certificate common name (printable, no spaces)");
    }
    api::Role role = api::Role::kNone;
    VIGIL_RETURN_IF_ERROR(GetRole(roles, name, &role));
    if (role == api::Role::kNone) {
      return roles.Error(name,
                         "must be viewer, operator or admin (remove the line to use "
                         "default_operator_role)");
    }
    out->access.operator_roles[name] = role;
  }
  VIGIL_RETURN_IF_ERROR(GetRole(http, "default_operator_role", &out->access.default_operator_role));

  if (http.Has("tokens")) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> tokens, http.Child("tokens").Elements());
    for (const ConfigNode& token : tokens) {
      VIGIL_RETURN_IF_ERROR(token.CheckKeys({"name", "role", "sha256"}));
      api::TokenGrant grant;
      VIGIL_RETURN_IF_ERROR(token.RequireString("name", &grant.name));
      if (!IsValidPrincipalName(grant.name)) {
        return token.Error("name", "must be printable, without spaces or quotes");
      }
      if (!token.Has("role")) return token.Error("role", "is required (viewer, operator, admin)");
      VIGIL_RETURN_IF_ERROR(GetRole(token, "role", &grant.role));
      VIGIL_RETURN_IF_ERROR(token.RequireString("sha256", &grant.sha256));
      if (!IsSha256Hex(grant.sha256)) {
        return token.Error("sha256",
                           "must be the 64 hex digits of the token's SHA-256 (vigilctl token "
                           "create prints it)");
      }
      grant.sha256 = absl::AsciiStrToLower(grant.sha256);
      for (const api::TokenGrant& other : out->access.tokens) {
        if (other.name == grant.name) {
          return token.Error("name", absl::StrCat("\"", grant.name, "\" is used twice"));
        }
        if (other.sha256 == grant.sha256) {
          return token.Error("sha256", absl::StrCat("is the same as token \"", other.name, "\""));
        }
      }
      out->access.tokens.push_back(std::move(grant));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseQuery(const ConfigNode& query, query::EngineOptions* out) {
  VIGIL_RETURN_IF_ERROR(query.CheckKeys({"max_series", "max_samples", "max_points", "timeout",
                                         "lookback_delta", "rollup_min_range"}));
  VIGIL_RETURN_IF_ERROR(GetPositive(query, "max_series", &out->limits.max_series));
  VIGIL_RETURN_IF_ERROR(GetPositive(query, "max_samples", &out->limits.max_samples));
  VIGIL_RETURN_IF_ERROR(GetPositive(query, "max_points", &out->limits.max_points));
  VIGIL_RETURN_IF_ERROR(query.GetDuration("timeout", &out->limits.timeout));
  if (out->limits.timeout < absl::Seconds(1)) return query.Error("timeout", "must be at least 1s");
  absl::Duration lookback = absl::Milliseconds(out->lookback_delta_ms);
  VIGIL_RETURN_IF_ERROR(query.GetDuration("lookback_delta", &lookback));
  if (lookback < absl::Seconds(1)) return query.Error("lookback_delta", "must be at least 1s");
  out->lookback_delta_ms = absl::ToInt64Milliseconds(lookback);
  absl::Duration rollup = absl::Milliseconds(out->rollup_min_range_ms);
  VIGIL_RETURN_IF_ERROR(query.GetDuration("rollup_min_range", &rollup));
  if (rollup != absl::ZeroDuration() && rollup < absl::Minutes(1)) {
    return query.Error("rollup_min_range", "must be 0 (never read rollups) or at least 1m");
  }
  out->rollup_min_range_ms = absl::ToInt64Milliseconds(rollup);
  return absl::OkStatus();
}

absl::Status ParseInto(const ConfigNode& root, const std::string& base_dir,
                       CollectorConfig* config) {
  VIGIL_RETURN_IF_ERROR(root.CheckKeys({"listen", "data_dir", "tls", "storage", "limits", "http",
                                        "audit", "query", "alerting", "events", "log_level"}));
  VIGIL_RETURN_IF_ERROR(root.GetString("listen", &config->listen));
  VIGIL_RETURN_IF_ERROR(CheckListenAddress(root, "listen", config->listen, "0.0.0.0:7070"));
  VIGIL_RETURN_IF_ERROR(root.RequireString("data_dir", &config->data_dir));
  config->data_dir = ResolveConfigPath(base_dir, config->data_dir);

  if (!root.Has("tls"))
    return root.Error("tls", "is required (ca, cert, key): mTLS is the only mode");
  const ConfigNode tls = root.Child("tls");
  VIGIL_RETURN_IF_ERROR(tls.CheckKeys({"ca", "cert", "key", "reload_interval"}));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("ca", &config->tls.ca));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("cert", &config->tls.cert));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("key", &config->tls.key));
  config->tls.ca = ResolveConfigPath(base_dir, config->tls.ca);
  config->tls.cert = ResolveConfigPath(base_dir, config->tls.cert);
  config->tls.key = ResolveConfigPath(base_dir, config->tls.key);
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
  for (absl::string_view moved : {"query_max_series", "query_max_samples"}) {
    if (limits.Has(moved)) {
      return limits.Error(
          moved, absl::StrCat("has moved to query.", moved.substr(6), " (the query: section)"));
    }
  }
  VIGIL_RETURN_IF_ERROR(limits.CheckKeys({"max_series_per_agent"}));
  VIGIL_RETURN_IF_ERROR(
      GetPositive(limits, "max_series_per_agent", &config->ingest_limits.max_series_per_stream));

  VIGIL_RETURN_IF_ERROR(ParseHttp(root.Child("http"), &config->http));
  const ConfigNode audit = root.Child("audit");
  VIGIL_RETURN_IF_ERROR(audit.CheckKeys({"file"}));
  VIGIL_RETURN_IF_ERROR(audit.GetString("file", &config->audit_file));
  config->audit_file = config->audit_file.empty()
                           ? (std::filesystem::path(config->data_dir) / "audit.log").string()
                           : ResolveConfigPath(base_dir, config->audit_file);
  VIGIL_RETURN_IF_ERROR(ParseQuery(root.Child("query"), &config->query));
  VIGIL_ASSIGN_OR_RETURN(config->alerting,
                         alerts::ParseAlertingConfig(root.Child("alerting"), base_dir));
  const ConfigNode events = root.Child("events");
  VIGIL_RETURN_IF_ERROR(events.CheckKeys({"retention"}));
  VIGIL_RETURN_IF_ERROR(events.GetDuration("retention", &config->events.retention));
  if (config->events.retention < absl::Hours(24)) {
    return events.Error("retention", "must be at least 1d");
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
  absl::StatusOr<CollectorConfig> config =
      ParseCollectorConfig(*text, path, std::filesystem::path(path).parent_path().string());
  if (config.ok()) config->source_file = path;
  return config;
}

}  // namespace vigil::collector
