// The collector's HTTPS API against a real collector (and a real agent feeding it) on
// loopback: Prometheus' JSON shapes for every endpoint, GET and POST forms, status codes
// and error types, query limits.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/api_cluster.h"

namespace vigil::testing {
namespace {

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

}  // namespace
}  // namespace vigil::testing
