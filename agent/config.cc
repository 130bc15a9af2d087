#include "agent/config.h"

#include <re2/re2.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "agent/registry.h"
#include "agent/sources/postgres_options.h"
#include "common/config_node.h"
#include "common/file.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

absl::Status GetRegex(const ConfigNode& node, absl::string_view key, std::string* out) {
  VIGIL_RETURN_IF_ERROR(node.GetString(key, out));
  RE2 re(*out, RE2::Quiet);
  if (!re.ok()) return node.Error(key, absl::StrCat("invalid regular expression: ", re.error()));
  return absl::OkStatus();
}

absl::Status ParseCollector(const ConfigNode& root, AgentConfig* config) {
  const ConfigNode collector = root.Child("collector");
  if (!root.Has("collector")) return root.Error("collector", "is required (address or addresses)");
  VIGIL_RETURN_IF_ERROR(
      collector.CheckKeys({"address", "addresses", "server_name", "failback_after"}));
  LinkOptions& link = config->link;
  if (collector.Has("address") == collector.Has("addresses")) {
    return root.Error("collector",
                      "needs either address (one collector) or addresses (a list, "
                      "in failover order)");
  }
  if (collector.Has("address")) {
    link.addresses.emplace_back();
    VIGIL_RETURN_IF_ERROR(collector.RequireString("address", &link.addresses.back()));
  } else {
    VIGIL_RETURN_IF_ERROR(collector.GetStringList("addresses", &link.addresses));
    if (link.addresses.empty()) return collector.Error("addresses", "must list at least one");
  }
  const char* key = collector.Has("address") ? "address" : "addresses";
  for (const std::string& address : link.addresses) {
    if (address.find(':') == std::string::npos) {
      return collector.Error(
          key, absl::StrCat("\"", address, "\" must be host:port, e.g. collector.example:7070"));
    }
  }
  VIGIL_RETURN_IF_ERROR(collector.GetString("server_name", &link.server_name));
  VIGIL_RETURN_IF_ERROR(collector.GetDuration("failback_after", &link.failback_after));
  if (link.failback_after < absl::Seconds(10)) {
    return collector.Error("failback_after", "must be at least 10s");
  }
  return absl::OkStatus();
}

absl::Status ParseSpool(const ConfigNode& spool, const std::string& base_dir, AgentConfig* config) {
  VIGIL_RETURN_IF_ERROR(spool.CheckKeys({"dir", "max_bytes", "max_age", "sync_interval",
                                         "memory_max_bytes", "replay_message_bytes"}));
  OutboxOptions& o = config->outbox;
  o.spool.dir = kDefaultSpoolDir;
  VIGIL_RETURN_IF_ERROR(spool.GetString("dir", &o.spool.dir));
  if (o.spool.dir.empty()) return spool.Error("dir", "must not be empty");
  o.spool.dir = ResolveConfigPath(base_dir, o.spool.dir);
  uint64_t max_bytes = o.spool.max_bytes;
  VIGIL_RETURN_IF_ERROR(spool.GetBytes("max_bytes", &max_bytes));
  if (max_bytes < (256 << 10)) return spool.Error("max_bytes", "must be at least 256KiB");
  o.spool.max_bytes = max_bytes;
  VIGIL_RETURN_IF_ERROR(spool.GetDuration("max_age", &o.spool.max_age));
  if (o.spool.max_age < absl::Minutes(10)) return spool.Error("max_age", "must be at least 10m");
  VIGIL_RETURN_IF_ERROR(spool.GetDuration("sync_interval", &o.spool.sync_interval));
  if (o.spool.sync_interval < absl::ZeroDuration() || o.spool.sync_interval > absl::Minutes(5)) {
    return spool.Error("sync_interval", "must be between 0s (every batch) and 5m");
  }
  uint64_t memory = o.memory_max_bytes;
  VIGIL_RETURN_IF_ERROR(spool.GetBytes("memory_max_bytes", &memory));
  if (memory < (64 << 10)) return spool.Error("memory_max_bytes", "must be at least 64KiB");
  o.memory_max_bytes = memory;
  uint64_t message = o.replay_message_bytes;
  VIGIL_RETURN_IF_ERROR(spool.GetBytes("replay_message_bytes", &message));
  // A replay message is committed in one write before the live batch behind it: keep
  // it small enough to take milliseconds.
  if (message < (16 << 10) || message > (2 << 20)) {
    return spool.Error("replay_message_bytes", "must be between 16KiB and 2MiB");
  }
  o.replay_message_bytes = message;
  return absl::OkStatus();
}

absl::Status ParseInto(const ConfigNode& root, const std::string& base_dir, AgentConfig* config) {
  VIGIL_RETURN_IF_ERROR(
      root.CheckKeys({"collector", "tls", "interval", "sources", "intervals", "paths", "filesystem",
                      "diskstats", "netdev", "postgres", "oracle", "security", "backups",
                      "file_watch", "spool", "state_dir", "logins", "log_level"}));
  VIGIL_RETURN_IF_ERROR(ParseCollector(root, config));

  if (!root.Has("tls"))
    return root.Error("tls", "is required (ca, cert, key): mTLS is the only mode");
  const ConfigNode tls = root.Child("tls");
  VIGIL_RETURN_IF_ERROR(tls.CheckKeys({"ca", "cert", "key"}));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("ca", &config->link.tls.ca));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("cert", &config->link.tls.cert));
  VIGIL_RETURN_IF_ERROR(tls.RequireString("key", &config->link.tls.key));
  config->link.tls.ca = ResolveConfigPath(base_dir, config->link.tls.ca);
  config->link.tls.cert = ResolveConfigPath(base_dir, config->link.tls.cert);
  config->link.tls.key = ResolveConfigPath(base_dir, config->link.tls.key);

  VIGIL_RETURN_IF_ERROR(root.GetDuration("interval", &config->interval));
  if (config->interval < absl::Milliseconds(100) || config->interval > absl::Hours(1)) {
    return root.Error("interval", "must be between 100ms and 1h");
  }

  for (const SourceInfo& info : AllSources()) config->sources.emplace_back(info.name);
  if (root.Has("sources")) {
    VIGIL_RETURN_IF_ERROR(root.GetStringList("sources", &config->sources));
    for (const std::string& name : config->sources) {
      bool known = false;
      for (const SourceInfo& info : AllSources()) known |= info.name == name;
      if (!known) {
        absl::Status unknown = CreateSource(name, SourceOptions()).status();
        return root.Error("sources", unknown.message());
      }
    }
  }
  const ConfigNode intervals = root.Child("intervals");
  std::vector<absl::string_view> source_names;
  for (const SourceInfo& info : AllSources()) source_names.push_back(info.name);
  VIGIL_RETURN_IF_ERROR(intervals.CheckKeys(source_names));
  // Process scans cost more than /proc reads; every 5 s is quick enough to page on.
  for (const char* name : {"postgres", "oracle"}) {
    config->source_intervals[name] = std::max(config->interval, absl::Seconds(5));
  }
  // /proc/net/tcp lists every connection; a full stat scan reads every process; kernel
  // parameters rarely change (listen_sockets.h, processes.h, kernel_params.h).
  config->source_intervals["listen_sockets"] = std::max(config->interval, absl::Seconds(30));
  config->source_intervals["processes"] = std::max(config->interval, absl::Seconds(15));
  config->source_intervals["kernel_params"] = std::max(config->interval, absl::Minutes(1));
  for (absl::string_view name : source_names) {
    if (!intervals.Has(name)) continue;
    absl::Duration d;
    VIGIL_RETURN_IF_ERROR(intervals.GetDuration(name, &d));
    config->source_intervals[std::string(name)] = d;
  }
  for (auto& [name, d] : config->source_intervals) {
    absl::Duration rem;
    if (absl::IDivDuration(d, config->interval, &rem) < 1 || rem != absl::ZeroDuration()) {
      if (intervals.Has(name)) {
        return intervals.Error(name, "must be a whole multiple of the base interval");
      }
      d -= rem;  // a default that does not divide evenly is rounded down
    }
  }

  SourceOptions& so = config->source_options;
  const ConfigNode paths = root.Child("paths");
  VIGIL_RETURN_IF_ERROR(paths.CheckKeys({"proc", "sys", "rootfs"}));
  VIGIL_RETURN_IF_ERROR(paths.GetString("proc", &so.proc_root));
  VIGIL_RETURN_IF_ERROR(paths.GetString("sys", &so.sys_root));
  VIGIL_RETURN_IF_ERROR(paths.GetString("rootfs", &so.root_fs));

  const ConfigNode fs = root.Child("filesystem");
  VIGIL_RETURN_IF_ERROR(fs.CheckKeys({"exclude_mountpoints", "exclude_fstypes", "statfs_timeout"}));
  VIGIL_RETURN_IF_ERROR(GetRegex(fs, "exclude_mountpoints", &so.filesystem_exclude_mountpoints));
  VIGIL_RETURN_IF_ERROR(GetRegex(fs, "exclude_fstypes", &so.filesystem_exclude_fstypes));
  VIGIL_RETURN_IF_ERROR(fs.GetDuration("statfs_timeout", &so.statfs_timeout));

  const ConfigNode disk = root.Child("diskstats");
  VIGIL_RETURN_IF_ERROR(disk.CheckKeys({"exclude_devices"}));
  VIGIL_RETURN_IF_ERROR(GetRegex(disk, "exclude_devices", &so.diskstats_exclude_devices));
  const ConfigNode net = root.Child("netdev");
  VIGIL_RETURN_IF_ERROR(net.CheckKeys({"exclude_devices"}));
  VIGIL_RETURN_IF_ERROR(GetRegex(net, "exclude_devices", &so.netdev_exclude_devices));

  const ConfigNode pg = root.Child("postgres");
  VIGIL_RETURN_IF_ERROR(pg.CheckKeys({"expected", "instances"}));
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> expected, pg.Child("expected").Elements());
  for (const ConfigNode& e : expected) {
    VIGIL_RETURN_IF_ERROR(e.CheckKeys({"port", "data_dir"}));
    ExpectedPostgres instance;
    VIGIL_RETURN_IF_ERROR(e.RequireString("port", &instance.port));
    VIGIL_RETURN_IF_ERROR(e.GetString("data_dir", &instance.data_dir));
    so.expected_postgres.push_back(std::move(instance));
  }
  VIGIL_RETURN_IF_ERROR(
      ParsePostgresInstances(pg.Child("instances"), base_dir, &so.postgres_instances));
  VIGIL_RETURN_IF_ERROR(ParseOracleOptions(root.Child("oracle"), base_dir, &so.oracle));
  VIGIL_RETURN_IF_ERROR(ParseSecurityOptions(root.Child("security"), &so.security));

  VIGIL_RETURN_IF_ERROR(ParseBackupOptions(root.Child("backups"), base_dir, &so.backups));
  VIGIL_RETURN_IF_ERROR(ParseFileWatchOptions(root.Child("file_watch"), base_dir, &so.file_watch));

  VIGIL_RETURN_IF_ERROR(ParseSpool(root.Child("spool"), base_dir, config));
  // Log read positions, the file watch's baseline and other state that must survive a
  // restart: by default the parent of spool.dir.
  std::string spool_dir = config->outbox.spool.dir;
  while (spool_dir.size() > 1 && spool_dir.back() == '/') spool_dir.pop_back();
  so.state_dir = std::filesystem::path(spool_dir).parent_path().string();
  VIGIL_RETURN_IF_ERROR(root.GetString("state_dir", &so.state_dir));
  if (so.state_dir.empty()) return root.Error("state_dir", "must not be empty");
  so.state_dir = ResolveConfigPath(base_dir, so.state_dir);

  const ConfigNode logins = root.Child("logins");
  VIGIL_RETURN_IF_ERROR(logins.CheckKeys({"enabled", "path"}));
  VIGIL_RETURN_IF_ERROR(logins.GetBool("enabled", &so.logins_enabled));
  VIGIL_RETURN_IF_ERROR(logins.GetString("path", &so.logins_path));
  if (so.logins_path.empty()) return logins.Error("path", "must be a path or \"auto\"");
  if (so.logins_path != "auto") so.logins_path = ResolveConfigPath(base_dir, so.logins_path);

  std::string level = "info";
  VIGIL_RETURN_IF_ERROR(root.GetString("log_level", &level));
  if (!ParseLogLevel(level, &config->log_level)) {
    return root.Error("log_level", "must be debug, info, warning or error");
  }
  // Each source validates its own options (regexes) when created.
  for (const std::string& name : config->sources) {
    absl::Status created = CreateSource(name, so).status();
    if (!created.ok()) return root.Error(name, created.message());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name,
                                             const std::string& base_dir) {
  VIGIL_ASSIGN_OR_RETURN(ConfigNode root, ConfigNode::LoadString(yaml, file_name));
  AgentConfig config;
  VIGIL_RETURN_IF_ERROR(ParseInto(root, base_dir, &config));
  return config;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path, 4 << 20);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace vigil::agent
