// Who may use the collector's HTTPS API, against a real collector on loopback: each role
// by token and by operator certificate (and on the gRPC operator API), the audit log, a
// token revoked by SIGHUP, an audit log that cannot be written, certificate rotation on
// the HTTPS port, the API turned off and a port already in use.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "tests/integration/api_cluster.h"

namespace vigil::testing {
namespace {

TEST_CASE("HTTP API: each role, by token and by operator certificate", "[integration][http]") {
  ApiCluster api;
  api.Start();
  struct Case {
    std::string who;
    HttpsClient client;
    int read, audit, reload;  // GET /api/v1/labels, GET /api/v1/audit, POST reload
  };
  const std::vector<Case> cases = {
      {"no credential", api.Anonymous(), 401, 401, 401},
      {"unknown token", api.WithRawToken("vgl_not-a-token"), 401, 401, 401},
      {"token viewer", api.WithToken("grafana"), 200, 403, 403},
      {"token operator", api.WithToken("oncall-op"), 200, 403, 403},
      {"token admin", api.WithToken("ci"), 200, 200, 200},
      {"certificate, unlisted: viewer", api.WithCertificate("oncall"), 200, 403, 403},
      {"certificate operator", api.WithCertificate("bob"), 200, 403, 403},
      {"certificate admin", api.WithCertificate("alice"), 200, 200, 200},
      {"agent certificate", api.WithCertificate("db1"), 403, 403, 403},
      // A request with a token is judged by the token alone.
      {"admin certificate with a bad token",
       HttpsClient(api.cluster.collector_http_address(), api.Ca(),
                   api.cluster.CaDir() + "/alice.crt", api.cluster.CaDir() + "/alice.key",
                   "vgl_not-a-token"),
       401, 401, 401},
  };
  for (const Case& c : cases) {
    INFO(c.who);
    const HttpsReply read = c.client.Get("/api/v1/labels");
    CHECK(read.status == c.read);
    CHECK(c.client.Get("/api/v1/audit").status == c.audit);
    CHECK(c.client.Post("/api/v1/admin/reload").status == c.reload);
    if (read.status == 401) {
      CheckError(read, 401, "unauthorized", "");
      CHECK(absl::StartsWith(read.www_authenticate, "Bearer realm=\"vigil\""));
    }
    if (read.status == 403) CheckError(read, 403, "forbidden", "agent");
  }
  CHECK(api.WithRawToken("vgl_not-a-token").Get("/api/v1/labels").www_authenticate ==
        "Bearer realm=\"vigil\", error=\"invalid_token\"");

  // The gRPC operator API has the same roles: vigilctl audit needs admin.
  std::string out;
  CHECK(api.cluster.Ctl({"audit"}, &out) == 1);  // oncall: a viewer
  CHECK(absl::StrContains(out, "needs role admin"));
  CHECK(api.cluster.Ctl({"hosts"}, &out) == 0);
  CHECK(RunVigilctl({"--collector", api.cluster.collector_address(), "--ca", api.Ca(), "--cert",
                     api.cluster.CaDir() + "/alice.crt", "--key",
                     api.cluster.CaDir() + "/alice.key", "audit", "--result", "forbidden"},
                    &out) == 0);
  CHECK(absl::StrContains(out, "grpc /vigil.v1.Admin/ReadAudit"));
}

TEST_CASE("HTTP API: refused and changing requests are audited, successful reads are not",
          "[integration][http]") {
  ApiCluster api;
  api.Start();
  REQUIRE(api.Anonymous().Get("/api/v1/labels").status == 401);
  REQUIRE(api.WithToken("grafana").Get("/api/v1/labels").status == 200);
  REQUIRE(api.WithToken("grafana").Post("/api/v1/admin/reload").status == 403);
  REQUIRE(api.WithCertificate("alice").Post("/api/v1/admin/reload").status == 200);
  REQUIRE(api.WithCertificate("db1").Get("/api/v1/hosts").status == 403);

  const HttpsClient admin = api.WithToken("ci");
  nlohmann::json entries = admin.Get("/api/v1/audit").Json()["data"];
  INFO(entries.dump(2));
  REQUIRE(entries.size() == 4);
  CHECK(entries[0]["principal"] == "");
  CHECK(entries[0]["auth"] == "none");
  CHECK(entries[0]["action"] == "GET /api/v1/labels");
  CHECK(entries[0]["result"] == "refused: unauthenticated");
  CHECK(entries[0]["status"] == 401);
  CHECK(absl::StartsWith(entries[0]["remote"].get<std::string>(), "127.0.0.1:"));
  CHECK(entries[1]["principal"] == "grafana");
  CHECK(entries[1]["auth"] == "token");
  CHECK(entries[1]["role"] == "viewer");
  CHECK(entries[1]["action"] == "POST /api/v1/admin/reload");
  CHECK(entries[1]["result"] == "refused: forbidden");
  CHECK(entries[1]["status"] == 403);
  CHECK(entries[2]["principal"] == "alice");
  CHECK(entries[2]["auth"] == "certificate");
  CHECK(entries[2]["role"] == "admin");
  CHECK(entries[2]["result"] == "ok");
  CHECK(entries[2]["status"] == 200);
  CHECK(absl::StrContains(entries[2]["target"].get<std::string>(), "configuration reloaded"));
  CHECK(entries[3]["principal"] == "db1");
  CHECK(entries[3]["action"] == "GET /api/v1/hosts");
  CHECK(entries[3]["result"] == "refused: forbidden");
  absl::Time first;
  std::string error;
  REQUIRE(
      absl::ParseTime(absl::RFC3339_full, entries[0]["time"].get<std::string>(), &first, &error));
  CHECK(absl::Now() - first < absl::Minutes(1));

  // Filters.
  CHECK(admin.Get("/api/v1/audit", {{"result", "refused"}}).Json()["data"].size() == 3);
  CHECK(admin.Get("/api/v1/audit", {{"principal", "alice"}}).Json()["data"].size() == 1);
  CHECK(admin.Get("/api/v1/audit", {{"since", "1h"}}).Json()["data"].size() == 4);
  const std::string later = absl::StrCat(NowSeconds() + 3600);
  CHECK(admin.Get("/api/v1/audit", {{"since", later}}).Json()["data"].empty());
  nlohmann::json limited = admin.Get("/api/v1/audit", {{"limit", "1"}}).Json();
  CHECK(limited["data"].size() == 1);
  CHECK(limited["data"][0]["principal"] == "db1");
  CHECK(limited["warnings"].size() == 1);
  CheckError(admin.Get("/api/v1/audit", {{"result", "maybe"}}), 400, "bad_data",
             "invalid parameter \"result\"");

  // The file: only the collector's user may read it; no token, no hash in it.
  struct stat st;
  REQUIRE(stat(api.AuditFile().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  absl::StatusOr<std::string> text = ReadFile(api.AuditFile());
  REQUIRE(text.ok());
  for (const auto& [name, token] : api.tokens) {
    CHECK_FALSE(absl::StrContains(*text, token.token));
    CHECK_FALSE(absl::StrContains(*text, token.sha256));
  }

  // vigilctl reads the same, from the collector (admin) and from the file.
  std::string out;
  REQUIRE(
      RunVigilctl({"--collector", api.cluster.collector_address(), "--ca", api.Ca(), "--cert",
                   api.cluster.CaDir() + "/alice.crt", "--key", api.cluster.CaDir() + "/alice.key",
                   "audit", "--result", "refused", "--json"},
                  &out) == 0);
  CHECK(nlohmann::json::parse(out).size() == 3);
  REQUIRE(
      RunVigilctl({"audit", "--file", api.AuditFile(), "--principal", "alice", "--since", "24h"},
                  &out) == 0);
  CHECK(absl::StrContains(out, "alice"));
  CHECK(absl::StrContains(out, "POST /api/v1/admin/reload"));
  CHECK_FALSE(absl::StrContains(out, "grafana"));
}

TEST_CASE("HTTP API: a token revoked by SIGHUP is refused afterwards", "[integration][http]") {
  ApiCluster api;
  api.Start();
  const HttpsClient grafana = api.WithToken("grafana");
  REQUIRE(grafana.Get("/api/v1/labels").status == 200);

  api.Reconfigure({"oncall-op", "ci"});
  api.cluster.collector()->Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return grafana.Get("/api/v1/labels").status == 401; }, absl::Seconds(20)));
  CHECK(api.WithToken("ci").Get("/api/v1/labels").status == 200);

  // Given back, and applied by the HTTP reload this time.
  api.Reconfigure({"grafana", "oncall-op", "ci"});
  const HttpsReply reload = api.WithToken("ci").Post("/api/v1/admin/reload");
  REQUIRE(reload.status == 200);
  const nlohmann::json applied = reload.Json()["data"]["applied"];
  REQUIRE(applied.size() == 1);
  CHECK(applied[0]["key"] == "http.tokens");
  CHECK(applied[0]["to"] == "grafana=viewer, oncall-op=operator, ci=admin");
  CHECK(grafana.Get("/api/v1/labels").status == 200);

  // Both reloads are in the audit log, the signal's as principal SIGHUP.
  nlohmann::json entries = api.WithToken("ci").Get("/api/v1/audit").Json()["data"];
  INFO(entries.dump(2));
  std::vector<std::string> who;
  for (const nlohmann::json& e : entries) {
    if (e["result"] == "ok")
      who.push_back(e["principal"].get<std::string>() + " " + e["auth"].get<std::string>());
  }
  CHECK(who == std::vector<std::string>{"SIGHUP signal", "ci token"});

  // An invalid file changes nothing and the reload says why.
  api.Reconfigure({"grafana"}, "bogus: 1\n");
  CheckError(api.WithToken("ci").Post("/api/v1/admin/reload"), 422, "execution", "bogus");
  CHECK(api.WithToken("ci").Get("/api/v1/labels").status == 200);
  CHECK(
      api.WithToken("ci").Get("/api/v1/status/runtimeinfo").Json()["data"]["reloadConfigSuccess"] ==
      false);
}

TEST_CASE("HTTP API: when the audit log cannot be written, a reload is refused and nothing changes",
          "[integration][http]") {
  if (!std::filesystem::exists("/dev/full")) {
    WARN("skipped: no /dev/full");
    return;
  }
  ApiCluster api("audit:\n  file: /dev/full\n");
  api.Start({"ci"});
  REQUIRE(api.WithToken("grafana").Get("/api/v1/labels").status == 401);  // refusal: answered
  api.Reconfigure({"grafana", "ci"});
  CheckError(api.WithToken("ci").Post("/api/v1/admin/reload"), 503, "unavailable", "audit");
  CHECK(api.WithToken("grafana").Get("/api/v1/labels").status == 401);  // not applied
  const HttpsReply metrics = api.WithToken("ci").Get("/metrics");
  CHECK(absl::StrContains(metrics.body, "vigil_audit_write_errors_total "));
  CHECK_FALSE(absl::StrContains(metrics.body, "vigil_audit_write_errors_total 0\n"));
  CHECK(api.cluster.collector()->Running());
  CHECK(absl::StrContains(api.cluster.collector()->Output(), "audit log"));

  // A signal from the host still applies (a revocation must never wait for a disk).
  api.cluster.collector()->Signal(SIGHUP);
  CHECK(WaitFor([&] { return api.WithToken("grafana").Get("/api/v1/labels").status == 200; },
                absl::Seconds(20)));
}

TEST_CASE("HTTP API: a replaced collector certificate is served without a restart",
          "[integration][http]") {
  ApiCluster api;
  api.cluster.StartCollector(WithYaml(api.Yaml(), "  reload_interval: 1s\n"));
  const std::string address = api.cluster.collector_http_address();
  const std::string before = ServerCertificateSerial(address, api.Ca());
  REQUIRE(!before.empty());

  const std::string next_dir = api.cluster.dir().Path("next");
  std::filesystem::create_directories(next_dir);
  std::filesystem::copy_file(api.cluster.CaDir() + "/ca.crt", next_dir + "/ca.crt");
  std::filesystem::copy_file(api.cluster.CaDir() + "/ca.key", next_dir + "/ca.key");
  std::string out;
  REQUIRE(RunVigilctl({"certs", "issue", "--dir", next_dir, "--kind", "collector", "--name",
                       "localhost", "--san", "IP:127.0.0.1"},
                      &out) == 0);
  // The key first, then the certificate: the reloader takes only a matching pair.
  std::filesystem::copy_file(next_dir + "/localhost.key", api.cluster.CaDir() + "/localhost.key",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next_dir + "/localhost.crt", api.cluster.CaDir() + "/localhost.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::string after;
  REQUIRE(WaitFor(
      [&] {
        after = ServerCertificateSerial(address, api.Ca());
        return !after.empty() && after != before;
      },
      absl::Seconds(20)));
  CHECK(api.WithCertificate("alice").Get("/api/v1/labels").status == 200);
  CHECK(api.WithToken("grafana").Get("/api/v1/labels").status == 200);
}

TEST_CASE("HTTP API: off when http.listen is empty; a port in use stops the start with its address",
          "[integration][http]") {
  Cluster cluster;
  cluster.StartCollector(WithYaml("http:\n  listen: \"\"\n"));
  CHECK(cluster.collector_http_address().empty());
  CHECK(absl::StrContains(cluster.collector()->Output(), "HTTPS API off"));

  Cluster second;
  second.StartCollector();
  const std::string taken = second.collector_http_address();
  REQUIRE(!taken.empty());
  cluster.dir().WriteFile("busy.yaml", absl::StrCat("listen: 127.0.0.1:0\ndata_dir: busy-data\n"
                                                    "tls:\n  ca: ca/ca.crt\n"
                                                    "  cert: ca/localhost.crt\n"
                                                    "  key: ca/localhost.key\n"
                                                    "http:\n  listen: ",
                                                    taken, "\n"));
  std::string output;
  const int status =
      RunCommand({Binary("vigil-collector"), "--config", cluster.dir().Path("busy.yaml")}, &output);
  INFO(output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(absl::StrContains(output, absl::StrCat("cannot listen on ", taken, " for the HTTPS API")));
}

}  // namespace
}  // namespace vigil::testing
