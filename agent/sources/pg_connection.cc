#include "agent/sources/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

// How long a cancelled query may take to come back before the connection is dropped.
constexpr absl::Duration kCancelGrace = absl::Seconds(2);
// How often a wait looks at the stop flag.
constexpr absl::Duration kStopCheck = absl::Milliseconds(200);

std::string OneLine(absl::string_view message) {
  std::string text(absl::StripAsciiWhitespace(message));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

// Waits for `events` on `fd` until `deadline`; false at the deadline or on stop.
bool WaitSocket(int fd, short events, absl::Time deadline, const std::atomic<bool>* stopping) {
  while (true) {
    if (stopping != nullptr && stopping->load()) return false;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    struct pollfd p {
      fd, events, 0
    };
    const int n = poll(&p, 1, static_cast<int>(Millis(std::min(left, kStopCheck))) + 1);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // let libpq report the error
  }
}

}  // namespace

int PgResult::Column(absl::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column) return static_cast<int>(i);
  }
  return -1;
}

std::optional<std::string> PgResult::Get(size_t row, absl::string_view column) const {
  const int c = Column(column);
  if (c < 0 || row >= rows.size()) return std::nullopt;
  return rows[row][static_cast<size_t>(c)];
}

std::optional<double> PgResult::Number(size_t row, absl::string_view column) const {
  std::optional<std::string> text = Get(row, column);
  if (!text) return std::nullopt;
  if (*text == "t") return 1.0;
  if (*text == "f") return 0.0;
  double value = 0;
  if (!absl::SimpleAtod(*text, &value)) return std::nullopt;
  return value;
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const PostgresInstanceOptions& o, const std::atomic<bool>* stopping) {
  const std::string where = absl::StrCat("instance ", o.name, " (", o.host, ":", o.port, ")");
  std::string password;
  if (!o.password_file.empty()) {
    absl::StatusOr<std::string> text = ReadFile(o.password_file, 4096);
    if (!text.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          where, ": cannot read password_file ", o.password_file, ": ", text.status().message()));
    }
    password = std::string(absl::StripTrailingAsciiWhitespace(*text));
  }
  const std::string port = std::to_string(o.port);
  const std::string timeout_ms = std::to_string(Millis(o.query_timeout));
  const std::string session =
      absl::StrCat("-c default_transaction_read_only=on -c statement_timeout=", timeout_ms,
                   " -c lock_timeout=", timeout_ms);
  const std::string connect_timeout =
      std::to_string(std::max<int64_t>(2, absl::ToInt64Seconds(o.connect_timeout)));
  std::vector<const char*> keys;
  std::vector<const char*> values;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    keys.push_back(key);
    values.push_back(value.c_str());
  };
  add("host", o.host);
  add("port", port);
  add("user", o.user);
  add("dbname", o.dbname);
  add("password", password);
  add("sslmode", o.sslmode);
  add("sslrootcert", o.sslrootcert);
  add("sslcert", o.sslcert);
  add("sslkey", o.sslkey);
  add("connect_timeout", connect_timeout);
  add("application_name", "vigil-agent");
  add("options", session);
  keys.push_back(nullptr);
  values.push_back(nullptr);

  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
  std::fill(password.begin(), password.end(), '\0');
  if (conn == nullptr) return absl::ResourceExhaustedError(absl::StrCat(where, ": out of memory"));
  std::unique_ptr<PgConnection> connection(new PgConnection(conn, o.name, stopping));
  const absl::Time deadline = absl::Now() + o.connect_timeout;
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (PQstatus(conn) != CONNECTION_BAD) {
    if (state == PGRES_POLLING_OK) break;
    if (state == PGRES_POLLING_FAILED) break;
    const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (!WaitSocket(PQsocket(conn), events, deadline, stopping)) {
      if (stopping != nullptr && stopping->load()) {
        return absl::CancelledError(absl::StrCat(where, ": agent stopping"));
      }
      return absl::DeadlineExceededError(
          absl::StrCat(where, ": no connection within ", absl::FormatDuration(o.connect_timeout)));
    }
    state = PQconnectPoll(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat(where, ": connection failed: ", OneLine(PQerrorMessage(conn))));
  }
  return connection;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgConnection::broken() const { return abandoned_ || PQstatus(conn_) != CONNECTION_OK; }
int PgConnection::server_version() const { return PQserverVersion(conn_); }
int PgConnection::backend_pid() const { return PQbackendPID(conn_); }

bool PgConnection::WaitReadable(absl::Time deadline) const {
  return WaitSocket(PQsocket(conn_), POLLIN, deadline, stopping_);
}

void PgConnection::Abandon() {
  abandoned_ = true;
  PQfinish(conn_);
  conn_ = nullptr;
}

absl::StatusOr<PgResult> PgConnection::Query(absl::string_view sql, absl::Duration timeout) {
  if (broken()) {
    return absl::FailedPreconditionError(absl::StrCat("instance ", instance_, ": not connected"));
  }
  const std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) {
    return absl::UnavailableError(
        absl::StrCat("instance ", instance_, ": ", OneLine(PQerrorMessage(conn_))));
  }
  // The server cancels the query itself at statement_timeout (= `timeout`) and answers
  // with an error. Only a server that cannot answer at all (stopped, I/O-stalled,
  // unreachable) reaches the client deadline a grace later: then the session is closed
  // rather than cancelled, because PQcancel() blocks without a timeout on a new
  // connection to that same unresponsive server.
  const absl::Time deadline = absl::Now() + timeout + kCancelGrace;
  while (true) {
    if (PQconsumeInput(conn_) == 0) {
      return absl::UnavailableError(
          absl::StrCat("instance ", instance_, ": ", OneLine(PQerrorMessage(conn_))));
    }
    if (PQisBusy(conn_) == 0) break;
    if (WaitReadable(deadline)) continue;
    if (stopping_ != nullptr && stopping_->load()) {
      Abandon();
      return absl::CancelledError(absl::StrCat("instance ", instance_, ": agent stopping"));
    }
    Abandon();
    return absl::DeadlineExceededError(absl::StrCat(
        "instance ", instance_, ": no answer within ", absl::FormatDuration(timeout + kCancelGrace),
        " (statement_timeout is ", absl::FormatDuration(timeout), "); connection closed"));
  }
  PgResult out;
  absl::Status status = absl::OkStatus();
  while (PGresult* result = PQgetResult(conn_)) {
    const ExecStatusType st = PQresultStatus(result);
    if (st == PGRES_TUPLES_OK) {
      out = PgResult();
      const int columns = PQnfields(result);
      for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result, c));
      const int rows = PQntuples(result);
      out.rows.reserve(static_cast<size_t>(rows));
      for (int r = 0; r < rows; ++r) {
        std::vector<std::optional<std::string>> row;
        row.reserve(static_cast<size_t>(columns));
        for (int c = 0; c < columns; ++c) {
          if (PQgetisnull(result, r, c)) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(std::string(PQgetvalue(result, r, c),
                                         static_cast<size_t>(PQgetlength(result, r, c))));
          }
        }
        out.rows.push_back(std::move(row));
      }
    } else if (st != PGRES_COMMAND_OK && status.ok()) {
      std::string message = OneLine(PQresultErrorMessage(result));
      const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      // 57014 query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout)
      const bool timed_out = code != nullptr && (std::string_view(code) == "57014" ||
                                                 std::string_view(code) == "55P03");
      status = timed_out ? absl::DeadlineExceededError(
                               absl::StrCat("instance ", instance_, ": timed out after ",
                                            absl::FormatDuration(timeout), ": ", message))
                         : absl::InternalError(absl::StrCat("instance ", instance_, ": ", message));
    }
    PQclear(result);
  }
  if (!status.ok()) return status;
  return out;
}

}  // namespace vigil::agent
