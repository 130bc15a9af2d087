#include "collector/reload.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/time_parse.h"
#include "common/tls.h"

namespace vigil::collector {
namespace {

std::string DurationText(int64_t ms) { return vigil::FormatDuration(absl::Milliseconds(ms)); }

std::string RolesText(const std::map<std::string, api::Role>& roles) {
  std::vector<std::string> parts;
  for (const auto& [name, role] : roles)
    parts.push_back(absl::StrCat(name, "=", api::RoleName(role)));
  return parts.empty() ? "{}" : absl::StrJoin(parts, ", ");
}

// Names and roles only: never a token's hash.
std::string TokensText(const std::vector<api::TokenGrant>& tokens) {
  std::vector<std::string> parts;
  for (const api::TokenGrant& t : tokens)
    parts.push_back(absl::StrCat(t.name, "=", api::RoleName(t.role)));
  return parts.empty() ? "[]" : absl::StrJoin(parts, ", ");
}

// Keys that a reload applies; every other key needs a restart.
bool IsLiveKey(absl::string_view key) {
  return key == "log_level" || key == "http.operator_roles" ||
         key == "http.default_operator_role" || key == "http.tokens";
}

// Every key of the file, with how to render its value for a log line.
struct Key {
  const char* name;
  std::function<std::string(const CollectorConfig&)> value;
};

const std::vector<Key>& Keys() {
  static const auto* keys = new std::vector<Key>{
      {"listen", [](const CollectorConfig& c) { return c.listen; }},
      {"data_dir", [](const CollectorConfig& c) { return c.data_dir; }},
      {"tls.ca", [](const CollectorConfig& c) { return c.tls.ca; }},
      {"tls.cert", [](const CollectorConfig& c) { return c.tls.cert; }},
      {"tls.key", [](const CollectorConfig& c) { return c.tls.key; }},
      {"storage.sync_writes",
       [](const CollectorConfig& c) {
         return std::string(c.storage.sync_writes ? "true" : "false");
       }},
      {"storage.chunk_span",
       [](const CollectorConfig& c) { return DurationText(c.storage.chunk_span_ms); }},
      {"storage.max_future",
       [](const CollectorConfig& c) { return DurationText(c.storage.max_future_ms); }},
      {"storage.head_snapshot_interval",
       [](const CollectorConfig& c) { return DurationText(c.storage.head_snapshot_interval_ms); }},
      {"storage.cache_size_mb",
       [](const CollectorConfig& c) { return absl::StrCat(c.storage.block_cache_bytes >> 20); }},
      {"storage.retention.raw",
       [](const CollectorConfig& c) { return DurationText(c.storage.retention.raw_ms); }},
      {"storage.retention.1m",
       [](const CollectorConfig& c) { return DurationText(c.storage.retention.minute_ms); }},
      {"storage.retention.1h",
       [](const CollectorConfig& c) { return DurationText(c.storage.retention.hour_ms); }},
      {"limits.max_series_per_agent",
       [](const CollectorConfig& c) {
         return absl::StrCat(c.ingest_limits.max_series_per_stream);
       }},
      {"http.listen", [](const CollectorConfig& c) { return c.http.listen; }},
      {"http.operator_roles",
       [](const CollectorConfig& c) { return RolesText(c.http.access.operator_roles); }},
      {"http.default_operator_role",
       [](const CollectorConfig& c) {
         return std::string(api::RoleName(c.http.access.default_operator_role));
       }},
      {"http.tokens", [](const CollectorConfig& c) { return TokensText(c.http.access.tokens); }},
      {"audit.file", [](const CollectorConfig& c) { return c.audit_file; }},
      {"query.max_series",
       [](const CollectorConfig& c) { return absl::StrCat(c.query.limits.max_series); }},
      {"query.max_samples",
       [](const CollectorConfig& c) { return absl::StrCat(c.query.limits.max_samples); }},
      {"query.max_points",
       [](const CollectorConfig& c) { return absl::StrCat(c.query.limits.max_points); }},
      {"query.timeout",
       [](const CollectorConfig& c) { return vigil::FormatDuration(c.query.limits.timeout); }},
      {"query.lookback_delta",
       [](const CollectorConfig& c) { return DurationText(c.query.lookback_delta_ms); }},
      {"query.rollup_min_range",
       [](const CollectorConfig& c) { return DurationText(c.query.rollup_min_range_ms); }},
      {"events.retention",
       [](const CollectorConfig& c) { return vigil::FormatDuration(c.events.retention); }},
      {"log_level",
       [](const CollectorConfig& c) { return std::string(LogLevelName(c.log_level)); }},
  };
  return *keys;
}

}  // namespace

std::vector<ConfigChange> DiffCollectorConfig(const CollectorConfig& running,
                                              const CollectorConfig& next) {
  std::vector<ConfigChange> changes;
  for (const Key& key : Keys()) {
    std::string from = key.value(running);
    std::string to = key.value(next);
    if (from != to) {
      changes.push_back({key.name, std::move(from), std::move(to)});
    } else if (absl::string_view(key.name) == "http.tokens" &&
               running.http.access.tokens != next.http.access.tokens) {
      // Same names and roles, a secret replaced: say whose, not what.
      std::vector<std::string> parts;
      for (const api::TokenGrant& t : next.http.access.tokens) {
        const bool replaced =
            std::none_of(running.http.access.tokens.begin(), running.http.access.tokens.end(),
                         [&](const api::TokenGrant& old) { return old == t; });
        parts.push_back(
            absl::StrCat(t.name, "=", api::RoleName(t.role), replaced ? " (new secret)" : ""));
      }
      changes.push_back({key.name, std::move(from), absl::StrJoin(parts, ", ")});
    }
  }
  return changes;
}

absl::StatusOr<ReloadPlan> PlanCollectorReload(const std::string& path,
                                               const CollectorConfig& running) {
  absl::StatusOr<CollectorConfig> next = LoadCollectorConfig(path);
  absl::Status valid = next.status();
  if (valid.ok()) {
    absl::StatusOr<TlsMaterial> tls = LoadTlsMaterial(next->tls);
    if (!tls.ok()) {
      valid =
          absl::Status(tls.status().code(), absl::StrCat(path, ": tls: ", tls.status().message()));
    }
  }
  if (!valid.ok()) {
    LogError("reload: ", valid.message(), "; keeping the running configuration");
    return valid;
  }
  ReloadPlan plan;
  for (ConfigChange& change : DiffCollectorConfig(running, *next)) {
    (IsLiveKey(change.key) ? plan.outcome.applied : plan.outcome.need_restart)
        .push_back(std::move(change));
  }
  plan.next = *std::move(next);
  return plan;
}

void ApplyCollectorReload(const ReloadPlan& plan, CollectorConfig* running,
                          api::AccessControl* access) {
  const ReloadOutcome& outcome = plan.outcome;
  // Logged before the new level applies, so that raising it still shows the change.
  for (const ConfigChange& c : outcome.applied) {
    LogInfo("reload: ", c.key, ": ", c.from, " -> ", c.to, " (applied)");
  }
  for (const ConfigChange& c : outcome.need_restart) {
    LogWarning("reload: ", c.key, ": ", c.from, " -> ", c.to,
               " takes effect at the next restart; still using ", c.from);
  }
  LogInfo("reload: ", plan.next.source_file, " is valid; ", outcome.applied.size(),
          " change(s) applied, ", outcome.need_restart.size(), " need a restart");
  running->log_level = plan.next.log_level;
  SetLogLevel(plan.next.log_level);
  running->http.access = plan.next.http.access;
  if (access != nullptr) access->Replace(plan.next.http.access);
}

absl::StatusOr<ReloadOutcome> ReloadCollectorConfig(const std::string& path,
                                                    CollectorConfig* running,
                                                    api::AccessControl* access) {
  absl::StatusOr<ReloadPlan> plan = PlanCollectorReload(path, *running);
  if (!plan.ok()) return plan.status();
  ApplyCollectorReload(*plan, running, access);
  return plan->outcome;
}

}  // namespace vigil::collector
