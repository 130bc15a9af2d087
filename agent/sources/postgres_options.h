// What the agent is told about the PostgreSQL instances it queries over libpq: the
// `instances:` list of the `postgres:` section of agent.yaml (postgres_sql.h). The
// process source (postgres_process.h) uses `expected:` of the same section.
//
// Value types; no I/O here. The password file is read by the connection at connect
// time (pg_connection.h), so rotating it needs no agent restart and the password is
// never held in the configuration.
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

struct PostgresInstanceOptions {
  std::string name;                          // the `instance_name` label; default the port
  std::string host = "/var/run/postgresql";  // socket directory or host name
  int port = 5432;
  std::string user = "vigil";
  std::string dbname = "postgres";
  std::string password_file;  // "" = none (.pgpass, peer or certificate auth still work)
  // libpq's meanings; "" leaves libpq's default (sslmode "prefer").
  std::string sslmode;
  std::string sslrootcert;
  std::string sslcert;
  std::string sslkey;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration query_timeout = absl::Seconds(5);        // statement_timeout and client deadline
  absl::Duration interval = absl::Seconds(15);            // activity, replication, archiver...
  absl::Duration database_interval = absl::Minutes(1);    // pg_stat_database, xid age
  absl::Duration size_interval = absl::Minutes(5);        // database sizes
  absl::Duration statements_interval = absl::Minutes(5);  // pg_stat_statements top N
  int statements_top = 10;
};

// Parses `postgres.instances` (a sequence; absent = none). Every error names the file,
// line and key. Relative paths (password_file, ssl files) are resolved against
// `base_dir`.
absl::Status ParsePostgresInstances(const ConfigNode& node, const std::string& base_dir,
                                    std::vector<PostgresInstanceOptions>* out);

}  // namespace vigil::agent
