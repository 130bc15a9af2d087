// The configuration files of the databases running on the host, for the file_watch
// source (file_watch.h) to watch without being told:
//  - each PostgreSQL postmaster: its postgresql.conf (-c config_file=, else in the -D
//    directory), postgresql.auto.conf (in the data directory), pg_hba.conf and
//    pg_ident.conf (hba_file / ident_file from the command line or postgresql.conf, else
//    in the -D directory). `include` files are not followed.
//  - each Oracle instance (ora_pmon_<SID>): $ORACLE_HOME/dbs/spfile<SID>.ora and
//    init<SID>.ora, and sqlnet.ora, listener.ora, tnsnames.ora in
//    $ORACLE_HOME/network/admin and in $TNS_ADMIN. ORACLE_HOME and TNS_ADMIN come from
//    the pmon's /proc/<pid>/environ (readable by root or the oracle user), else from the
//    oracle: instances configuration. Control files are never added (their paths live
//    inside the database and they change at every checkpoint): list them in
//    file_watch.paths with hash: false.
//
// Finding the processes (FindDatabaseProcesses) reads only /proc and runs on the
// sampling thread; turning them into paths (ConfigFilesOf) reads postgresql.conf and runs
// on the file_watch job thread.
//
// Thread-safety: DatabaseProcessFinder is used from one thread; the free functions have
// no shared state.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "agent/sources/oracle_options.h"

namespace vigil::agent {

class ProcessTable;

struct DatabaseProcess {
  enum class Kind { kPostgres, kOracle };
  Kind kind = Kind::kPostgres;
  // PostgreSQL: the postmaster's argv and working directory (its data directory).
  std::vector<std::string> argv;
  std::string cwd;
  // Oracle: the SID and the environment that locates its files.
  std::string sid;
  std::string oracle_home;
  std::string tns_admin;
};

// The settings of a postgresql.conf: `name = value` or `name value`, value optionally
// single-quoted ('' for a quote), `#` comments. Later lines win; names in lower case.
absl::flat_hash_map<std::string, std::string> ParsePostgresConf(absl::string_view text);

// The files to watch for `process`. `read_file` returns a small file's content (for
// postgresql.conf), nullopt if unreadable; paths passed to it and returned are host paths.
using ReadSmallFile = std::function<std::optional<std::string>(const std::string& path)>;
std::vector<std::string> ConfigFilesOf(const DatabaseProcess& process,
                                       const ReadSmallFile& read_file);

// Finds the postmasters and pmons in the process table, remembering what it read of
// each (cwd, environ) by pid and start time.
class DatabaseProcessFinder {
 public:
  // `oracle` gives ORACLE_HOME for instances whose environ is unreadable.
  explicit DatabaseProcessFinder(OracleOptions oracle) : oracle_(std::move(oracle)) {}
  std::vector<DatabaseProcess> Find(ProcessTable& table);

 private:
  struct Known {
    uint64_t start_time_ticks = 0;
    DatabaseProcess process;
  };
  OracleOptions oracle_;
  absl::flat_hash_map<int, Known> known_;  // by pid
};

}  // namespace vigil::agent
