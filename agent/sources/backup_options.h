// The `backups:` section of agent.yaml: backup locations and archive-log directories
// (the keys and what they mean: backups.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace vigil {
class ConfigNode;
}

namespace vigil::agent {

struct BackupLocation {
  std::string name;
  std::string path;
  std::string glob = "*";
  bool recursive = false;
  std::string kind = "other";
  absl::Duration window = absl::Hours(24 * 7);
  absl::Duration max_age = absl::ZeroDuration();   // zero: not configured
  absl::Duration interval = absl::ZeroDuration();  // zero: the section's
};

struct ArchiveLogLocation {
  std::string name;
  std::string path;
  std::string glob = "*";
  absl::Duration max_age = absl::ZeroDuration();
  absl::Duration interval = absl::ZeroDuration();
};

struct BackupOptions {
  absl::Duration interval = absl::Minutes(5);
  uint64_t max_entries = 100'000;
  std::vector<BackupLocation> locations;
  std::vector<ArchiveLogLocation> archive_logs;
};

// Parses the `backups:` section; errors name the file, line and key. Relative paths are
// resolved against `base_dir`.
absl::Status ParseBackupOptions(const ConfigNode& node, const std::string& base_dir,
                                BackupOptions* out);

}  // namespace vigil::agent
