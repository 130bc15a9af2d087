// A real Prometheus (Debian's `prometheus` package, 2.42) for differential tests: its
// TSDB backfilled from OpenMetrics text with `promtool tsdb create-blocks-from
// openmetrics`, started on a free loopback port with its own data directory and no
// scrape targets, queried over its HTTP API. Answers are converted to Vigil's
// query::QueryResult so that both engines' answers compare directly.
//
// Prometheus' defaults that matter to the answers: the lookback delta is 5 minutes
// (passed explicitly), range selectors take [t - range, t] with both ends included (2.x),
// a range query evaluates at start, start + step, ... <= end.
//
// Not thread-safe; the process is killed on destruction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "collector/query/value.h"
#include "tests/support/process.h"

namespace vigil::testing {

inline constexpr char kPrometheusBinary[] = "/usr/bin/prometheus";
inline constexpr char kPromtoolBinary[] = "/usr/bin/promtool";

// "" if both binaries are installed, else what is missing (for a skip message).
std::string PrometheusUnavailable();

class PrometheusServer {
 public:
  // Backfills `openmetrics` into dir/data, starts Prometheus on it and waits (polling
  // /-/ready, with a deadline) until it serves.
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(const std::string& dir,
                                                                 const std::string& openmetrics);

  // /api/v1/query and /api/v1/query_range. A Prometheus error answer becomes a status:
  // bad_data -> kInvalidArgument, execution -> kFailedPrecondition, anything else (or
  // an unreadable answer) -> kInternal; the message is Prometheus' "error".
  absl::StatusOr<query::QueryResult> Instant(const std::string& expr, int64_t time_ms) const;
  absl::StatusOr<query::QueryResult> Range(const std::string& expr, int64_t start_ms,
                                           int64_t end_ms, int64_t step_ms) const;

  // The answer's body as Prometheus sent it, for failure messages.
  const std::string& last_body() const { return last_body_; }
  int port() const { return port_; }

 private:
  PrometheusServer() = default;
  absl::StatusOr<query::QueryResult> Get(const std::string& path_and_query) const;

  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  mutable std::string last_body_;
};

// HTTP/1.0 GET of http://127.0.0.1:port/path_and_query (HTTP/1.0: no chunked answers).
// Returns the status code and fills *body.
absl::StatusOr<int> HttpGet(int port, const std::string& path_and_query, std::string* body);

// Percent-encodes everything but unreserved characters (RFC 3986).

}  // namespace vigil::testing
