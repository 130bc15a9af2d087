// The collector's HTTPS API against a real collector (and a real agent feeding it) on
// loopback: Prometheus' JSON shapes, GET and POST forms, status codes and error types,
// query limits, each role by token and by operator certificate, the audit log, a token
// revoked by SIGHUP, an audit log that cannot be written, and certificate rotation.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "tests/integration/cluster.h"
#include "tests/integration/https_client.h"

namespace vigil::testing {
namespace {

CollectorSetup WithYaml(std::string extra_yaml, std::string tls_yaml = "") {
  CollectorSetup setup;
  setup.extra_yaml = std::move(extra_yaml);
  setup.tls_yaml = std::move(tls_yaml);
  return setup;
}

struct Token {
  std::string role;
  std::string token;
  std::string sha256;
};

// A collector with an HTTPS API: operator certificates alice (admin), bob (operator)
// and oncall (unlisted: the default, viewer); an agent certificate db1; tokens grafana
// (viewer), oncall-op (operator) and ci (admin), made by `vigilctl token create`.
class ApiCluster {
 public:
  explicit ApiCluster(std::string extra_yaml = "") : extra_yaml_(std::move(extra_yaml)) {
    cluster.IssueCertificate("operator", "alice");
    cluster.IssueCertificate("operator", "bob");
    cluster.IssueCertificate("agent", "db1");
    for (const auto& [name, role] : std::map<std::string, std::string>{
             {"grafana", "viewer"}, {"oncall-op", "operator"}, {"ci", "admin"}}) {
      std::string out;
      REQUIRE(RunVigilctl({"token", "create", "--name", name, "--role", role, "--json"}, &out) ==
              0);
      const nlohmann::json json = nlohmann::json::parse(out);
      tokens[name] = {role, json["token"], json["sha256"]};
    }
  }

  // The configuration's extra keys: the http section with the tokens in `granted`.
  std::string Yaml(const std::vector<std::string>& granted = {"grafana", "oncall-op", "ci"}) const {
    std::string yaml =
        "http:\n  listen: 127.0.0.1:0\n  operator_roles: {alice: admin, bob: operator}\n"
        "  tokens:\n";
    for (const std::string& name : granted) {
      const Token& t = tokens.at(name);
      absl::StrAppend(&yaml, "    - {name: ", name, ", role: ", t.role, ", sha256: ", t.sha256,
                      "}\n");
    }
    if (granted.empty()) absl::StrAppend(&yaml, "    []\n");
    return yaml + extra_yaml_;
  }

  void Start(const std::vector<std::string>& granted = {"grafana", "oncall-op", "ci"}) {
    cluster.StartCollector(WithYaml(Yaml(granted)));
    REQUIRE(!cluster.collector_http_address().empty());
  }
  // Rewrites the configuration (the same HTTPS port) and sends SIGHUP.
  void Reconfigure(const std::vector<std::string>& granted, const std::string& more = "") {
    const std::string address = cluster.collector_http_address();
    std::string yaml = Yaml(granted) + more;
    const std::string listen = "listen: 127.0.0.1:0\n";
    yaml.replace(yaml.find(listen), listen.size(), "listen: " + address + "\n");
    cluster.WriteCollectorConfig(WithYaml(yaml));
  }

  HttpsClient WithToken(const std::string& name) const {
    return HttpsClient(cluster.collector_http_address(), Ca(), "", "", tokens.at(name).token);
  }
  HttpsClient WithRawToken(const std::string& token) const {
    return HttpsClient(cluster.collector_http_address(), Ca(), "", "", token);
  }
  HttpsClient WithCertificate(const std::string& name) const {
    return HttpsClient(cluster.collector_http_address(), Ca(),
                       cluster.CaDir() + "/" + name + ".crt",
                       cluster.CaDir() + "/" + name + ".key");
  }
  HttpsClient Anonymous() const { return HttpsClient(cluster.collector_http_address(), Ca()); }
  std::string Ca() const { return cluster.CaDir() + "/ca.crt"; }
  std::string AuditFile() const { return cluster.dir().Path("data/audit.log"); }

  // Starts the agent db1 (a sample a second) and waits until 8 s of its node_load1 can be
  // queried.
  void FeedData() {
    cluster.StartAgent("db1");
    const HttpsClient viewer = WithToken("grafana");
    REQUIRE(WaitFor(
        [&] {
          HttpsReply r = viewer.Get("/api/v1/series", {{"match[]", "node_load1"}});
          return r.status == 200 && r.Json()["data"].size() == 1;
        },
        absl::Seconds(30)));
    // Counted through the series endpoint's neighbour, a range query of the raw samples.
    REQUIRE(WaitFor(
        [&] {
          const int64_t now = absl::ToUnixSeconds(absl::Now());
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

  Cluster cluster;
  std::map<std::string, Token> tokens;

 private:
  std::string extra_yaml_;
};

int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

// The error JSON of a reply, checked for Prometheus' shape.
void CheckError(const HttpsReply& reply, int status, const std::string& type,
                const std::string& message_part) {
  INFO(reply.body);
  CHECK(reply.status == status);
  const nlohmann::json json = reply.Json();
  CHECK(json["status"] == "error");
  CHECK(json["errorType"] == type);
  CHECK(absl::StrContains(json["error"].get<std::string>(), message_part));
}

TEST_CASE("HTTP API: Prometheus' JSON shapes for every endpoint", "[integration][http]") {
  ApiCluster api;
  api.Start();
  api.FeedData();
  const HttpsClient viewer = api.WithToken("grafana");
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  {  // instant query: vector, scalar and string
    const int64_t t = NowSeconds();
    HttpsReply r = viewer.Get(
        "/api/v1/query", {{"query", "node_load1{instance=\"db1\"}"}, {"time", absl::StrCat(t)}});
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "application/json");
    nlohmann::json json = r.Json();
    CHECK(json["status"] == "success");
    CHECK(json["data"]["resultType"] == "vector");
    REQUIRE(json["data"]["result"].size() == 1);
    const nlohmann::json& sample = json["data"]["result"][0];
    CHECK(sample["metric"] == nlohmann::json{{"__name__", "node_load1"}, {"instance", "db1"}});
    CHECK(sample["value"][0] == t);
    CHECK(sample["value"][1].is_string());
    CHECK(std::stod(sample["value"][1].get<std::string>()) >= 0);

    json = viewer.Get("/api/v1/query", {{"query", "1 + 1.5"}, {"time", "1700000000.5"}}).Json();
    CHECK(json["data"] ==
          nlohmann::json::parse(R"({"resultType":"scalar","result":[1700000000.5,"2.5"]})"));
    json = viewer.Get("/api/v1/query", {{"query", "\"hello\""}, {"time", "1700000000"}}).Json();
    CHECK(json["data"] ==
          nlohmann::json::parse(R"({"resultType":"string","result":[1700000000,"hello"]})"));
  }

  {  // range query: a matrix with one series per CPU
    const int64_t end = NowSeconds();
    HttpsReply r =
        viewer.Get("/api/v1/query_range",
                   {{"query", "rate(node_cpu_seconds_total{instance=\"db1\",mode=\"idle\"}[10s])"},
                    {"start", absl::StrCat(end - 4)},
                    {"end", absl::StrCat(end)},
                    {"step", "1s"}});
    REQUIRE(r.status == 200);
    const nlohmann::json json = r.Json();
    CHECK(json["data"]["resultType"] == "matrix");
    const nlohmann::json& result = json["data"]["result"];
    CHECK(static_cast<long>(result.size()) == cpus);
    for (const nlohmann::json& series : result) {
      CHECK_FALSE(series["metric"].contains("__name__"));  // rate() drops the name
      CHECK(series["metric"]["mode"] == "idle");
      CHECK(series["metric"].contains("cpu"));
      REQUIRE(series["values"].size() >= 1);
      for (const nlohmann::json& point : series["values"]) {
        CHECK(point[0].is_number());
        CHECK(point[1].is_string());
      }
      CHECK(series["values"].back()[0] == end);
    }
  }

  {  // series, labels and label values
    nlohmann::json json = viewer.Get("/api/v1/series", {{"match[]", "node_load1"}}).Json();
    CHECK(json ==
          nlohmann::json::parse(
              R"({"status":"success","data":[{"__name__":"node_load1","instance":"db1"}]})"));
    json = viewer.Get("/api/v1/labels").Json();
    CHECK(json["status"] == "success");
    for (const char* name : {"__name__", "cpu", "instance", "mode"}) {
      CHECK(std::find(json["data"].begin(), json["data"].end(), name) != json["data"].end());
    }
    json = viewer.Get("/api/v1/labels", {{"match[]", "node_load1"}}).Json();
    CHECK(json["data"] == nlohmann::json::parse(R"(["__name__","instance"])"));
    json = viewer.Get("/api/v1/label/instance/values").Json();
    CHECK(json["data"] == nlohmann::json::parse(R"(["db1"])"));
    json = viewer.Get("/api/v1/label/__name__/values").Json();
    CHECK(std::find(json["data"].begin(), json["data"].end(), "node_load1") != json["data"].end());
    json = viewer.Get("/api/v1/label/__name__/values", {{"match[]", "{__name__=~\"node_load.*\"}"}})
               .Json();
    CHECK(json["data"] == nlohmann::json::parse(R"(["node_load1","node_load15","node_load5"])"));
    json = viewer.Get("/api/v1/label/mode/values", {{"match[]", "node_load1"}}).Json();
    CHECK(json["data"] == nlohmann::json::array());
  }

  {  // hosts: instance, health, last seen, agent version, facts
    const nlohmann::json json = viewer.Get("/api/v1/hosts").Json();
    REQUIRE(json["data"].size() == 1);
    const nlohmann::json& host = json["data"][0];
    CHECK(host["instance"] == "db1");
    CHECK(host["health"] == "up");
    CHECK(host["agentVersion"] != "");
    CHECK(absl::StartsWith(host["peerAddress"].get<std::string>(), "127.0.0.1:"));
    CHECK(host["facts"]["cpuCount"] == cpus);
    CHECK(host["facts"]["memoryBytes"].get<uint64_t>() > 0);
    absl::Time seen;
    std::string error;
    REQUIRE(
        absl::ParseTime(absl::RFC3339_full, host["lastSeen"].get<std::string>(), &seen, &error));
    CHECK(absl::Now() - seen < absl::Seconds(30));
  }

  {  // build and runtime information, and what Grafana also asks
    nlohmann::json json = viewer.Get("/api/v1/status/buildinfo").Json();
    CHECK(json["data"]["version"] == "2.24.0");
    CHECK(json["data"]["application"] == "vigil");
    json = viewer.Get("/api/v1/status/runtimeinfo").Json();
    CHECK(json["data"]["reloadConfigSuccess"] == true);
    CHECK(json["data"]["storageRetention"] == "30d");
    CHECK(viewer.Get("/api/v1/metadata").Json()["data"] == nlohmann::json::object());
    CHECK(viewer.Get("/api/v1/query_exemplars", {{"query", "node_load1"}}).Json()["data"] ==
          nlohmann::json::array());
    CHECK(viewer.Get("/api/v1/rules").Json()["data"] == nlohmann::json::parse(R"({"groups":[]})"));
    CHECK(viewer.Get("/api/v1/alerts").Json()["data"] == nlohmann::json::parse(R"({"alerts":[]})"));
  }

  {  // the collector's metrics in the Prometheus text format
    REQUIRE(viewer.Get("/api/v1/labels").status == 200);
    const HttpsReply r = viewer.Get("/metrics");
    REQUIRE(r.status == 200);
    CHECK(absl::StartsWith(r.content_type, "text/plain; version=0.0.4"));
    CHECK(absl::StrContains(r.body, "vigil_http_requests_total{handler=\"labels\",code=\"200\"} "));
    CHECK(absl::StrContains(r.body, "vigil_audit_write_errors_total 0\n"));
    CHECK(absl::StrContains(r.body, "vigil_collector_samples_ingested_total"));
  }

  {  // unknown paths and methods
    CheckError(viewer.Get("/api/v1/nothing"), 404, "not_found", "/api/v1/nothing");
    CheckError(viewer.Get("/api/v1/admin/reload"), 405, "bad_data", "use POST");
  }
}

TEST_CASE("HTTP API: GET and POST forms give the same answers", "[integration][http]") {
  ApiCluster api;
  api.Start();
  api.FeedData();
  const HttpsClient viewer = api.WithToken("grafana");
  // A window that is complete: no sample arrives in it between the two requests.
  const int64_t end = NowSeconds() - 2;
  const FormParams range = {{"query", "node_load1"},
                            {"start", absl::StrCat(end - 3)},
                            {"end", absl::StrCat(end)},
                            {"step", "1"}};
  const HttpsReply get = viewer.Get("/api/v1/query_range", range);
  REQUIRE(get.status == 200);
  CHECK(viewer.Post("/api/v1/query_range", range).body == get.body);
  CHECK(get.Json()["data"]["result"][0]["values"].size() == 4);

  // RFC 3339 and Unix seconds name the same instant.
  const std::string rfc3339 =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(end), absl::UTCTimeZone());
  const HttpsReply at_seconds =
      viewer.Get("/api/v1/query", {{"query", "node_load1"}, {"time", absl::StrCat(end)}});
  CHECK(viewer.Post("/api/v1/query", {{"query", "node_load1"}, {"time", rfc3339}}).body ==
        at_seconds.body);

  // Repeated match[] in a form body.
  const FormParams two = {{"match[]", "node_load1"}, {"match[]", "node_load5"}};
  const HttpsReply series = viewer.Post("/api/v1/series", two);
  REQUIRE(series.status == 200);
  CHECK(series.Json()["data"].size() == 2);
  CHECK(viewer.Get("/api/v1/series", two).body == series.body);
  CHECK(viewer.Post("/api/v1/labels", {{"match[]", "node_load1"}}).body ==
        viewer.Get("/api/v1/labels", {{"match[]", "node_load1"}}).body);

  // cpp-httplib's compiled-in limits: 8 KiB of form body (413), 8 KiB of URL (414).
  std::string alternatives;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&alternatives, "db", i, "|");
  const FormParams long_query = {
      {"query", absl::StrCat("node_load1{instance=~\"", alternatives, "db1\"}")}};
  CHECK(viewer.Post("/api/v1/query", long_query).status == 413);
  CHECK(viewer.Get("/api/v1/query", long_query).status == 414);
}

TEST_CASE("HTTP API: bad parameters are 400 bad_data with Prometheus' messages",
          "[integration][http]") {
  ApiCluster api;
  api.Start();
  const HttpsClient viewer = api.WithToken("grafana");
  CheckError(viewer.Get("/api/v1/query"), 400, "bad_data", "invalid parameter \"query\"");
  CheckError(viewer.Get("/api/v1/query", {{"query", "sum(node_load1"}}), 400, "bad_data",
             "parse error at line 1, column");
  CheckError(viewer.Get("/api/v1/query", {{"query", "up"}, {"time", "yesterday"}}), 400, "bad_data",
             "invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp");
  CheckError(viewer.Get("/api/v1/query", {{"query", "up"}, {"timeout", "-1"}}), 400, "bad_data",
             "invalid parameter \"timeout\"");
  const FormParams no_start = {{"query", "up"}, {"end", "100"}, {"step", "1"}};
  CheckError(viewer.Get("/api/v1/query_range", no_start), 400, "bad_data",
             "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
  CheckError(viewer.Get("/api/v1/query_range",
                        {{"query", "up"}, {"start", "100"}, {"end", "50"}, {"step", "1"}}),
             400, "bad_data", "end timestamp must not be before start time");
  CheckError(viewer.Get("/api/v1/query_range",
                        {{"query", "up"}, {"start", "0"}, {"end", "50"}, {"step", "0"}}),
             400, "bad_data", "zero or negative query resolution step widths are not accepted");
  CheckError(viewer.Get("/api/v1/query_range",
                        {{"query", "up"}, {"start", "0"}, {"end", "50"}, {"step", "often"}}),
             400, "bad_data",
             "invalid parameter \"step\": cannot parse \"often\" to a valid duration");
  CheckError(viewer.Get("/api/v1/query_range",
                        {{"query", "up"}, {"start", "0"}, {"end", "100000"}, {"step", "1"}}),
             400, "bad_data", "exceeded maximum resolution of 11000 points per timeseries");
  CheckError(viewer.Get("/api/v1/series"), 400, "bad_data", "no match[] parameter provided");
  CheckError(viewer.Get("/api/v1/series", {{"match[]", "up{"}}), 400, "bad_data",
             "invalid parameter \"match[]\"");
  CheckError(viewer.Get("/api/v1/series", {{"match[]", "{job!=\"x\"}"}}), 400, "bad_data",
             "at least one matcher that does not match the empty string");
  CheckError(viewer.Get("/api/v1/labels", {{"start", "soon"}}), 400, "bad_data",
             "invalid parameter \"start\"");
  CheckError(viewer.Get("/api/v1/label/1bad/values"), 400, "bad_data",
             "invalid label name: \"1bad\"");
}

TEST_CASE("HTTP API: a query over its limits is 422 execution naming the limit",
          "[integration][http]") {
  ApiCluster api("query:\n  max_series: 3\n  max_samples: 5\n");
  api.Start();
  api.cluster.StartAgent("db1");
  const HttpsClient viewer = api.WithToken("grafana");
  REQUIRE(WaitFor(
      [&] {
        return viewer.Get("/api/v1/series", {{"match[]", "node_load1"}}).Json()["data"].size() == 1;
      },
      absl::Seconds(30)));
  CheckError(viewer.Get("/api/v1/series", {{"match[]", "{__name__=~\"node_.*\"}"}}), 422,
             "execution", "query.max_series");
  CheckError(viewer.Get("/api/v1/query", {{"query", "count({__name__=~\"node_.*\"})"}}), 422,
             "execution", "max_series");
  // One series, but more than 5 samples in 20 s at one a second.
  REQUIRE(WaitFor(
      [&] {
        return viewer.Get("/api/v1/query", {{"query", "count_over_time(node_load1[20s])"}})
                   .status == 422;
      },
      absl::Seconds(30)));
  CheckError(viewer.Get("/api/v1/query", {{"query", "count_over_time(node_load1[20s])"}}), 422,
             "execution", "max_samples");
  // Within the limits the same collector answers.
  CHECK(viewer.Get("/api/v1/series", {{"match[]", "node_load1"}}).status == 200);
  CHECK(viewer.Get("/api/v1/query", {{"query", "node_load1[3s]"}}).status == 200);
}

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
