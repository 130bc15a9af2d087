// The agent's configuration file (YAML). See deploy/agent.example.yaml and the README's
// configuration reference.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sources/source.h"
#include "agent/transport/collector_link.h"
#include "agent/transport/outbox.h"
#include "common/log.h"

namespace vigil::agent {

struct AgentConfig {
  LinkOptions link;
  absl::Duration interval = absl::Seconds(1);
  // Sources to run, by name (agent/registry.h); default: all.
  std::vector<std::string> sources;
  // Per-source interval overrides; multiples of `interval`.
  std::map<std::string, absl::Duration> source_intervals;
  SourceOptions source_options;
  // The spool and the in-memory queue (spool.*).
  OutboxOptions outbox;
  LogLevel log_level = LogLevel::kInfo;
};

// The default spool directory (systemd's StateDirectory for vigil-agent.service).
inline constexpr char kDefaultSpoolDir[] = "/var/lib/vigil-agent/spool";

// Parses and validates; every error names the file, line and key. Relative paths are
// resolved against the config file's directory.
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);
absl::StatusOr<AgentConfig> ParseAgentConfig(absl::string_view yaml, const std::string& file_name,
                                             const std::string& base_dir);

}  // namespace vigil::agent
