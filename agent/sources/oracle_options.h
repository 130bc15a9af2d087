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
  // argv of the command; empty: `sqlplus -S -L / as sysdba` from $ORACLE_HOME/bin. The
  // first element is an absolute path; "$ORACLE_HOME" and "$ORACLE_SID" in any element
  // are replaced. Run as `run_as`: the agent drops to that user in the child when it
  // runs as root, and goes through `sudo -n -u <run_as> --` otherwise.
  std::vector<std::string> command;
  std::string run_as = "oracle";  // "" runs the command as the agent's own user
  // The script fed to the command's standard input: by default the shipped
  // deploy/oracle/vigil_checks.sql as installed. Read at every run (at most 1 MiB).
  std::string script = "/usr/share/vigil/oracle/vigil_checks.sql";
  // TNS_ADMIN for the command (the directory of sqlnet.ora and tnsnames.ora, e.g. for a
  // wallet-based monitoring user); "" leaves it unset.
  std::string tns_admin;
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
