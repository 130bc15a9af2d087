#include "agent/sources/backup_options.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

// name, path, glob, max_age and interval, common to both lists.
template <typename Location>
absl::Status ParseCommon(const ConfigNode& node, const std::string& base_dir,
                         std::set<std::string>* names, Location* out) {
  VIGIL_RETURN_IF_ERROR(node.RequireString("name", &out->name));
  if (out->name.empty()) return node.Error("name", "must not be empty");
  if (!names->insert(out->name).second) {
    return node.Error("name", absl::StrCat("\"", out->name, "\" is listed twice"));
  }
  VIGIL_RETURN_IF_ERROR(node.RequireString("path", &out->path));
  if (out->path.empty()) return node.Error("path", "must name a directory");
  out->path = ResolveConfigPath(base_dir, out->path);
  VIGIL_RETURN_IF_ERROR(node.GetString("glob", &out->glob));
  if (out->glob.empty() || out->glob.find('/') != std::string::npos) {
    return node.Error("glob", "must be a file name pattern such as *.bkp (no '/')");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("max_age", &out->max_age));
  if (node.Has("max_age") && out->max_age <= absl::ZeroDuration()) {
    return node.Error("max_age", "must be positive");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("interval", &out->interval));
  if (node.Has("interval") && out->interval < absl::Seconds(10)) {
    return node.Error("interval", "must be at least 10s");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseBackupOptions(const ConfigNode& node, const std::string& base_dir,
                                BackupOptions* out) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"interval", "max_entries", "locations", "archive_logs"}));
  VIGIL_RETURN_IF_ERROR(node.GetDuration("interval", &out->interval));
  if (out->interval < absl::Seconds(10)) return node.Error("interval", "must be at least 10s");
  int64_t max_entries = static_cast<int64_t>(out->max_entries);
  VIGIL_RETURN_IF_ERROR(node.GetInt("max_entries", &max_entries));
  if (max_entries < 100) return node.Error("max_entries", "must be at least 100");
  out->max_entries = static_cast<uint64_t>(max_entries);

  std::set<std::string> names;
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> locations, node.Child("locations").Elements());
  for (const ConfigNode& l : locations) {
    VIGIL_RETURN_IF_ERROR(l.CheckKeys(
        {"name", "path", "glob", "recursive", "kind", "window", "max_age", "interval"}));
    BackupLocation location;
    VIGIL_RETURN_IF_ERROR(ParseCommon(l, base_dir, &names, &location));
    VIGIL_RETURN_IF_ERROR(l.GetBool("recursive", &location.recursive));
    VIGIL_RETURN_IF_ERROR(l.GetString("kind", &location.kind));
    if (location.kind != "rman" && location.kind != "expdp" && location.kind != "pg_basebackup" &&
        location.kind != "other") {
      return l.Error("kind", "must be rman, expdp, pg_basebackup or other");
    }
    VIGIL_RETURN_IF_ERROR(l.GetDuration("window", &location.window));
    if (location.window < absl::Minutes(1)) return l.Error("window", "must be at least 1m");
    out->locations.push_back(std::move(location));
  }

  names.clear();
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> archives, node.Child("archive_logs").Elements());
  for (const ConfigNode& a : archives) {
    VIGIL_RETURN_IF_ERROR(a.CheckKeys({"name", "path", "glob", "max_age", "interval"}));
    ArchiveLogLocation archive;
    VIGIL_RETURN_IF_ERROR(ParseCommon(a, base_dir, &names, &archive));
    out->archive_logs.push_back(std::move(archive));
  }
  return absl::OkStatus();
}

}  // namespace vigil::agent
