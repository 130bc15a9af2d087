#include "collector/ctl/output.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace vigil::ctl {
namespace {

// 2026-11-23T20:46:55Z
constexpr int64_t kNowMs = 1795466815000;
const absl::Time kNow = absl::FromUnixMillis(kNowMs);

v1::HostInfo* AddHost(v1::ListHostsResponse* response, const std::string& name, bool connected,
                      int64_t last_seen_ms) {
  v1::HostInfo* h = response->add_hosts();
  h->set_host(name);
  h->set_connected(connected);
  h->set_last_seen_ms(last_seen_ms);
  h->set_first_seen_ms(last_seen_ms - 3600000);
  h->set_agent_version("0.1.0");
  h->set_boot_id("b0b0-1234");
  h->set_peer_address("ipv4:10.0.0.5:51234");
  v1::HostFacts* f = h->mutable_facts();
  f->set_hostname(name + ".icu.example");
  f->set_kernel_release("6.1.0-18-amd64");
  f->set_kernel_version("#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1");
  f->set_machine("x86_64");
  f->set_os_pretty_name("Debian GNU/Linux 12 (bookworm)");
  f->set_os_id("debian");
  f->set_os_version_id("12");
  f->set_cpu_count(8);
  f->set_memory_bytes(uint64_t{16} << 30);
  return h;
}

v1::SeriesData* AddSeries(v1::QueryRangeResponse* response,
                          const std::vector<std::pair<std::string, std::string>>& labels,
                          const std::vector<std::pair<int64_t, double>>& samples) {
  v1::SeriesData* s = response->add_series();
  for (const auto& [name, value] : labels) {
    v1::Label* l = s->add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  for (const auto& [t, v] : samples) {
    s->add_timestamps_ms(t);
    s->add_values(v);
  }
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  REQUIRE(!text.empty());
  REQUIRE(text.back() == '\n');
  return absl::StrSplit(text.substr(0, text.size() - 1), '\n');
}

// The LAST SEEN column of a one-host table.
std::string AgeShown(int64_t last_seen_ms) {
  v1::ListHostsResponse response;
  AddHost(&response, "db1", true, last_seen_ms);
  const std::vector<std::string> lines = Lines(FormatHostsTable(response, kNow));
  REQUIRE(lines.size() == 2);
  const size_t column = lines[0].find("LAST SEEN");
  const size_t next = lines[0].find("AGENT");
  REQUIRE(column != std::string::npos);
  std::string cell = lines[1].substr(column, next - column);
  cell.erase(cell.find_last_not_of(' ') + 1);
  return cell;
}

TEST_CASE("FormatHostsTable prints an aligned table") {
  v1::ListHostsResponse response;
  AddHost(&response, "db1", true, kNowMs - 30000);
  v1::HostInfo* h = AddHost(&response, "pacs-archive-02", false, kNowMs - 5 * 60000);
  h->mutable_facts()->set_cpu_count(64);
  h->mutable_facts()->set_memory_bytes(uint64_t{512} << 20);
  h->mutable_facts()->set_os_pretty_name("RHEL 9");
  h->set_agent_version("0.1.0-rc1");

  const std::string want =
      "HOST             STATE  LAST SEEN  AGENT      OS                              "
      "KERNEL          CPUS  MEMORY\n"
      "db1              up     30s ago    0.1.0      Debian GNU/Linux 12 (bookworm)  "
      "6.1.0-18-amd64  8     16.0 GiB\n"
      "pacs-archive-02  down   5m ago     0.1.0-rc1  RHEL 9                          "
      "6.1.0-18-amd64  64    512 MiB\n";
  CHECK(FormatHostsTable(response, kNow) == want);
}

TEST_CASE("FormatHostsTable columns start at the same offset on every line") {
  v1::ListHostsResponse response;
  AddHost(&response, "a", true, kNowMs);
  AddHost(&response, "a-much-longer-host-name", false, 0);
  AddHost(&response, "mid-size", true, kNowMs - 3 * 3600000);
  const std::vector<std::string> lines = Lines(FormatHostsTable(response, kNow));
  REQUIRE(lines.size() == 4);
  for (const char* header : {"STATE", "LAST SEEN", "AGENT", "OS", "KERNEL", "CPUS", "MEMORY"}) {
    INFO(header);
    // Headers are preceded by two spaces ("OS" alone would also be found in "HOST").
    const size_t found = lines[0].find(std::string("  ") + header);
    REQUIRE(found != std::string::npos);
    const size_t column = found + 2;
    for (size_t i = 1; i < lines.size(); ++i) {
      INFO(lines[i]);
      REQUIRE(lines[i].size() > column);
      CHECK(lines[i][column - 1] == ' ');
      CHECK(lines[i][column - 2] == ' ');  // at least two spaces between columns
      CHECK(lines[i][column] != ' ');
    }
  }
  for (const std::string& line : lines) {
    INFO(line);
    CHECK(line.back() != ' ');  // no trailing padding
  }
  CHECK(lines[1].substr(0, lines[0].find("STATE")) == std::string("a") + std::string(24, ' '));
}

TEST_CASE("FormatHostsTable shows states and ages") {
  struct Case {
    int64_t last_seen_ms;
    std::string want;
  };
  const std::vector<Case> cases = {
      {kNowMs, "now"},
      {kNowMs - 999, "now"},
      {kNowMs + 5000, "now"},  // agent clock ahead of ours
      {kNowMs - 1000, "1s ago"},
      {kNowMs - 30000, "30s ago"},
      {kNowMs - 119000, "119s ago"},
      {kNowMs - 120000, "2m ago"},
      {kNowMs - 5 * 60000, "5m ago"},
      {kNowMs - 5 * 60000 - 59000, "5m ago"},
      {kNowMs - 119 * 60000, "119m ago"},
      {kNowMs - 3 * 3600000, "3h ago"},
      {kNowMs - 47 * 3600000, "47h ago"},
      {kNowMs - 48 * 3600000, "2d ago"},
      {kNowMs - 2 * 86400000 - 23 * 3600000, "2d ago"},
      {kNowMs - 400LL * 86400000, "400d ago"},
      {0, "never"},
  };
  for (const Case& c : cases) {
    INFO(c.last_seen_ms << " -> " << c.want);
    CHECK(AgeShown(c.last_seen_ms) == c.want);
  }

  v1::ListHostsResponse response;
  AddHost(&response, "up-host", true, kNowMs);
  AddHost(&response, "down-host", false, kNowMs);
  const std::vector<std::string> lines = Lines(FormatHostsTable(response, kNow));
  const size_t state = lines[0].find("STATE");
  CHECK(lines[1].substr(state, 4) == "up  ");
  CHECK(lines[2].substr(state, 4) == "down");
}

TEST_CASE("FormatHostsTable with no hosts says so") {
  CHECK(FormatHostsTable(v1::ListHostsResponse(), kNow) == "no hosts have reported yet\n");
}

TEST_CASE("FormatHostsJson has every field with its type") {
  v1::ListHostsResponse response;
  AddHost(&response, "db1", true, kNowMs + 123);
  AddHost(&response, "db2", false, 0);
  const nlohmann::json doc = nlohmann::json::parse(FormatHostsJson(response));
  REQUIRE(doc.is_object());
  REQUIRE(doc.size() == 1);
  const nlohmann::json& hosts = doc.at("hosts");
  REQUIRE(hosts.is_array());
  REQUIRE(hosts.size() == 2);
  const nlohmann::json& h = hosts[0];
  CHECK(h.size() == 8);
  CHECK(h.at("host") == "db1");
  CHECK(h.at("connected") == true);
  CHECK(h.at("last_seen").get<double>() == 1795466815.123);
  CHECK(h.at("first_seen").get<double>() == 1795463215.123);
  CHECK(h.at("agent_version") == "0.1.0");
  CHECK(h.at("boot_id") == "b0b0-1234");
  CHECK(h.at("peer_address") == "ipv4:10.0.0.5:51234");
  const nlohmann::json& f = h.at("facts");
  CHECK(f.size() == 9);
  CHECK(f.at("hostname") == "db1.icu.example");
  CHECK(f.at("kernel_release") == "6.1.0-18-amd64");
  CHECK(f.at("kernel_version") == "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1");
  CHECK(f.at("machine") == "x86_64");
  CHECK(f.at("os_pretty_name") == "Debian GNU/Linux 12 (bookworm)");
  CHECK(f.at("os_id") == "debian");
  CHECK(f.at("os_version_id") == "12");
  CHECK(f.at("cpu_count").is_number_unsigned());
  CHECK(f.at("cpu_count") == 8);
  CHECK(f.at("memory_bytes").is_number_unsigned());
  CHECK(f.at("memory_bytes").get<uint64_t>() == uint64_t{16} << 30);
  CHECK(hosts[1].at("connected") == false);
  CHECK(hosts[1].at("last_seen").get<double>() == 0);

  const nlohmann::json empty = nlohmann::json::parse(FormatHostsJson(v1::ListHostsResponse()));
  CHECK(empty == nlohmann::json::parse(R"({"hosts": []})"));
}

TEST_CASE("FormatSeriesTable prints RFC 3339 UTC times with milliseconds") {
  v1::QueryRangeResponse response;
  AddSeries(&response, {{"__name__", "node_load1"}, {"instance", "db1"}},
            {{1795466815123, 0.5}, {1795466825000, 1.25}, {1795466835007, -3}});
  AddSeries(&response, {{"instance", "db2"}, {"__name__", "node_load1"}, {"zone", "a\"b"}},
            {{0, std::numeric_limits<double>::quiet_NaN()},
             {-1, std::numeric_limits<double>::infinity()}});
  AddSeries(&response, {{"__name__", "up"}}, {});
  CHECK(FormatSeriesTable(response) ==
        "node_load1{instance=\"db1\"}\n"
        "  2026-11-23T20:46:55.123Z  0.5\n"
        "  2026-11-23T20:47:05.000Z  1.25\n"
        "  2026-11-23T20:47:15.007Z  -3\n"
        "node_load1{instance=\"db2\",zone=\"a\\\"b\"}\n"
        "  1970-01-01T00:00:00.000Z  NaN\n"
        "  1969-12-31T23:59:59.999Z  +Inf\n"
        "up{}\n");
}

TEST_CASE("FormatSeriesTable with no series says so") {
  CHECK(FormatSeriesTable(v1::QueryRangeResponse()) == "no samples in this range\n");
}

TEST_CASE("FormatSeriesJson has Prometheus' matrix shape") {
  v1::QueryRangeResponse response;
  AddSeries(&response, {{"__name__", "node_load1"}, {"instance", "db1"}},
            {{1795466815123, 0.5}, {1795466825000, 2.75}, {1795466835001, -0.0}});
  AddSeries(&response, {{"__name__", "pg_up"}, {"instance", "db2"}, {"db", "ris"}},
            {{1795466815100, std::numeric_limits<double>::quiet_NaN()},
             {1795466815999, std::numeric_limits<double>::infinity()},
             {1795466816010, -std::numeric_limits<double>::infinity()}});
  const std::string text = FormatSeriesJson(response);
  REQUIRE(text.back() == '\n');
  const nlohmann::json doc = nlohmann::json::parse(text);

  REQUIRE(doc.is_object());
  CHECK(doc.size() == 2);
  CHECK(doc.at("status") == "success");
  const nlohmann::json& data = doc.at("data");
  CHECK(data.size() == 2);
  CHECK(data.at("resultType") == "matrix");
  const nlohmann::json& result = data.at("result");
  REQUIRE(result.is_array());
  REQUIRE(result.size() == 2);

  for (const nlohmann::json& series : result) {
    REQUIRE(series.is_object());
    CHECK(series.size() == 2);
    REQUIRE(series.at("metric").is_object());
    for (const auto& [name, value] : series.at("metric").items()) CHECK(value.is_string());
    const nlohmann::json& values = series.at("values");
    REQUIRE(values.is_array());
    for (const nlohmann::json& pair : values) {
      REQUIRE(pair.is_array());
      REQUIRE(pair.size() == 2);
      CHECK(pair[0].is_number());
      CHECK(pair[1].is_string());
    }
  }
  CHECK(result[0].at("metric") ==
        nlohmann::json::parse(R"({"__name__": "node_load1", "instance": "db1"})"));
  CHECK(result[1].at("metric") ==
        nlohmann::json::parse(R"({"__name__": "pg_up", "instance": "db2", "db": "ris"})"));

  struct Want {
    int64_t ms;
    std::string value;
  };
  const std::vector<std::vector<Want>> want = {
      {{1795466815123, "0.5"}, {1795466825000, "2.75"}, {1795466835001, "-0"}},
      {{1795466815100, "NaN"}, {1795466815999, "+Inf"}, {1795466816010, "-Inf"}},
  };
  for (size_t s = 0; s < want.size(); ++s) {
    const nlohmann::json& values = result[s].at("values");
    REQUIRE(values.size() == want[s].size());
    for (size_t i = 0; i < want[s].size(); ++i) {
      INFO("series " << s << " sample " << i);
      const double seconds = values[i][0].get<double>();
      // Seconds with millisecond precision: exactly the stored millisecond comes back.
      CHECK(static_cast<int64_t>(std::llround(seconds * 1000)) == want[s][i].ms);
      CHECK(seconds == static_cast<double>(want[s][i].ms) / 1000.0);
      CHECK(values[i][1] == want[s][i].value);
    }
  }
  // As text the times have at most three decimals, like Prometheus' API.
  CHECK(text.find("[1795466815.123,\"0.5\"]") != std::string::npos);
  CHECK(text.find("[1795466835.001,\"-0\"]") != std::string::npos);
  CHECK(text.find("[1795466815.1,\"NaN\"]") != std::string::npos);
}

TEST_CASE("FormatSeriesJson renders millisecond times without rounding noise") {
  v1::QueryRangeResponse response;
  std::vector<std::pair<int64_t, double>> samples;
  for (int64_t ms = 1795466815000; ms < 1795466815000 + 2000; ms += 7) samples.push_back({ms, 1});
  AddSeries(&response, {{"__name__", "x"}}, samples);
  const nlohmann::json doc = nlohmann::json::parse(FormatSeriesJson(response));
  const nlohmann::json& values = doc["data"]["result"][0]["values"];
  REQUIRE(values.size() == samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::string rendered = values[i][0].dump();
    INFO(rendered);
    const size_t dot = rendered.find('.');
    if (dot != std::string::npos) CHECK(rendered.size() - dot - 1 <= 3);
    CHECK(std::llround(values[i][0].get<double>() * 1000) == samples[i].first);
  }
}

TEST_CASE("FormatSeriesJson of no series is an empty matrix") {
  CHECK(nlohmann::json::parse(FormatSeriesJson(v1::QueryRangeResponse())) ==
        nlohmann::json::parse(
            R"({"status": "success", "data": {"resultType": "matrix", "result": []}})"));
}

// Regression: round numbers used to print in exponent form ("1e+02" for 100).
TEST_CASE("FormatSeriesJson values of round numbers read like Prometheus'") {
  v1::QueryRangeResponse response;
  AddSeries(&response, {{"__name__", "x"}}, {{1000, 100}, {2000, 1e6}, {3000, 20}});
  const nlohmann::json doc = nlohmann::json::parse(FormatSeriesJson(response));
  const nlohmann::json& values = doc["data"]["result"][0]["values"];
  CHECK(values[0][1] == "100");
  CHECK(values[1][1] == "1000000");
  CHECK(values[2][1] == "20");
}

}  // namespace

namespace {

v1::EvaluateResponse Evaluated(const std::string& type) {
  v1::EvaluateResponse r;
  r.set_result_type(type);
  return r;
}

void AddPoint(v1::SeriesData* s, int64_t t_ms, double v) {
  s->add_timestamps_ms(t_ms);
  s->add_values(v);
}

}  // namespace

TEST_CASE("FormatEvaluateJson has Prometheus' shape for each result type") {
  SECTION("vector: metric and value per series") {
    v1::EvaluateResponse r = Evaluated("vector");
    v1::SeriesData* s = r.add_series();
    v1::Label* l = s->add_labels();
    l->set_name("instance");
    l->set_value("db1");
    AddPoint(s, 1'700'000'000'500, 0.25);
    nlohmann::json j = nlohmann::json::parse(FormatEvaluateJson(r, 1'700'000'000'500));
    CHECK(j["status"] == "success");
    CHECK(j["data"]["resultType"] == "vector");
    CHECK(j["data"]["result"][0]["metric"]["instance"] == "db1");
    CHECK(j["data"]["result"][0]["value"][0].get<double>() == 1'700'000'000.5);
    CHECK(j["data"]["result"][0]["value"][1] == "0.25");
  }
  SECTION("matrix: values per series") {
    v1::EvaluateResponse r = Evaluated("matrix");
    v1::SeriesData* s = r.add_series();
    AddPoint(s, 1000, 1);
    AddPoint(s, 2000, std::numeric_limits<double>::infinity());
    nlohmann::json j = nlohmann::json::parse(FormatEvaluateJson(r, 2000));
    CHECK(j["data"]["result"][0]["metric"] == nlohmann::json::object());
    CHECK(j["data"]["result"][0]["values"].dump() == R"([[1,"1"],[2,"+Inf"]])");
  }
  SECTION("scalar: [time, value]") {
    v1::EvaluateResponse r = Evaluated("scalar");
    AddPoint(r.add_series(), 5000, 3);
    CHECK(nlohmann::json::parse(FormatEvaluateJson(r, 5000))["data"]["result"].dump() ==
          R"([5,"3"])");
  }
  SECTION("string: [time, string] at the evaluation time") {
    v1::EvaluateResponse r = Evaluated("string");
    r.set_string_value("hello");
    CHECK(nlohmann::json::parse(FormatEvaluateJson(r, 7000))["data"]["result"].dump() ==
          R"([7,"hello"])");
  }
}

TEST_CASE("FormatEvaluateTable prints one row per series, or the scalar, or says nothing matched") {
  v1::EvaluateResponse vector = Evaluated("vector");
  v1::SeriesData* s = vector.add_series();
  v1::Label* name = s->add_labels();
  name->set_name("__name__");
  name->set_value("node_load1");
  v1::Label* instance = s->add_labels();
  instance->set_name("instance");
  instance->set_value("db1");
  AddPoint(s, 1000, 0.5);
  CHECK(FormatEvaluateTable(vector) ==
        "SERIES                      VALUE\nnode_load1{instance=\"db1\"}  0.5\n");

  v1::EvaluateResponse scalar = Evaluated("scalar");
  AddPoint(scalar.add_series(), 1000, 42);
  CHECK(FormatEvaluateTable(scalar) == "42\n");

  CHECK(FormatEvaluateTable(Evaluated("vector")) == "no series match at this time\n");
  CHECK(FormatEvaluateTable(Evaluated("matrix")) == "no series match at any step\n");
}

}  // namespace vigil::ctl
