// Oracle SQL checks: for each configured instance (oracle.instances[] with sql.enabled),
// a command (by default `$ORACLE_HOME/bin/sqlplus -S -L / as sysdba` as the oracle user)
// reads a script (deploy/oracle/vigil_checks.sql) on its standard input and prints
// records in the format of oracle_sql_output.h, which become metrics and events. No
// Oracle client library is linked: the agent only starts a program.
//
// Each instance has its own BackgroundJobs (a hung database delays neither the host
// metrics nor the other instances); a run is bounded by bounded_command.h (timeout,
// process group killed, output cut at 4 MiB).
//
// The command's environment: ORACLE_SID, ORACLE_HOME (configured, else read from the
// running ora_pmon_<SID>'s /proc/<pid>/environ; oracle_environment.h), PATH and
// LD_LIBRARY_PATH under it, NLS_LANG=AMERICAN_AMERICA.AL32UTF8 (a '.' decimal point and
// UTF-8 text), TNS_ADMIN if configured, LANG=C. Its user: run_as, dropped to in the child
// when the agent is root, through `sudo -n -u <run_as> --` otherwise (deploy/oracle/
// README.md, "Privileges").
//
// Metrics, each with instance_name=<SID>, added when a run finishes:
//   oracle_sql_up                       1 if the last run exited 0 with a complete output
//                                       (VIGIL_BEGIN ... VIGIL_END) and no garbage line
//   oracle_sql_duration_seconds         how long the last run took
//   oracle_sql_failures_total{reason}   runs failed since the agent started, by the first
//       reason that applies: start (no ORACLE_HOME, unreadable script, unknown user, exec
//       failed), timeout, exit (non-zero exit or killed by a signal), truncated (no
//       VIGIL_END, or more than 4 MiB of output), garbage (no VIGIL_BEGIN, or lines that
//       are not records)
//   oracle_sql_records                  records taken from the last run
//   oracle_sql_parse_errors_total       garbage lines since the agent started
//   oracle_sql_records_dropped_total    records and events beyond the per-run caps
//   oracle_sql_events_total             events taken from the script's output
//   oracle_sql_check_up{check}          1/0 per check the script reported (0: the check's
//                                       query failed, e.g. ORA-01219 on a mounted standby)
//   and the script's own oracle_* metrics with instance_name added.
// Events: the script's (e.g. oracle_top_sql), labelled instance_name, at most 20 a run.
// A failed run is a job error: logged (naming the instance and the reason) when it
// starts failing or its reason changes, and counted in vigil_agent_job_* (job=<SID>).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "agent/sources/bounded_command.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// What one run of one instance's checks would execute (before the script is read), for
// the source and for tests: the argv, environment and user. Fails (reason "start") when
// sqlplus is the command and no ORACLE_HOME is known, or run_as is an unknown user.
// `agent_is_root` and `agent_user` describe the agent's own identity.
absl::StatusOr<BoundedCommand> BuildOracleSqlCommand(const OracleInstanceOptions& instance,
                                                     const std::string& proc_root,
                                                     bool agent_is_root,
                                                     const std::string& agent_user);

// Creates the "oracle_sql" source for options.oracle.instances.
absl::StatusOr<std::unique_ptr<Source>> CreateOracleSqlSource(const SourceOptions& options);

}  // namespace vigil::agent
