// PostgreSQL instances found in the process table: each postmaster, its background
// processes and its client backends, without connecting to the database (so it works
// when the database is down, hung or out of connections).
//
// A postmaster is a process whose argv[0] basename is "postgres" or "postmaster" and
// whose parent is not itself a PostgreSQL process (a freshly forked child still carries
// the postmaster's argv until it sets its title). Its children are the processes whose
// ppid is the postmaster; they are told apart by the title they set,
// "postgres: [cluster_name: ]<what>".
//
// An instance is named by its port ("5432"), else by its data directory. The port comes
// from -p / -c port= / --port=, else from line 4 of <data dir>/postmaster.pid; the data
// directory from -D / -c data_directory=, else from the postmaster's cwd (it chdir()s
// into its data directory).
//
// Metrics (db="postgres"):
//   vigil_db_up{instance_name,port,data_dir}         1 while the postmaster runs; 0 for
//       instances seen since the agent started or configured as expected (matched by
//       port) that are gone, which is then the only metric of the instance
//   vigil_process_up{instance_name,role}             postmaster, checkpointer,
//       background_writer, walwriter, autovacuum_launcher, archiver, walsender,
//       walreceiver, startup, logical_replication_launcher
//   vigil_process_count{instance_name,role}          walsender, autovacuum_worker
//   vigil_db_backends{instance_name}                 client backends
//   vigil_db_start_time_seconds{instance_name}       postmaster start, Unix time
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// What a postmaster child is, from its title.
enum class PostgresRole {
  kCheckpointer,
  kBackgroundWriter,
  kWalWriter,
  kAutovacuumLauncher,
  kArchiver,
  kWalSender,
  kWalReceiver,
  kStartup,  // WAL replay: recovery on a standby, or crash recovery
  kLogicalReplicationLauncher,
  kStatsCollector,  // PostgreSQL <= 14
  kAutovacuumWorker,
  kParallelWorker,
  kLogicalReplicationWorker,
  kClientBackend,
  // Known processes that are neither (logger, walsummarizer, io worker, ...) and
  // extension background workers ("pg_cron launcher"): not counted as backends.
  kOther,
};

// The metric label of a role: "background_writer", "client_backend", ...
absl::string_view PostgresRoleName(PostgresRole role);

// Classifies a child's title (its first cmdline element), as set by PostgreSQL 9.6 to 17
// with or without cluster_name: "postgres: checkpointer",
// "postgres: 16/main: walsender repl 10.0.0.2(45678) streaming 0/3000060",
// "postgres: app hisdb [local] idle". A client backend is recognised by the shape of
// its title ("user database host(port)|[local] activity"). nullopt if `title` is not a
// PostgreSQL title (a child that has not set its title yet).
std::optional<PostgresRole> ClassifyPostgresTitle(absl::string_view title);

// Whether `argv0` is a postmaster's: basename "postgres" or "postmaster", not a title.
bool IsPostmasterArgv0(absl::string_view argv0);

// What a postmaster's command line says; empty fields were not given.
struct PostmasterArgs {
  std::string data_dir;  // -D, --pgdata, -c data_directory=
  std::string port;      // -p, -c port=, --port=
};
PostmasterArgs ParsePostmasterArgs(const std::vector<std::string>& argv);

// The port in the content of postmaster.pid (line 4); empty if absent or not a number.
std::string ParsePostmasterPidPort(absl::string_view content);

// Creates the "postgres" source. options.expected_postgres lists instances reported as
// down even if the agent never saw them up.
absl::StatusOr<std::unique_ptr<Source>> CreatePostgresProcessSource(const SourceOptions& options);

}  // namespace vigil::agent
