#include "agent/sources/file_watch_options.h"

#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/status.h"

namespace vigil::agent {
namespace {}  // namespace

absl::Status ParseFileWatchOptions(const ConfigNode& node, const std::string& base_dir,
                                   FileWatchOptions* out) {
  VIGIL_RETURN_IF_ERROR(
      node.CheckKeys({"auto", "interval", "paths", "max_hash_bytes", "state_file"}));
  VIGIL_RETURN_IF_ERROR(node.GetBool("auto", &out->auto_discover));
  VIGIL_RETURN_IF_ERROR(node.GetDuration("interval", &out->interval));
  if (out->interval < absl::Seconds(1)) return node.Error("interval", "must be at least 1s");
  VIGIL_RETURN_IF_ERROR(node.GetBytes("max_hash_bytes", &out->max_hash_bytes));
  VIGIL_RETURN_IF_ERROR(node.GetString("state_file", &out->state_file));
  out->state_file = ResolveConfigPath(base_dir, out->state_file);
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> paths, node.Child("paths").Elements());
  for (const ConfigNode& p : paths) {
    WatchedPathOptions watched;
    absl::StatusOr<std::string> scalar = p.Scalar();
    if (scalar.ok()) {
      watched.path = *scalar;
    } else {
      VIGIL_RETURN_IF_ERROR(p.CheckKeys({"path", "hash"}));
      VIGIL_RETURN_IF_ERROR(p.RequireString("path", &watched.path));
      VIGIL_RETURN_IF_ERROR(p.GetBool("hash", &watched.hash));
    }
    watched.path = ResolveConfigPath(base_dir, watched.path);
    if (watched.path.empty()) return node.Error("paths", "an entry is empty");
    if (watched.path.find('\n') != std::string::npos) {
      return node.Error("paths", "a path must not contain a line break");
    }
    out->paths.push_back(std::move(watched));
  }
  return absl::OkStatus();
}

}  // namespace vigil::agent
