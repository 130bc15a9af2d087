#include "collector/reload.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/time_parse.h"
#include "common/tls.h"

namespace vigil::collector {
namespace {

std::string DurationText(int64_t ms) { return vigil::FormatDuration(absl::Milliseconds(ms)); }

std::string LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
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
      {"limits.query_max_series",
       [](const CollectorConfig& c) { return absl::StrCat(c.query_limits.max_series); }},
      {"limits.query_max_samples",
       [](const CollectorConfig& c) { return absl::StrCat(c.query_limits.max_samples); }},
      {"log_level", [](const CollectorConfig& c) { return LevelName(c.log_level); }},
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
    if (from != to) changes.push_back({key.name, std::move(from), std::move(to)});
  }
  return changes;
}

absl::StatusOr<ReloadOutcome> ReloadCollectorConfig(const std::string& path,
                                                    CollectorConfig* running) {
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
  ReloadOutcome outcome;
  for (ConfigChange& change : DiffCollectorConfig(*running, *next)) {
    (change.key == "log_level" ? outcome.applied : outcome.need_restart)
        .push_back(std::move(change));
  }
  // Logged before the new level applies, so that raising it still shows the change.
  for (const ConfigChange& c : outcome.applied) {
    LogInfo("reload: ", c.key, ": ", c.from, " -> ", c.to, " (applied)");
  }
  for (const ConfigChange& c : outcome.need_restart) {
    LogWarning("reload: ", c.key, ": ", c.from, " -> ", c.to,
               " takes effect at the next restart; still using ", c.from);
  }
  LogInfo("reload: ", path, " is valid; ", outcome.applied.size(), " change(s) applied, ",
          outcome.need_restart.size(), " need a restart");
  running->log_level = next->log_level;
  SetLogLevel(next->log_level);
  return outcome;
}

}  // namespace vigil::collector
