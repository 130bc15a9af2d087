// End to end on loopback: vigilctl-made certificates, the real collector and agent
// binaries, and vigilctl reading back what arrived.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/cluster.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::testing {
namespace {

bool HostListed(const Cluster& cluster, const std::string& host, bool* connected = nullptr) {
  nlohmann::json hosts = cluster.CtlJson({"hosts"});
  for (const auto& h : hosts["hosts"]) {
    if (h["host"] == host) {
      if (connected != nullptr) *connected = h["connected"].get<bool>();
      return true;
    }
  }
  return false;
}

nlohmann::json Query(const Cluster& cluster, const std::string& selector,
                     const std::string& since = "5m") {
  nlohmann::json result = cluster.CtlJson({"samples", selector, "--since", since});
  REQUIRE(result["status"] == "success");
  return result["data"]["result"];
}

TEST_CASE("samples from an agent arrive over mTLS and vigilctl shows them", "[integration]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-test-01");
  cluster.StartCollector();
  ChildProcess* agent = cluster.StartAgent("db-test-01");

  bool connected = false;
  REQUIRE(WaitFor([&] { return HostListed(cluster, "db-test-01", &connected) && connected; },
                  absl::Seconds(30)));
  REQUIRE(WaitFor(
      [&] {
        nlohmann::json r = Query(cluster, "node_load1{instance=\"db-test-01\"}", "1m");
        return r.size() == 1 && r[0]["values"].size() >= 3;
      },
      absl::Seconds(30)));

  SECTION("the host's facts and identity come through") {
    nlohmann::json hosts = cluster.CtlJson({"hosts"});
    const auto& h = hosts["hosts"][0];
    struct utsname u {};
    uname(&u);
    CHECK(h["host"] == "db-test-01");  // the certificate's CN, not the machine's hostname
    CHECK(h["facts"]["kernel_release"] == std::string(u.release));
    CHECK(h["facts"]["cpu_count"].get<long>() == sysconf(_SC_NPROCESSORS_ONLN));
    CHECK(h["facts"]["memory_bytes"].get<uint64_t>() > 0);
    CHECK(h["agent_version"] != "");
  }

  SECTION("CPU samples exist for every CPU, labelled like node_exporter") {
    nlohmann::json idle =
        Query(cluster, "node_cpu_seconds_total{instance=\"db-test-01\",mode=\"idle\"}", "1m");
    CHECK(static_cast<long>(idle.size()) == sysconf(_SC_NPROCESSORS_ONLN));
    for (const auto& series : idle) {
      CHECK(series["metric"]["__name__"] == "node_cpu_seconds_total");
      CHECK(series["metric"]["instance"] == "db-test-01");
      CHECK(series["metric"].contains("cpu"));
      const auto& values = series["values"];
      REQUIRE(values.size() >= 2);
      // A counter: never decreasing.
      CHECK(std::stod(values[values.size() - 1][1].get<std::string>()) >=
            std::stod(values[0][1].get<std::string>()));
    }
  }

  SECTION("the human-readable forms work too") {
    std::string out;
    REQUIRE(cluster.Ctl({"hosts"}, &out) == 0);
    CHECK(absl::StrContains(out, "db-test-01"));
    CHECK(absl::StrContains(out, "up"));
    REQUIRE(cluster.Ctl({"samples", "node_load1", "--since", "1m"}, &out) == 0);
    CHECK(absl::StrContains(out, "node_load1{instance=\"db-test-01\"}"));
  }

  SECTION("vigilctl metrics shows the collector's own ingest and storage metrics") {
    std::string out;
    REQUIRE(cluster.Ctl({"metrics"}, &out) == 0);
    for (const char* want :
         {"# TYPE vigil_collector_samples_ingested_total counter",
          "vigil_collector_samples_refused_total{reason=\"too_old\"} 0",
          "vigil_collector_storage_disk_bytes{resolution=\"1h\"}", "vigil_collector_head_series ",
          "vigil_collector_wal_bytes ", "vigil_collector_connected_agents 1",
          "vigil_collector_rocksdb_pending_compaction_bytes "}) {
      INFO(want);
      CHECK(absl::StrContains(out, want));
    }
    // The counter of ingested samples is the agent's samples, not zero.
    const size_t at = out.find("\nvigil_collector_samples_ingested_total ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stod(out.substr(at + 41)) > 0);
  }

  SECTION("a reduced query returns at most the points asked for, per bucket") {
    nlohmann::json r = cluster.CtlJson({"samples", "node_load1{instance=\"db-test-01\"}", "--since",
                                        "1h", "--max-points", "2", "--aggregate", "count"});
    REQUIRE(r["data"]["result"].size() == 1);
    const auto& values = r["data"]["result"][0]["values"];
    CHECK(values.size() >= 1);
    CHECK(values.size() <= 2);
  }

  SECTION("a selector error is reported with its position") {
    std::string out;
    CHECK(cluster.Ctl({"samples", "node_load1{instance=}"}, &out) != 0);
    CHECK(absl::StrContains(out, "position"));
  }

  SECTION("vigilctl query evaluates PromQL at an instant and over a range") {
    // An instant vector: the host's load, one series with the collector's labels.
    nlohmann::json v = cluster.CtlJson({"query", "node_load1{instance=\"db-test-01\"}"});
    REQUIRE(v["status"] == "success");
    CHECK(v["data"]["resultType"] == "vector");
    REQUIRE(v["data"]["result"].size() == 1);
    CHECK(v["data"]["result"][0]["metric"]["instance"] == "db-test-01");

    // An expression over every CPU: as many idle series as the machine has CPUs.
    nlohmann::json n = cluster.CtlJson(
        {"query", "scalar(count(node_cpu_seconds_total{instance=\"db-test-01\",mode=\"idle\"}))"});
    CHECK(n["data"]["resultType"] == "scalar");
    CHECK(n["data"]["result"][1] == std::to_string(sysconf(_SC_NPROCESSORS_ONLN)));

    // A range query: a matrix, one point per 2 s step that had data.
    nlohmann::json m = cluster.CtlJson(
        {"query", "rate(node_cpu_seconds_total{instance=\"db-test-01\",mode=\"idle\"}[10s])",
         "--since", "6s", "--step", "2s"});
    CHECK(m["data"]["resultType"] == "matrix");
    REQUIRE(static_cast<long>(m["data"]["result"].size()) == sysconf(_SC_NPROCESSORS_ONLN));
    CHECK_FALSE(m["data"]["result"][0]["metric"].contains("__name__"));  // rate drops it
    CHECK(m["data"]["result"][0]["values"].size() >= 1);
    CHECK(m["data"]["result"][0]["values"].size() <= 4);

    std::string out;
    REQUIRE(cluster.Ctl({"query", "node_load1"}, &out) == 0);
    CHECK(absl::StrContains(out, "SERIES"));
    CHECK(absl::StrContains(out, "node_load1{instance=\"db-test-01\"}"));
  }

  SECTION("a PromQL error is reported with its line and column") {
    std::string out;
    CHECK(cluster.Ctl({"query", "sum(rate(node_load1[5m])"}, &out) != 0);
    CHECK(absl::StrContains(out, "parse error at line 1, column"));
    CHECK(cluster.Ctl({"query", "rate(node_load1)"}, &out) != 0);
    CHECK(absl::StrContains(out, "range vector"));
  }

  SECTION("the agent's own health is visible") {
    nlohmann::json up = Query(cluster, "vigil_agent_source_up{source=\"cpu\"}", "1m");
    REQUIRE(up.size() == 1);
    CHECK(up[0]["values"].back()[1] == "1");
  }

  SECTION("when the agent stops, the host shows as disconnected") {
    agent->Signal(SIGTERM);
    REQUIRE(agent->Wait(absl::Seconds(10)) == 0);
    REQUIRE(WaitFor([&] { return HostListed(cluster, "db-test-01", &connected) && !connected; },
                    absl::Seconds(30)));
  }
}

TEST_CASE("an agent whose certificate comes from another CA is refused", "[integration]") {
  Cluster cluster;
  const std::string rogue_ca = cluster.dir().Path("rogue-ca");
  std::string out;
  REQUIRE(RunVigilctl({"certs", "init-ca", "--dir", rogue_ca}, &out) == 0);
  cluster.IssueCertificate("agent", "intruder", rogue_ca);
  cluster.IssueCertificate("agent", "db-good");
  cluster.StartCollector();
  ChildProcess* rogue = cluster.StartAgent("intruder", rogue_ca);
  cluster.StartAgent("db-good");

  // The collector logs why it refused; the agent logs that it was refused.
  REQUIRE(WaitFor(
      [&] {
        return absl::StrContains(ReadAll(cluster.collector_log()), "certificate verify failed") ||
               absl::StrContains(ReadAll(cluster.collector_log()), "CERTIFICATE_VERIFY_FAILED");
      },
      absl::Seconds(30)));
  REQUIRE(WaitFor([&] { return HostListed(cluster, "db-good"); }, absl::Seconds(30)));
  CHECK_FALSE(HostListed(cluster, "intruder"));
  CHECK(rogue->Running());  // refused, but it keeps trying rather than dying
  REQUIRE(WaitFor([&] { return absl::StrContains(rogue->Output(), "WARN"); }, absl::Seconds(30)));
}

TEST_CASE("a plaintext client is refused", "[integration]") {
  Cluster cluster;
  cluster.StartCollector();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(cluster.collector_address(), grpc::InsecureChannelCredentials());
  std::unique_ptr<v1::Ingest::Stub> stub = v1::Ingest::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Stream(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_run_id("plaintext");
  stream->Write(hello);
  v1::CollectorMessage reply;
  CHECK_FALSE(stream->Read(&reply));
  const grpc::Status status = stream->Finish();
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  REQUIRE(WaitFor(
      [&] {
        const std::string log = ReadAll(cluster.collector_log());
        return absl::StrContains(log, "WRONG_VERSION_NUMBER") ||
               absl::StrContains(log, "wrong version number") ||
               absl::StrContains(log, "http request");
      },
      absl::Seconds(20)));
  CHECK(cluster.collector()->Running());
}

TEST_CASE("each certificate kind is admitted only to its own service", "[integration]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-kind");
  cluster.StartCollector();

  // An agent certificate cannot read.
  std::string out;
  const int rc = RunVigilctl(
      {"--collector", cluster.collector_address(), "--ca", cluster.CaDir() + "/ca.crt", "--cert",
       cluster.CaDir() + "/db-kind.crt", "--key", cluster.CaDir() + "/db-kind.key", "hosts"},
      &out);
  CHECK(rc != 0);
  CHECK(absl::StrContains(out, "kind \"agent\" (db-kind) has no access to the operator API"));

  // An operator certificate cannot ingest.
  cluster.StartAgent("oncall");
  REQUIRE(WaitFor(
      [&] {
        return absl::StrContains(ReadAll(cluster.collector_log()),
                                 "(oncall) presented a certificate of kind \"operator\"");
      },
      absl::Seconds(30)));
  CHECK_FALSE(HostListed(cluster, "oncall"));
}

TEST_CASE("nothing acknowledged is lost when the collector is killed and restarted",
          "[integration]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-restart");
  const int port = FreePort();
  cluster.StartCollector(port);
  ChildProcess* agent = cluster.StartAgent("db-restart");
  const std::string selector = "node_time_seconds{instance=\"db-restart\"}";
  REQUIRE(WaitFor(
      [&] {
        nlohmann::json r = Query(cluster, selector, "1m");
        return r.size() == 1 && r[0]["values"].size() >= 3;
      },
      absl::Seconds(30)));

  cluster.StopCollector(SIGKILL);
  // The agent notices and keeps sampling into its buffer.
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "WARN"); }, absl::Seconds(30)));
  cluster.StartCollector(port);

  // After the reconnect the buffered samples arrive: one sample every second, no gap.
  nlohmann::json values;
  REQUIRE(WaitFor(
      [&] {
        nlohmann::json r = Query(cluster, selector, "5m");
        if (r.size() != 1) return false;
        values = r[0]["values"];
        return absl::StrContains(agent->Output(), "connected to collector") &&
               values.size() >= 10 &&
               ReadAll(cluster.collector_log()).find("durable through") != std::string::npos;
      },
      absl::Seconds(60)));
  REQUIRE(WaitFor(
      [&] {
        // Wait until the samples taken after the restart are in as well.
        nlohmann::json r = Query(cluster, selector, "5m");
        values = r[0]["values"];
        const double last = values.back()[0].get<double>();
        return last * 1000 > static_cast<double>(absl::ToUnixMillis(absl::Now())) - 3000;
      },
      absl::Seconds(30)));
  for (size_t i = 1; i < values.size(); ++i) {
    const double step = values[i][0].get<double>() - values[i - 1][0].get<double>();
    INFO("sample " << i << " of " << values.size());
    CHECK(step == Approx(1.0));
  }
}

TEST_CASE("configuration errors name the file, line and key", "[integration]") {
  TempDir dir;
  dir.WriteFile("collector.yaml",
                "listen: 127.0.0.1:0\ndata_dir: data\ntls:\n  ca: ca.crt\n  cert: c.crt\n"
                "  kye: c.key\n");
  std::string out;
  int status = RunCommand(
      {Binary("vigil-collector"), "--check-config", "--config", dir.Path("collector.yaml")}, &out);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(absl::StrContains(out, "collector.yaml:6: tls.kye: unknown key"));

  dir.WriteFile("collector.yaml",
                "listen: 127.0.0.1:0\ndata_dir: data\ntls:\n  ca: missing-ca.crt\n  cert: c.crt\n"
                "  key: c.key\n");
  status = RunCommand({Binary("vigil-collector"), "--config", dir.Path("collector.yaml")}, &out);
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(absl::StrContains(out, dir.Path("missing-ca.crt")));

  dir.WriteFile("agent.yaml",
                "collector:\n  address: 127.0.0.1:1\ntls:\n  ca: a\n  cert: b\n  key: c\n"
                "interval: 1 second\n");
  status = RunCommand({Binary("vigil-agent"), "--check-config", "--config", dir.Path("agent.yaml")},
                      &out);
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(absl::StrContains(out, "agent.yaml:7: interval:"));
}

}  // namespace
}  // namespace vigil::testing
