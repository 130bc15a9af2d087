#include "agent/sources/oracle_options.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

// "auto" is a word, not a file name.
std::string Resolve(const std::string& base_dir, const std::string& path) {
  return path == "auto" ? path : ResolveConfigPath(base_dir, path);
}

absl::Status ParseSql(const ConfigNode& node, const std::string& base_dir, OracleSqlOptions* sql) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys(
      {"enabled", "command", "run_as", "script", "tns_admin", "interval", "timeout"}));
  VIGIL_RETURN_IF_ERROR(node.GetBool("enabled", &sql->enabled));
  VIGIL_RETURN_IF_ERROR(node.GetStringList("command", &sql->command));
  if (node.Has("command") && sql->command.empty()) {
    return node.Error("command", "must name a program (or leave it out for sqlplus)");
  }
  VIGIL_RETURN_IF_ERROR(node.GetString("run_as", &sql->run_as));
  VIGIL_RETURN_IF_ERROR(node.GetString("script", &sql->script));
  if (sql->script.empty()) return node.Error("script", "must be a path (or leave it out)");
  sql->script = Resolve(base_dir, sql->script);
  VIGIL_RETURN_IF_ERROR(node.GetString("tns_admin", &sql->tns_admin));
  sql->tns_admin = Resolve(base_dir, sql->tns_admin);
  if (!sql->command.empty() && !absl::StartsWith(sql->command[0], "/") &&
      !absl::StartsWith(sql->command[0], "$ORACLE_HOME/")) {
    return node.Error("command",
                      "the program must be an absolute path or start with $ORACLE_HOME/");
  }
  VIGIL_RETURN_IF_ERROR(node.GetDuration("interval", &sql->interval));
  if (sql->interval < absl::Seconds(10)) return node.Error("interval", "must be at least 10s");
  VIGIL_RETURN_IF_ERROR(node.GetDuration("timeout", &sql->timeout));
  if (sql->timeout < absl::Seconds(1) || sql->timeout > sql->interval) {
    return node.Error("timeout", "must be at least 1s and at most the interval");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseOracleOptions(const ConfigNode& node, const std::string& base_dir,
                                OracleOptions* out) {
  VIGIL_RETURN_IF_ERROR(
      node.CheckKeys({"expected_sids", "expected_listeners", "instances", "listener_logs"}));
  VIGIL_RETURN_IF_ERROR(node.GetStringList("expected_sids", &out->expected_sids));
  VIGIL_RETURN_IF_ERROR(node.GetStringList("expected_listeners", &out->expected_listeners));

  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> instances, node.Child("instances").Elements());
  std::set<std::string> sids;
  for (const ConfigNode& i : instances) {
    VIGIL_RETURN_IF_ERROR(i.CheckKeys({"sid", "alert_log", "oracle_home", "oracle_base", "sql"}));
    OracleInstanceOptions instance;
    VIGIL_RETURN_IF_ERROR(i.RequireString("sid", &instance.sid));
    if (!sids.insert(instance.sid).second) {
      return i.Error("sid", absl::StrCat("\"", instance.sid, "\" is listed twice"));
    }
    VIGIL_RETURN_IF_ERROR(i.GetString("alert_log", &instance.alert_log));
    instance.alert_log = Resolve(base_dir, instance.alert_log);
    VIGIL_RETURN_IF_ERROR(i.GetString("oracle_home", &instance.oracle_home));
    VIGIL_RETURN_IF_ERROR(i.GetString("oracle_base", &instance.oracle_base));
    VIGIL_RETURN_IF_ERROR(ParseSql(i.Child("sql"), base_dir, &instance.sql));
    out->instances.push_back(std::move(instance));
  }

  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> listeners, node.Child("listener_logs").Elements());
  std::set<std::string> names;
  for (const ConfigNode& l : listeners) {
    VIGIL_RETURN_IF_ERROR(l.CheckKeys({"name", "path"}));
    OracleListenerLogOptions listener;
    VIGIL_RETURN_IF_ERROR(l.GetString("name", &listener.name));
    if (!names.insert(listener.name).second) {
      return l.Error("name", absl::StrCat("\"", listener.name, "\" is listed twice"));
    }
    VIGIL_RETURN_IF_ERROR(l.GetString("path", &listener.path));
    if (listener.path.empty()) return l.Error("path", "must be a path or \"auto\"");
    listener.path = Resolve(base_dir, listener.path);
    out->listener_logs.push_back(std::move(listener));
  }
  return absl::OkStatus();
}

}  // namespace vigil::agent
