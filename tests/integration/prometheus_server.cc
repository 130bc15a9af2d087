#include "tests/integration/prometheus_server.h"
#include "common/url_encode.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file.h"
#include "common/status.h"
#include "tests/integration/cluster.h"

namespace vigil::testing {
namespace {

std::string Seconds(int64_t ms) {
  return absl::StrFormat("%s%d.%03d", ms < 0 ? "-" : "", std::abs(ms) / 1000, std::abs(ms) % 1000);
}

absl::StatusOr<double> ParseValue(const nlohmann::json& v) {
  double d = 0;
  if (!v.is_string()) return absl::InternalError(absl::StrCat("value is not a string: ", v.dump()));
  const std::string s = v.get<std::string>();
  if (s == "NaN") return std::nan("");
  if (s == "+Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (!absl::SimpleAtod(s, &d)) return absl::InternalError(absl::StrCat("bad value ", s));
  return d;
}

// [seconds, "value"] -> Point.
absl::StatusOr<query::Point> ParsePoint(const nlohmann::json& p) {
  if (!p.is_array() || p.size() != 2 || !p[0].is_number()) {
    return absl::InternalError(absl::StrCat("bad point ", p.dump()));
  }
  VIGIL_ASSIGN_OR_RETURN(double v, ParseValue(p[1]));
  return query::Point{std::llround(p[0].get<double>() * 1000), v};
}

absl::StatusOr<query::Series> ParseSeries(const nlohmann::json& s, const char* points_key) {
  query::Series out;
  std::vector<Label> labels;
  for (const auto& [name, value] : s.at("metric").items()) {
    labels.push_back({name, value.get<std::string>()});
  }
  out.labels = LabelSet(std::move(labels));
  if (std::string(points_key) == "value") {
    VIGIL_ASSIGN_OR_RETURN(query::Point p, ParsePoint(s.at("value")));
    out.points.push_back(p);
  } else {
    for (const nlohmann::json& p : s.at("values")) {
      VIGIL_ASSIGN_OR_RETURN(query::Point point, ParsePoint(p));
      out.points.push_back(point);
    }
  }
  return out;
}

absl::StatusOr<query::QueryResult> ParseAnswer(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InternalError(absl::StrCat("not JSON: ", body.substr(0, 200)));
  }
  if (j.value("status", "") != "success") {
    const std::string type = j.value("errorType", "");
    const std::string error = j.value("error", "");
    if (type == "bad_data") return absl::InvalidArgumentError(error);
    if (type == "execution") return absl::FailedPreconditionError(error);
    return absl::InternalError(absl::StrCat(type, ": ", error));
  }
  const nlohmann::json& data = j.at("data");
  const std::string type = data.value("resultType", "");
  query::QueryResult out;
  const nlohmann::json& result = data.at("result");
  if (type == "scalar" || type == "string") {
    out.type = type == "scalar" ? query::ValueType::kScalar : query::ValueType::kString;
    if (type == "scalar") {
      VIGIL_ASSIGN_OR_RETURN(out.scalar, ParsePoint(result));
    } else {
      out.string = result.at(1).get<std::string>();
    }
    return out;
  }
  if (type != "vector" && type != "matrix") {
    return absl::InternalError(absl::StrCat("unknown resultType ", type));
  }
  out.type = type == "vector" ? query::ValueType::kInstantVector : query::ValueType::kRangeVector;
  for (const nlohmann::json& s : result) {
    VIGIL_ASSIGN_OR_RETURN(query::Series series,
                           ParseSeries(s, type == "vector" ? "value" : "values"));
    out.series.push_back(std::move(series));
  }
  return out;
}

}  // namespace

std::string PrometheusUnavailable() {
  for (const char* binary : {kPrometheusBinary, kPromtoolBinary}) {
    if (access(binary, X_OK) != 0) {
      return absl::StrCat(binary, " is not installed (Debian package `prometheus`)");
    }
  }
  return "";
}

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    const std::string& dir, const std::string& openmetrics) {
  const std::string input = dir + "/backfill.om";
  const std::string data = dir + "/data";
  VIGIL_RETURN_IF_ERROR(WriteFileAtomically(input, openmetrics));
  std::string output;
  const int status =
      RunCommand({kPromtoolBinary, "tsdb", "create-blocks-from", "openmetrics", input, data},
                 &output, absl::Seconds(60));
  if (status != 0) {
    return absl::InternalError(absl::StrCat("promtool backfill failed (", status, "): ", output));
  }
  // No scrape targets: the backfilled blocks are all it holds.
  VIGIL_RETURN_IF_ERROR(WriteFileAtomically(dir + "/prometheus.yml", "scrape_configs: []\n"));

  std::unique_ptr<PrometheusServer> server(new PrometheusServer());
  server->port_ = FreePort();
  server->process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kPrometheusBinary, "--config.file=" + dir + "/prometheus.yml",
                               "--storage.tsdb.path=" + data, "--storage.tsdb.retention.time=100y",
                               absl::StrCat("--web.listen-address=127.0.0.1:", server->port_),
                               "--query.lookback-delta=5m", "--log.level=warn"},
      dir + "/prometheus.log");
  std::string body;
  const bool ready = WaitFor(
      [&] {
        absl::StatusOr<int> code = HttpGet(server->port_, "/-/ready", &body);
        return (code.ok() && *code == 200) || !server->process_->Running();
      },
      absl::Seconds(30));
  if (!ready || !server->process_->Running()) {
    return absl::UnavailableError(
        absl::StrCat("prometheus did not become ready: ", server->process_->Output()));
  }
  return server;
}

absl::StatusOr<query::QueryResult> PrometheusServer::Get(const std::string& path_and_query) const {
  last_body_.clear();
  VIGIL_ASSIGN_OR_RETURN(int code, HttpGet(port_, path_and_query, &last_body_));
  (void)code;  // 400 and 422 carry Prometheus' error JSON, parsed below
  return ParseAnswer(last_body_);
}

absl::StatusOr<query::QueryResult> PrometheusServer::Instant(const std::string& expr,
                                                             int64_t time_ms) const {
  return Get(absl::StrCat("/api/v1/query?query=", PercentEncode(expr), "&time=", Seconds(time_ms)));
}

absl::StatusOr<query::QueryResult> PrometheusServer::Range(const std::string& expr,
                                                           int64_t start_ms, int64_t end_ms,
                                                           int64_t step_ms) const {
  return Get(absl::StrCat("/api/v1/query_range?query=", PercentEncode(expr), "&start=",
                          Seconds(start_ms), "&end=", Seconds(end_ms), "&step=", Seconds(step_ms)));
}

absl::StatusOr<int> HttpGet(int port, const std::string& path_and_query, std::string* body) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  const timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return ErrnoStatus(err, absl::StrCat("connect to 127.0.0.1:", port));
  }
  const std::string request =
      absl::StrCat("GET ", path_and_query, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      const int err = errno;
      close(fd);
      return ErrnoStatus(err, "send");
    }
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[65536];
  while (true) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return ErrnoStatus(err, "recv");
    }
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t header_end = response.find("\r\n\r\n");
  int code = 0;
  if (header_end == std::string::npos || response.compare(0, 5, "HTTP/") != 0 ||
      response.size() < 12 || !absl::SimpleAtoi(response.substr(9, 3), &code)) {
    return absl::InternalError(absl::StrCat("bad HTTP response: ", response.substr(0, 200)));
  }
  *body = response.substr(header_end + 4);
  return code;
}

}  // namespace vigil::testing
