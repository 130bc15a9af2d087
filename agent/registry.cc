#include "agent/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "agent/sources/backups.h"
#include "agent/sources/cpu.h"
#include "agent/sources/diskstats.h"
#include "agent/sources/file_watch.h"
#include "agent/sources/filesystem.h"
#include "agent/sources/kernel_params.h"
#include "agent/sources/listen_sockets.h"
#include "agent/sources/loadavg.h"
#include "agent/sources/logins.h"
#include "agent/sources/meminfo.h"
#include "agent/sources/netdev.h"
#include "agent/sources/oracle_alert_log.h"
#include "agent/sources/oracle_listener_log.h"
#include "agent/sources/oracle_process.h"
#include "agent/sources/oracle_sql.h"
#include "agent/sources/postgres_process.h"
#include "agent/sources/processes.h"
#include "agent/sources/postgres_sql.h"
#include "agent/sources/time.h"
#include "agent/sources/vmstat.h"

namespace vigil::agent {

const std::vector<SourceInfo>& AllSources() {
  static const auto* sources = new std::vector<SourceInfo>{
      {"cpu",
       "/proc/stat: CPU time per mode, context switches, forks, interrupts, boot time, "
       "running and blocked processes",
       CreateCpuSource},
      {"meminfo", "/proc/meminfo: memory and swap", CreateMeminfoSource},
      {"diskstats", "/proc/diskstats: disk I/O per device", CreateDiskstatsSource},
      {"netdev", "/proc/net/dev: network traffic and errors per interface", CreateNetdevSource},
      {"filesystem", "mountinfo + statvfs: size, free, available, inodes, read-only",
       CreateFilesystemSource},
      {"loadavg", "/proc/loadavg: load averages", CreateLoadavgSource},
      {"time", "the host's clock", CreateTimeSource},
      {"postgres", "PostgreSQL postmasters and their background processes",
       CreatePostgresProcessSource},
      {"postgres_sql",
       "PostgreSQL over libpq: sessions, replication, archiving, checkpoints, per-database "
       "statistics, sizes, xid age, pg_stat_statements top SQL",
       CreatePostgresSqlSource},
      {"oracle", "Oracle instances (ora_pmon_<SID>), background processes and listeners",
       CreateOracleProcessSource},
      {"listen_sockets",
       "/proc/net/{tcp,udp}{,6} + fd tables: listening sockets, their processes, checked "
       "against security.listen_allowlist",
       CreateListenSocketsSource},
      {"kernel_params",
       "/proc/sys + /sys/kernel/mm: kernel parameters for databases (sysctls, transparent "
       "huge pages)",
       CreateKernelParamsSource},
      {"vmstat", "/proc/vmstat: OOM kills, page faults, swapping", CreateVmstatSource},
      {"processes", "/proc/<pid>/stat: processes per state (zombies), threads",
       CreateProcessesSource},
      {"backups",
       "backup files and archive-log directories (backups:): presence, age, size, filesystem",
       [](const SourceOptions& options) { return CreateBackupSource(options); }},
      {"file_watch",
       "configuration files of the databases and listed paths: owner, mode, SHA-256, changes",
       [](const SourceOptions& options) { return CreateFileWatchSource(options); }},
      {"oracle_sql",
       "Oracle SQL checks: sqlplus runs deploy/oracle/vigil_checks.sql per instance (tablespaces, "
       "FRA, archive destinations, Data Guard, RMAN, sessions)",
       CreateOracleSqlSource},
      {"oracle_alert_log",
       "Oracle alert logs (alert_<SID>.log): ORA- errors by code, startups, shutdowns, log "
       "switches; an event per error",
       CreateOracleAlertLogSource},
      {"oracle_listener_log",
       "Oracle listener logs: connections by service, refused connections and TNS- errors",
       CreateOracleListenerLogSource},
      {"logins", "the auth log: accepted and failed logins (sshd, su, sudo, login)",
       CreateLoginsSource},
  };
  return *sources;
}

absl::StatusOr<std::unique_ptr<Source>> CreateSource(absl::string_view name,
                                                     const SourceOptions& options) {
  for (const SourceInfo& info : AllSources()) {
    if (info.name == name) return info.create(options);
  }
  std::vector<absl::string_view> names;
  for (const SourceInfo& info : AllSources()) names.push_back(info.name);
  return absl::NotFoundError(
      absl::StrCat("unknown source \"", name, "\" (known: ", absl::StrJoin(names, ", "), ")"));
}

}  // namespace vigil::agent
