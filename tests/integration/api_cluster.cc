#include "tests/integration/api_cluster.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace vigil::testing {

CollectorSetup WithYaml(std::string extra_yaml, std::string tls_yaml) {
  CollectorSetup setup;
  setup.extra_yaml = std::move(extra_yaml);
  setup.tls_yaml = std::move(tls_yaml);
  return setup;
}

ApiCluster::ApiCluster(std::string extra_yaml) : extra_yaml_(std::move(extra_yaml)) {
  cluster.IssueCertificate("operator", "alice");
  cluster.IssueCertificate("operator", "bob");
  cluster.IssueCertificate("agent", "db1");
  for (const auto& [name, role] : std::map<std::string, std::string>{
           {"grafana", "viewer"}, {"oncall-op", "operator"}, {"ci", "admin"}}) {
    std::string out;
    REQUIRE(RunVigilctl({"token", "create", "--name", name, "--role", role, "--json"}, &out) == 0);
    const nlohmann::json json = nlohmann::json::parse(out);
    tokens[name] = {role, json["token"], json["sha256"]};
  }
}

std::string ApiCluster::Yaml(const std::vector<std::string>& granted) const {
  std::string yaml =
      "http:\n  listen: 127.0.0.1:0\n  operator_roles: {alice: admin, bob: operator}\n"
      "  tokens: [";
  for (const std::string& name : granted) {
    const Token& t = tokens.at(name);
    absl::StrAppend(&yaml, name == granted.front() ? "" : ", ", "{name: ", name, ", role: ", t.role,
                    ", sha256: ", t.sha256, "}");
  }
  return absl::StrCat(yaml, "]\n", extra_yaml_);
}

void ApiCluster::Start(const std::vector<std::string>& granted) {
  cluster.StartCollector(WithYaml(Yaml(granted)));
  REQUIRE(!cluster.collector_http_address().empty());
}

void ApiCluster::Reconfigure(const std::vector<std::string>& granted, const std::string& more) {
  std::string yaml = Yaml(granted) + more;
  const std::string listen = "listen: 127.0.0.1:0\n";
  yaml.replace(yaml.find(listen), listen.size(),
               "listen: " + cluster.collector_http_address() + "\n");
  cluster.WriteCollectorConfig(WithYaml(yaml));
}

HttpsClient ApiCluster::WithToken(const std::string& name) const {
  return HttpsClient(cluster.collector_http_address(), Ca(), "", "", tokens.at(name).token);
}

HttpsClient ApiCluster::WithRawToken(const std::string& token) const {
  return HttpsClient(cluster.collector_http_address(), Ca(), "", "", token);
}

HttpsClient ApiCluster::WithCertificate(const std::string& name) const {
  return HttpsClient(cluster.collector_http_address(), Ca(), cluster.CaDir() + "/" + name + ".crt",
                     cluster.CaDir() + "/" + name + ".key");
}

HttpsClient ApiCluster::Anonymous() const {
  return HttpsClient(cluster.collector_http_address(), Ca());
}

void ApiCluster::FeedData() {
  cluster.StartAgent("db1");
  const HttpsClient viewer = WithToken("grafana");
  REQUIRE(WaitFor(
      [&] {
        HttpsReply r = viewer.Get("/api/v1/series", {{"match[]", "node_load1"}});
        return r.status == 200 && r.Json()["data"].size() == 1;
      },
      absl::Seconds(30)));
  // The raw samples of the last minute, through the query API itself.
  REQUIRE(WaitFor(
      [&] {
        const int64_t now = NowSeconds();
        HttpsReply r = viewer.Get("/api/v1/query", {{"query", "node_load1{instance=\"db1\"}[1m]"},
                                                    {"time", absl::StrCat(now)}});
        if (r.status != 200) return false;
        const nlohmann::json json = r.Json();
        if (json["data"]["result"].empty()) return false;
        const nlohmann::json& values = json["data"]["result"][0]["values"];
        return values.size() >= 8 && values[0][0].get<double>() <= now - 7;
      },
      absl::Seconds(30)));
}

int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

void CheckError(const HttpsReply& reply, int status, const std::string& type,
                const std::string& message_part) {
  INFO(reply.body);
  CHECK(reply.status == status);
  const nlohmann::json json = reply.Json();
  CHECK(json["status"] == "error");
  CHECK(json["errorType"] == type);
  CHECK(absl::StrContains(json["error"].get<std::string>(), message_part));
}

}  // namespace vigil::testing
