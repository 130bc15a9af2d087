// The `file_watch:` section of agent.yaml: which files the file_watch source
// (file_watch.h) watches for changes, and where it keeps their baseline.
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

struct WatchedPathOptions {
  std::string path;  // absolute; may be a glob(3) pattern
  // Whether content changes are detected (SHA-256). Off for files that change by design
  // (Oracle control files): then only existence, owner and mode are compared.
  bool hash = true;
};

struct FileWatchOptions {
  // Adds the configuration files of the PostgreSQL and Oracle instances found running.
  bool auto_discover = true;
  absl::Duration interval = absl::Minutes(1);
  std::vector<WatchedPathOptions> paths;
  // Files larger than this are not hashed (their size and time stand in for content).
  uint64_t max_hash_bytes = 64 << 20;
  // The baseline across restarts; "" = <state_dir>/file_watch.state.
  std::string state_file;
};

// Parses the `file_watch:` section; errors name the file, line and key. `paths` entries
// are strings or {path, hash} mappings; relative paths are resolved against `base_dir`.
absl::Status ParseFileWatchOptions(const ConfigNode& node, const std::string& base_dir,
                                   FileWatchOptions* out);

}  // namespace vigil::agent
