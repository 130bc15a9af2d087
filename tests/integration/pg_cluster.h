// A throwaway PostgreSQL cluster for the postgres_sql tests: initdb in a temporary
// directory, started as the `postgres` OS user (the server refuses root) on a free
// loopback port, stopped and removed on destruction. Also a streaming standby made with
// pg_basebackup -R, and client sessions (libpq) that hold transactions and locks.
//
// Needs root (to run the server as `postgres`) and the PostgreSQL server binaries
// (Debian's postgresql package; PgBinDir() finds the newest installed major version).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

typedef struct pg_conn PGconn;

namespace vigil::testing {

// /usr/lib/postgresql/<newest>/bin, or "" if none is installed.
std::string PgBinDir();
// Whether the cluster tests can run here (root, `postgres` user, server binaries).
bool CanRunPostgres();

// A libpq session as the superuser, for load and for reading what PostgreSQL reports.
class PgSession {
 public:
  explicit PgSession(const std::string& conninfo);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;
  // Runs `sql` and returns the first column of the first row ("" if none); fails the
  // test on error unless `allow_error` (then returns the error message).
  std::string Exec(const std::string& sql, bool allow_error = false);
  // Sends `sql` without waiting (a statement that will block on a lock).
  void Send(const std::string& sql);
  // Waits for the result of Send(); returns the error message or "".
  std::string Finish();
  int pid() const;

 private:
  PGconn* conn_;
};

struct PgClusterOptions {
  std::string archive_command = "false";  // "" = archive_mode off
  bool pg_stat_statements = true;
};

class PgCluster {
 public:
  // initdb + start; the vigil role (password "vigil-secret", pg_monitor) is created.
  explicit PgCluster(const PgClusterOptions& options = {});
  // A streaming standby of `primary` through the physical slot `slot` (pg_basebackup -R).
  PgCluster(const PgCluster& primary, const std::string& slot);
  ~PgCluster();  // pg_ctl stop -m immediate
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  int port() const { return port_; }
  const std::string& socket_dir() const { return dir_.path(); }
  std::string Path(const std::string& name) const { return dir_.Path(name); }
  // A libpq conninfo for `user` on `dbname` over the Unix socket.
  std::string Conninfo(const std::string& dbname = "postgres",
                       const std::string& user = "postgres") const;
  // One value from a fresh superuser session.
  std::string Query(const std::string& sql, const std::string& dbname = "postgres") const;
  std::string Log() const;

 private:
  void RunAsPostgres(const std::vector<std::string>& argv) const;
  void Start();

  TempDir dir_;
  int port_ = 0;
  bool started_ = false;
};

}  // namespace vigil::testing
