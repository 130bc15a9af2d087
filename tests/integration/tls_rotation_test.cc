// Certificate rotation on a real collector: a second certificate copied over the
// collector's files is used for new connections without a restart while an agent's open
// stream goes on; a key that does not match is refused with a logged error and the last
// good pair keeps serving; vigilctl metrics shows the reloads and the expiry.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/tls.h"
#include "tests/integration/cluster.h"

namespace vigil::testing {
namespace {

// The value of the unlabelled sample `name` in Prometheus text, or -1 if absent.
double MetricValue(const std::string& text, const std::string& name) {
  const std::string prefix = "\n" + name + " ";
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size()));
}

// vigilctl metrics over a new connection that verifies `server_name`; "" if it fails.
std::string Metrics(const Cluster& cluster, const std::string& server_name) {
  std::string out;
  if (cluster.Ctl({"--server-name", server_name, "metrics"}, &out) != 0) return "";
  return out;
}

// The newest sample time (Unix seconds) of node_load1 of `host`; 0 if none or if the
// query fails (over a new connection that verifies `server_name`).
double NewestSample(const Cluster& cluster, const std::string& server_name,
                    const std::string& host) {
  std::string out;
  if (cluster.Ctl({"--server-name", server_name, "samples",
                   absl::StrCat("node_load1{instance=\"", host, "\"}"), "--since", "1m", "--json"},
                  &out) != 0) {
    return 0;
  }
  nlohmann::json r = nlohmann::json::parse(out);
  if (r["data"]["result"].empty()) return 0;
  return r["data"]["result"][0]["values"].back()[0].get<double>();
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// As an operator would, with cp: the file is rewritten in place.
void Copy(const std::string& from, const std::string& to) {
  REQUIRE(std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing));
}

double NotAfter(const std::string& cert_path) {
  absl::StatusOr<std::string> pem = ReadFile(cert_path);
  REQUIRE(pem.ok());
  absl::StatusOr<CertificateInfo> info = ParseCertificate(*pem);
  REQUIRE(info.ok());
  return static_cast<double>(absl::ToUnixSeconds(info->not_after));
}

TEST_CASE("a collector certificate replaced on disk is used for new connections", "[integration]") {
  Cluster cluster;
  const std::string ca = cluster.CaDir();
  cluster.IssueCertificate("agent", "db-rot");
  // The second certificate names only "collector-b": neither localhost nor 127.0.0.1.
  cluster.IssueCertificate("collector", "collector-b");
  cluster.StartCollector(0, Cluster::kCollector, "  reload_interval: 1s\n");
  // The agent verifies 127.0.0.1 in the collector's certificate: once the certificate
  // is replaced it could not connect again, so samples that keep coming after the
  // rotation come over the stream it opened before.
  cluster.StartAgent("db-rot");
  REQUIRE(
      WaitFor([&] { return NewestSample(cluster, "localhost", "db-rot") > 0; }, absl::Seconds(30)));

  std::string metrics = Metrics(cluster, "localhost");
  REQUIRE(!metrics.empty());
  CHECK(MetricValue(metrics, "vigil_collector_tls_reloads_total") == 0);
  CHECK(MetricValue(metrics, "vigil_collector_tls_reload_errors_total") == 0);
  CHECK(MetricValue(metrics, "vigil_collector_certificate_expiry_timestamp_seconds") ==
        NotAfter(ca + "/localhost.crt"));
  CHECK(Metrics(cluster, "collector-b").empty());  // not that certificate yet

  // Rotate: the new certificate and key over the files the collector was started with.
  const double expiry_b = NotAfter(ca + "/collector-b.crt");
  Copy(ca + "/collector-b.crt", ca + "/localhost.crt");
  Copy(ca + "/collector-b.key", ca + "/localhost.key");
  const double rotated_at = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());

  REQUIRE(WaitFor([&] { return !Metrics(cluster, "collector-b").empty(); }, absl::Seconds(30)));
  std::string out;
  CHECK(cluster.Ctl({"--server-name", "localhost", "metrics"}, &out) != 0);
  CHECK(cluster.Ctl({"metrics"}, &out) != 0);  // 127.0.0.1 is not in the new certificate
  CHECK(absl::StrContains(ReadAll(cluster.collector_log()),
                          "new certificate in use for new connections: CN=collector-b"));
  metrics = Metrics(cluster, "collector-b");
  CHECK(MetricValue(metrics, "vigil_collector_tls_reloads_total") >= 1);
  CHECK(MetricValue(metrics, "vigil_collector_certificate_expiry_timestamp_seconds") == expiry_b);

  SECTION("the agent's open stream was not dropped") {
    REQUIRE(WaitFor([&] { return NewestSample(cluster, "collector-b", "db-rot") > rotated_at + 2; },
                    absl::Seconds(30)));
    const std::string log = ReadAll(cluster.collector_log());
    CHECK(Count(log, "ingest: db-rot connected") == 1);
    CHECK(Count(log, "ingest: db-rot disconnected") == 0);
    CHECK(MetricValue(Metrics(cluster, "collector-b"), "vigil_collector_connected_agents") == 1);
  }

  SECTION("a key that does not match is refused and the last good pair keeps serving") {
    const double errors_before = MetricValue(metrics, "vigil_collector_tls_reload_errors_total");
    Copy(ca + "/oncall.key", ca + "/localhost.key");
    REQUIRE(WaitFor(
        [&] {
          return MetricValue(Metrics(cluster, "collector-b"),
                             "vigil_collector_tls_reload_errors_total") > errors_before;
        },
        absl::Seconds(30)));
    const std::string log = ReadAll(cluster.collector_log());
    CHECK(absl::StrContains(
        log, absl::StrCat(ca, "/localhost.key: private key does not belong to certificate")));
    CHECK(absl::StrContains(log, "new connections keep the certificate CN=collector-b"));
    // Still serving, with the pair loaded before, over new connections.
    CHECK(cluster.collector()->Running());
    metrics = Metrics(cluster, "collector-b");
    REQUIRE(!metrics.empty());
    CHECK(MetricValue(metrics, "vigil_collector_certificate_expiry_timestamp_seconds") == expiry_b);
  }
}

}  // namespace
}  // namespace vigil::testing
