// The alerting interfaces against a real collector fed by a real agent: /api/v1/alerts
// and /api/v1/rules in Prometheus' shapes, acknowledgement as the authenticated
// principal, history, silences, on-call, the signed acknowledge link from a (WeCom)
// notification opened without a login, the audit log of every change, and vigilctl.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "tests/integration/api_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace vigil::testing {
namespace {

// Always true for db1 as soon as its first load sample is stored: fires at once.
constexpr char kRules[] = R"(groups:
  - name: host
    rules:
      - alert: LoadSeen
        expr: node_load1{instance="db1"} >= 0
        severity: critical
        labels: {team: dba}
        annotations:
          summary: "负载 load on {{ $labels.instance }} is {{ $value }}"
)";

// A local robot endpoint that keeps what it is sent (WeCom's answer shape).
class RobotReceiver {
 public:
  RobotReceiver() {
    server_.Post("/.*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(req.body);
      res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RobotReceiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> Bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

std::string AlertingYaml(const std::string& rules_file, int receiver_port) {
  return absl::StrCat(
      "alerting:\n"
      "  rule_files: [",
      rules_file,
      "]\n"
      "  evaluation_interval: 1s\n"
      "  group_wait: 0s\n"
      "  external_url: https://vigil.example\n"
      "  receivers:\n"
      "    - {name: robot, type: wecom, url: \"http://127.0.0.1:",
      receiver_port,
      "/cgi-bin/webhook/send?key=test\"}\n"
      "  oncall:\n"
      "    - name: dba\n"
      "      handover: daily\n"
      "      at: \"09:00\"\n"
      "      timezone: UTC\n"
      "      start: 2020-01-01\n"
      "      people:\n"
      "        - {name: zhang, phone: \"13800000001\"}\n"
      "        - {name: li, phone: \"13800000002\"}\n"
      "  escalation_policies:\n"
      "    - name: default\n"
      "      tiers:\n"
      "        - {receivers: [robot], oncall: dba}\n");
}

// A collector with the rule above, the robot receiver and the dba rotation; the rule
// file lives in the fixture's own directory.
struct AlertsFixture {
  RobotReceiver robot;
  TempDir rules_dir;
  ApiCluster api;

  AlertsFixture() : api(Config(rules_dir, robot)) {}

  static std::string Config(const TempDir& dir, const RobotReceiver& robot) {
    dir.WriteFile("rules.yml", kRules);
    return AlertingYaml(dir.Path("rules.yml"), robot.port());
  }

  // Starts the collector and the agent db1; waits until db1's LoadSeen fires and
  // returns its JSON from /api/v1/alerts.
  nlohmann::json StartFiring() {
    api.Start();
    api.cluster.StartAgent("db1");
    const HttpsClient viewer = api.WithToken("grafana");
    nlohmann::json alert;
    std::string last;
    const bool fired = WaitFor(
        [&] {
          HttpsReply r = viewer.Get("/api/v1/alerts");
          last = r.body;
          if (r.status != 200) return false;
          const nlohmann::json json = r.Json();
          for (const nlohmann::json& a : json["data"]["alerts"]) {
            if (a["labels"]["alertname"] == "LoadSeen" && a["state"] == "firing") {
              alert = a;
              return true;
            }
          }
          return false;
        },
        absl::Seconds(30));
    if (!fired) {
      INFO("last /api/v1/alerts: " << last);
      INFO("collector log:\n" << ReadFile(api.cluster.collector_log()).value_or(""));
      FAIL("LoadSeen did not fire for db1");
    }
    return alert;
  }

  // The alert of this id from /api/v1/alerts ("null" if it is not there).
  nlohmann::json Alert(const std::string& id) const {
    const nlohmann::json json = api.WithToken("grafana").Get("/api/v1/alerts").Json();
    for (const nlohmann::json& a : json["data"]["alerts"]) {
      if (a["id"] == id) return a;
    }
    return nullptr;
  }
};

std::vector<std::string> AuditLines(const ApiCluster& api) {
  absl::StatusOr<std::string> text = ReadFile(api.AuditFile());
  REQUIRE(text.ok());
  return absl::StrSplit(*text, '\n', absl::SkipEmpty());
}

bool AuditHas(const ApiCluster& api, const std::vector<std::string>& parts) {
  for (const std::string& line : AuditLines(api)) {
    bool all = true;
    for (const std::string& p : parts) all = all && absl::StrContains(line, p);
    if (all) return true;
  }
  return false;
}

TEST_CASE("Alerts API: alerts and rules in Prometheus' shapes; ack as the principal, audited",
          "[integration][alerts]") {
  AlertsFixture f;
  const nlohmann::json alert = f.StartFiring();
  const HttpsClient viewer = f.api.WithToken("grafana");
  const HttpsClient oncall = f.api.WithToken("oncall-op");

  // Prometheus' keys, then Vigil's.
  CHECK(alert["labels"]["instance"] == "db1");
  CHECK(alert["labels"]["severity"] == "critical");
  CHECK(alert["labels"]["team"] == "dba");
  CHECK(
      absl::StartsWith(alert["annotations"]["summary"].get<std::string>(), "负载 load on db1 is "));
  CHECK(std::regex_match(alert["activeAt"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  CHECK(
      std::regex_match(alert["value"].get<std::string>(), std::regex(R"(-?\d(\.\d+)?e[+-]\d\d)")));
  const std::string id = alert["id"];
  CHECK(id.size() == 16);
  CHECK(alert["acknowledged"] == false);
  CHECK(alert["firedAt"].is_string());

  {  // /api/v1/rules
    nlohmann::json data = viewer.Get("/api/v1/rules").Json()["data"];
    REQUIRE(data["groups"].size() == 1);
    const nlohmann::json& g = data["groups"][0];
    CHECK(g["name"] == "host");
    CHECK(g["interval"] == 1.0);
    REQUIRE(g["rules"].size() == 1);
    const nlohmann::json& r = g["rules"][0];
    CHECK(r["type"] == "alerting");
    CHECK(r["name"] == "LoadSeen");
    CHECK(r["query"] == "node_load1{instance=\"db1\"} >= 0");
    CHECK(r["duration"] == 0.0);
    CHECK(r["health"] == "ok");
    CHECK(r["state"] == "firing");
    CHECK(r["alerts"].size() == 1);
    CHECK(viewer.Get("/api/v1/rules", {{"type", "alert"}}).Json()["data"]["groups"].size() == 1);
    CHECK(viewer.Get("/api/v1/rules", {{"type", "record"}}).Json()["data"]["groups"].empty());
    CheckError(viewer.Get("/api/v1/rules", {{"type", "bogus"}}), 400, "bad_data", "bogus");
  }

  // A viewer may not acknowledge; refused and audited.
  CheckError(viewer.Post("/api/v1/alerts/" + id + "/ack", {{"comment", "x"}}), 403, "forbidden",
             "operator");
  CHECK(f.Alert(id)["acknowledged"] == false);
  CheckError(oncall.Post("/api/v1/alerts/ffffffffffffffff/ack"), 404, "not_found", "");

  // `by` is who is authenticated, whatever the request says.
  HttpsReply acked =
      oncall.Post("/api/v1/alerts/" + id + "/ack", {{"comment", "looking"}, {"by", "mallory"}});
  REQUIRE(acked.status == 200);
  CHECK(acked.Json()["data"]["acknowledgedBy"] == "oncall-op");
  const nlohmann::json now = f.Alert(id);
  CHECK(now["acknowledged"] == true);
  CHECK(now["acknowledgedBy"] == "oncall-op");
  CHECK(now["ackComment"] == "looking");
  CHECK(AuditHas(f.api, {"\"principal\":\"oncall-op\"", "acknowledge alert " + id, "looking",
                         "\"result\":\"ok\""}));
  CHECK(AuditHas(f.api, {"\"principal\":\"grafana\"", "/ack", "refused: forbidden"}));

  // A second acknowledgement (a JSON body, by someone else) is a conflict.
  CheckError(f.api.WithCertificate("bob").PostJson("/api/v1/alerts/" + id + "/ack",
                                                   {{"comment", "me too"}}),
             409, "conflict", "already");
  CHECK(f.Alert(id)["acknowledgedBy"] == "oncall-op");

  // History: newest first, with the acknowledgement.
  REQUIRE(WaitFor(
      [&] {
        nlohmann::json events =
            viewer.Get("/api/v1/alerts/history", {{"alert", id}}).Json()["data"];
        return events.size() >= 2 && events[0]["time"] >= events[events.size() - 1]["time"];
      },
      absl::Seconds(10)));
  nlohmann::json events =
      viewer.Get("/api/v1/alerts/history", {{"instance", "db1"}}).Json()["data"];
  bool fired = false, acknowledged = false;
  for (const nlohmann::json& e : events) {
    CHECK(e["labels"]["instance"] == "db1");
    fired = fired || e["kind"] == "firing";
    acknowledged = acknowledged || e["kind"] == "acknowledged";
  }
  CHECK(fired);
  CHECK(acknowledged);
  CHECK(viewer.Get("/api/v1/alerts/history", {{"instance", "db9"}}).Json()["data"].empty());
  CHECK(viewer.Get("/api/v1/alerts/history", {{"limit", "1"}}).Json()["data"].size() == 1);
  CheckError(viewer.Get("/api/v1/alerts/history", {{"start", "yesterday"}}), 400, "bad_data",
             "start");
}

TEST_CASE("Silences API: create as the principal, list, the alert is marked, expire; audited",
          "[integration][alerts]") {
  AlertsFixture f;
  const std::string id = f.StartFiring()["id"];
  const HttpsClient viewer = f.api.WithToken("grafana");
  const HttpsClient oncall = f.api.WithToken("oncall-op");

  CheckError(
      oncall.Post("/api/v1/silences", {{"matchers", "{instance=\"db1\"}"}, {"duration", "1h"}}),
      400, "bad_data", "comment");
  CheckError(
      oncall.Post("/api/v1/silences", {{"matchers", "{instance=\"db1\"}"}, {"comment", "x"}}), 400,
      "bad_data", "duration");
  CheckError(
      viewer.Post("/api/v1/silences",
                  {{"matchers", "{instance=\"db1\"}"}, {"duration", "1h"}, {"comment", "x"}}),
      403, "forbidden", "operator");
  HttpsReply created = oncall.Post("/api/v1/silences", {{"matchers", "{instance=\"db1\"}"},
                                                        {"duration", "1h"},
                                                        {"comment", "disk swap"},
                                                        {"createdBy", "mallory"}});
  REQUIRE(created.status == 200);
  const nlohmann::json silence = created.Json()["data"];
  const std::string sid = silence["id"];
  CHECK(silence["createdBy"] == "oncall-op");
  CHECK(silence["state"] == "active");
  CHECK(silence["comment"] == "disk swap");
  CHECK(AuditHas(f.api, {"\"principal\":\"oncall-op\"", "create silence {instance=\\\"db1\\\"}",
                         "disk swap"}));

  nlohmann::json list = viewer.Get("/api/v1/silences").Json()["data"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == sid);
  REQUIRE(WaitFor([&] { return f.Alert(id)["silencedBy"] == sid; }, absl::Seconds(10)));

  CheckError(viewer.Delete("/api/v1/silences/" + sid), 403, "forbidden", "operator");
  HttpsReply expired = oncall.Delete("/api/v1/silences/" + sid);
  REQUIRE(expired.status == 200);
  CHECK(expired.Json()["data"]["state"] == "expired");
  CHECK(viewer.Get("/api/v1/silences").Json()["data"].empty());
  CHECK(viewer.Get("/api/v1/silences", {{"expired", "true"}}).Json()["data"].size() == 1);
  CHECK(AuditHas(f.api, {"\"principal\":\"oncall-op\"", "expire silence " + sid}));
  CHECK(oncall.Delete("/api/v1/silences/nosuch").status == 404);
  REQUIRE(WaitFor([&] { return f.Alert(id)["silencedBy"] == ""; }, absl::Seconds(10)));
}

TEST_CASE("On-call: who is on duty and the schedule", "[integration][alerts]") {
  AlertsFixture f;
  f.api.Start();
  HttpsReply r = f.api.WithToken("grafana").Get("/api/v1/oncall", {{"days", "3"}});
  REQUIRE(r.status == 200);
  const nlohmann::json data = r.Json()["data"];
  REQUIRE(data["rotations"].size() == 1);
  const nlohmann::json& dba = data["rotations"][0];
  CHECK(dba["name"] == "dba");
  const std::string primary = dba["primary"]["name"];
  CHECK((primary == "zhang" || primary == "li"));
  CHECK(dba["secondary"]["name"] == (primary == "zhang" ? "li" : "zhang"));
  // Daily hand-overs: the shift in progress and one a day for 3 days.
  CHECK(dba["schedule"].size() >= 3);
  CheckError(f.api.WithToken("grafana").Get("/api/v1/oncall", {{"days", "0"}}), 400, "bad_data",
             "days");
}

// The link the robot was sent, on the collector's real address.
std::string AckLinkFromRobot(RobotReceiver& robot) {
  std::string link;
  REQUIRE(WaitFor(
      [&] {
        for (const std::string& body : robot.Bodies()) {
          std::smatch m;
          if (std::regex_search(body, m,
                                std::regex(R"(https://vigil\.example(/ack\?[^)\s"\\]+))"))) {
            link = m[1];
            return true;
          }
        }
        return false;
      },
      absl::Seconds(30)));
  return link;
}

// The query parameters of "/ack?a=1&b=2", URL-decoded.
FormParams QueryParams(const std::string& link) {
  FormParams out;
  httplib::Params params;
  httplib::detail::parse_query_text(link.substr(link.find('?') + 1), params);
  for (const auto& [k, v] : params) out.emplace_back(k, v);
  return out;
}

TEST_CASE("Acknowledge link: GET shows, POST acknowledges as <who> (link), bad links refused",
          "[integration][alerts]") {
  AlertsFixture f;
  const std::string id = f.StartFiring()["id"];
  const std::string link = AckLinkFromRobot(f.robot);
  const FormParams fields = QueryParams(link);
  std::string who;
  for (const auto& [k, v] : fields) {
    if (k == "who") who = v;
  }
  CHECK((who == "zhang" || who == "li"));       // the dba rotation's primary on duty
  const HttpsClient phone = f.api.Anonymous();  // no certificate, no token

  HttpsReply page = phone.Get("/ack", fields);
  REQUIRE(page.status == 200);
  CHECK(absl::StartsWith(page.content_type, "text/html"));
  CHECK(absl::StrContains(page.body, "LoadSeen"));
  CHECK(absl::StrContains(page.body, "db1"));
  CHECK(absl::StrContains(page.body, "Acknowledge / 确认"));
  CHECK(absl::StrContains(page.body, "name=\"sig\""));
  // GET (a chat app's preview) acknowledges nothing.
  CHECK(f.Alert(id)["acknowledged"] == false);

  FormParams forged = fields;
  for (auto& [k, v] : forged) {
    if (k == "who") v = "mallory";
  }
  HttpsReply refused = phone.Get("/ack", forged);
  CHECK(refused.status == 403);
  CHECK(absl::StrContains(refused.body, "Link not valid"));
  CHECK(phone.Post("/ack", forged).status == 403);
  CHECK(f.Alert(id)["acknowledged"] == false);
  CHECK(AuditHas(f.api,
                 {"\"principal\":\"mallory\"", "\"auth\":\"ack-link\"", "refused: forbidden"}));

  FormParams confirm = fields;
  confirm.emplace_back("comment", "在路上 on my way");
  HttpsReply done = phone.Post("/ack", confirm);
  REQUIRE(done.status == 200);
  CHECK(absl::StrContains(done.body, "Acknowledged"));
  const nlohmann::json acked = f.Alert(id);
  CHECK(acked["acknowledged"] == true);
  CHECK(acked["acknowledgedBy"] == who + " (link)");
  CHECK(acked["ackComment"] == "在路上 on my way");
  CHECK(AuditHas(f.api, {"\"principal\":\"" + who + "\"", "\"auth\":\"ack-link\"",
                         "acknowledge alert " + id, "\"result\":\"ok\""}));
  // The same link again: acknowledged already, said so.
  HttpsReply again = phone.Post("/ack", fields);
  CHECK(again.status == 200);
  CHECK(absl::StrContains(again.body, "already acknowledged by " + who + " (link)"));
}

TEST_CASE("vigilctl alerts, ack, silence and oncall against the collector",
          "[integration][alerts]") {
  AlertsFixture f;
  const std::string id = f.StartFiring()["id"];
  const std::string collector = f.api.cluster.collector_address();
  auto ctl = [&](const std::string& who, std::vector<std::string> args, std::string* out) {
    std::vector<std::string> all = {"--collector", collector,
                                    "--ca",        f.api.Ca(),
                                    "--cert",      f.api.cluster.CaDir() + "/" + who + ".crt",
                                    "--key",       f.api.cluster.CaDir() + "/" + who + ".key"};
    all.insert(all.end(), args.begin(), args.end());
    return RunVigilctl(all, out);
  };
  std::string out;
  REQUIRE(ctl("bob", {"alerts"}, &out) == 0);
  CHECK(absl::StrContains(out, id));
  CHECK(absl::StrContains(out, "LoadSeen"));
  REQUIRE(ctl("bob", {"ack", id, "--comment", "on it"}, &out) == 0);
  CHECK(absl::StrContains(out, "acknowledged " + id));
  CHECK(f.Alert(id)["acknowledgedBy"] == "bob");
  REQUIRE(ctl("bob", {"alerts", "--history", "--instance", "db1"}, &out) == 0);
  CHECK(absl::StrContains(out, "acknowledged"));
  REQUIRE(
      ctl("bob",
          {"silence", "add", "{instance=\"db1\"}", "--duration", "2h", "--comment", "maintenance"},
          &out) == 0);
  CHECK(absl::StartsWith(out, "created silence "));
  REQUIRE(ctl("bob", {"silence", "list"}, &out) == 0);
  CHECK(absl::StrContains(out, "maintenance"));
  REQUIRE(ctl("bob", {"oncall", "--days", "2"}, &out) == 0);
  CHECK(absl::StartsWith(out, "dba: on duty now "));
}

}  // namespace
}  // namespace vigil::testing
