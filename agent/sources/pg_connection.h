// One libpq connection to a PostgreSQL instance, for the monitoring queries of
// postgres_sql.h.
//
// Every session is read-only (default_transaction_read_only), named "vigil-agent"
// (application_name, so the DBA sees it in pg_stat_activity) and bounded on both sides:
// the server cancels a statement after statement_timeout (and lock_timeout), and the
// client gives up at its own deadline a grace later (PQsendQuery + poll) and closes the
// session, so a hung or stopped server cannot hold the caller longer than the query
// timeout plus a short grace. PQcancel() is never called: it opens a new connection to
// the same server and waits for it without a timeout.
// A connection whose query had to be abandoned is closed; the caller reconnects.
//
// The password, if any, is read from the password file at each connect and never kept
// or logged; libpq's own error messages do not contain it.
//
// Not thread-safe: one connection belongs to one BackgroundJobs thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/postgres_options.h"

typedef struct pg_conn PGconn;

namespace vigil::agent {

// A query's result as text, as libpq returns it; NULL is nullopt.
struct PgResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;

  // The index of `column`, or -1.
  int Column(absl::string_view column) const;
  // The value at (row, column name); nullopt if NULL or no such column.
  std::optional<std::string> Get(size_t row, absl::string_view column) const;
  // Parsed as a number; nullopt if NULL, missing or not a number.
  std::optional<double> Number(size_t row, absl::string_view column) const;
};

class PgConnection {
 public:
  // Connects within options.connect_timeout; the error names the instance (never the
  // password). `stopping` (may be null) ends the wait early.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      const PostgresInstanceOptions& options, const std::atomic<bool>* stopping);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one statement) and returns its rows. The server's statement_timeout
  // (`timeout`) ends a slow query with an error; DeadlineExceeded if the server did not
  // answer within `timeout` plus a grace: the connection is closed and broken() is true.
  absl::StatusOr<PgResult> Query(absl::string_view sql, absl::Duration timeout);

  // True once the connection is unusable (the server went away, a query was abandoned).
  bool broken() const;
  int server_version() const;  // server_version_num, e.g. 150004
  int backend_pid() const;

 private:
  PgConnection(PGconn* conn, std::string instance, const std::atomic<bool>* stopping)
      : conn_(conn), instance_(std::move(instance)), stopping_(stopping) {}
  // Waits until the socket is readable or `deadline`; false at the deadline or on stop.
  bool WaitReadable(absl::Time deadline) const;
  void Abandon();

  PGconn* conn_;
  std::string instance_;
  const std::atomic<bool>* stopping_;
  bool abandoned_ = false;
};

}  // namespace vigil::agent
