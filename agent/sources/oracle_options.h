// What the agent is told about the Oracle databases on its host: the `oracle:` section
// of agent.yaml. The process source (oracle_process.h) uses the expected SIDs and
// listeners; the alert-log, listener-log and SQL-check sources use the instances and
// listener logs. Oracle's client libraries are never needed: logs are read as files
// and SQL runs through a command (sqlplus by default).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace vigil {
class ConfigNode;
}

namespace vigil::agent {

// SQL checks of one instance (oracle_sql.h): a command reads a script on its standard
// input and prints lines in the format of deploy/oracle/README.md.
struct OracleSqlOptions {
  bool enabled = true;
  // argv of the command; empty: `sqlplus -S -L / as sysdba` from $ORACLE_HOME/bin, run
  // as `run_as` (through `sudo -n -u <run_as>` when the agent is not root).
  std::vector<std::string> command;
  std::string run_as = "oracle";  // "" runs the command as the agent's own user
  // The script fed to the command's standard input; empty: the shipped
  // deploy/oracle/vigil_checks.sql (installed as /usr/share/vigil/oracle/vigil_checks.sql).
  std::string script;
  absl::Duration interval = absl::Minutes(5);
  absl::Duration timeout = absl::Seconds(60);  // the command is killed after it
};

struct OracleInstanceOptions {
  std::string sid;  // ORACLE_SID; the `sid` label
  // The alert log: a path, or "auto" (found from the running instance's trace
  // directory, else $ORACLE_BASE/diag/rdbms/*/<SID>/trace/alert_<SID>.log), or "" (off).
  std::string alert_log = "auto";
  std::string oracle_home;  // "" = from the running instance's environment
  std::string oracle_base;  // "" = from the running instance's environment
  OracleSqlOptions sql;
};

struct OracleListenerLogOptions {
  std::string name = "LISTENER";  // the `listener` label
  // The listener's log.xml-free text log: a path, or "auto" (found under
  // $ORACLE_BASE/diag/tnslsnr/<host>/<name lower case>/trace/<name lower case>.log).
  std::string path = "auto";
};

struct OracleOptions {
  // Reported as down even if never seen running (oracle_process.h).
  std::vector<std::string> expected_sids;
  std::vector<std::string> expected_listeners;
  std::vector<OracleInstanceOptions> instances;
  std::vector<OracleListenerLogOptions> listener_logs;
};

// Parses the `oracle:` section; every error names the file, line and key. Relative
// paths are resolved against `base_dir`.
absl::Status ParseOracleOptions(const ConfigNode& node, const std::string& base_dir,
                                OracleOptions* out);

}  // namespace vigil::agent
