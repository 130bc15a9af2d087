#include "collector/ctl/output.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/labels.h"
#include "common/sample_value.h"
#include "common/time_parse.h"

namespace vigil::ctl {
namespace {

std::string Bytes(uint64_t b) {
  const double gib = static_cast<double>(b) / (1024.0 * 1024 * 1024);
  if (gib >= 1) return absl::StrFormat("%.1f GiB", gib);
  return absl::StrFormat("%.0f MiB", static_cast<double>(b) / (1024.0 * 1024));
}

// Prometheus writes sample times as Unix seconds: 1795466815 or 1795466815.123.
nlohmann::json UnixSecondsJson(int64_t ms) {
  if (ms % 1000 == 0) return ms / 1000;
  return static_cast<double>(ms) / 1000.0;
}

std::string SeriesName(const v1::SeriesData& series) {
  std::vector<Label> labels;
  for (const v1::Label& l : series.labels()) labels.push_back(Label{l.name(), l.value()});
  return LabelSet(std::move(labels)).ToString();
}

}  // namespace

std::string Age(int64_t ms, absl::Time now) {
  if (ms <= 0) return "never";
  const absl::Duration age = now - absl::FromUnixMillis(ms);
  if (age < absl::Seconds(1)) return "now";
  if (age < absl::Minutes(2)) return absl::StrCat(absl::ToInt64Seconds(age), "s ago");
  if (age < absl::Hours(2)) return absl::StrCat(absl::ToInt64Minutes(age), "m ago");
  if (age < absl::Hours(48)) return absl::StrCat(absl::ToInt64Hours(age), "h ago");
  return absl::StrCat(absl::ToInt64Hours(age) / 24, "d ago");
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(width[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatHostsTable(const v1::ListHostsResponse& response, absl::Time now) {
  std::vector<std::vector<std::string>> rows = {
      {"HOST", "STATE", "LAST SEEN", "AGENT", "OS", "KERNEL", "CPUS", "MEMORY"}};
  for (const v1::HostInfo& h : response.hosts()) {
    rows.push_back({h.host(), h.connected() ? "up" : "down", Age(h.last_seen_ms(), now),
                    h.agent_version(), h.facts().os_pretty_name(), h.facts().kernel_release(),
                    absl::StrCat(h.facts().cpu_count()), Bytes(h.facts().memory_bytes())});
  }
  if (response.hosts().empty()) return "no hosts have reported yet\n";
  return Table(rows);
}

std::string FormatHostsJson(const v1::ListHostsResponse& response) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const v1::HostInfo& h : response.hosts()) {
    hosts.push_back({{"host", h.host()},
                     {"connected", h.connected()},
                     {"last_seen", static_cast<double>(h.last_seen_ms()) / 1000.0},
                     {"first_seen", static_cast<double>(h.first_seen_ms()) / 1000.0},
                     {"agent_version", h.agent_version()},
                     {"boot_id", h.boot_id()},
                     {"peer_address", h.peer_address()},
                     {"facts",
                      {{"hostname", h.facts().hostname()},
                       {"kernel_release", h.facts().kernel_release()},
                       {"kernel_version", h.facts().kernel_version()},
                       {"machine", h.facts().machine()},
                       {"os_pretty_name", h.facts().os_pretty_name()},
                       {"os_id", h.facts().os_id()},
                       {"os_version_id", h.facts().os_version_id()},
                       {"cpu_count", h.facts().cpu_count()},
                       {"memory_bytes", h.facts().memory_bytes()}}}});
  }
  return nlohmann::json{{"hosts", hosts}}.dump(2) + "\n";
}

std::string FormatSeriesTable(const v1::QueryRangeResponse& response) {
  if (response.series().empty()) return "no samples in this range\n";
  std::string out;
  for (const v1::SeriesData& s : response.series()) {
    absl::StrAppend(&out, SeriesName(s), "\n");
    for (int i = 0; i < s.timestamps_ms_size(); ++i) {
      absl::StrAppend(
          &out, "  ",
          FormatTimestamp(absl::FromUnixMillis(s.timestamps_ms(i))),
          "  ", FormatSampleValue(s.values(i)), "\n");
    }
  }
  return out;
}

std::string FormatSeriesJson(const v1::QueryRangeResponse& response) {
  nlohmann::json result = nlohmann::json::array();
  for (const v1::SeriesData& s : response.series()) {
    nlohmann::json metric = nlohmann::json::object();
    for (const v1::Label& l : s.labels()) metric[l.name()] = l.value();
    nlohmann::json values = nlohmann::json::array();
    for (int i = 0; i < s.timestamps_ms_size(); ++i) {
      values.push_back({UnixSecondsJson(s.timestamps_ms(i)), FormatSampleValue(s.values(i))});
    }
    result.push_back({{"metric", metric}, {"values", values}});
  }
  return nlohmann::json{{"status", "success"},
                        {"data", {{"resultType", "matrix"}, {"result", result}}}}
             .dump() +
         "\n";
}

std::string FormatEvaluateTable(const v1::EvaluateResponse& response) {
  const std::string& type = response.result_type();
  if (type == "string") return response.string_value() + "\n";
  if (type == "scalar") {
    if (response.series().empty() || response.series(0).values().empty()) return "\n";
    return FormatSampleValue(response.series(0).values(0)) + "\n";
  }
  if (type == "matrix") {
    if (response.series().empty()) return "no series match at any step\n";
    v1::QueryRangeResponse samples;
    *samples.mutable_series() = response.series();
    return FormatSeriesTable(samples);
  }
  if (response.series().empty()) return "no series match at this time\n";
  std::vector<std::vector<std::string>> rows = {{"SERIES", "VALUE"}};
  for (const v1::SeriesData& s : response.series()) {
    rows.push_back({SeriesName(s), s.values().empty() ? "" : FormatSampleValue(s.values(0))});
  }
  return Table(rows);
}

std::string FormatEvaluateJson(const v1::EvaluateResponse& response, int64_t time_ms) {
  const std::string& type = response.result_type();
  nlohmann::json result;
  if (type == "string") {
    result = nlohmann::json::array({UnixSecondsJson(time_ms), response.string_value()});
  } else if (type == "scalar") {
    const bool has = !response.series().empty() && !response.series(0).values().empty();
    result =
        nlohmann::json::array({UnixSecondsJson(has ? response.series(0).timestamps_ms(0) : time_ms),
                               has ? FormatSampleValue(response.series(0).values(0)) : "NaN"});
  } else {
    result = nlohmann::json::array();
    for (const v1::SeriesData& s : response.series()) {
      nlohmann::json metric = nlohmann::json::object();
      for (const v1::Label& l : s.labels()) metric[l.name()] = l.value();
      if (type == "matrix") {
        nlohmann::json values = nlohmann::json::array();
        for (int i = 0; i < s.timestamps_ms_size(); ++i) {
          values.push_back({UnixSecondsJson(s.timestamps_ms(i)), FormatSampleValue(s.values(i))});
        }
        result.push_back({{"metric", metric}, {"values", values}});
      } else if (!s.values().empty()) {
        result.push_back(
            {{"metric", metric},
             {"value", {UnixSecondsJson(s.timestamps_ms(0)), FormatSampleValue(s.values(0))}}});
      }
    }
  }
  return nlohmann::json{{"status", "success"}, {"data", {{"resultType", type}, {"result", result}}}}
             .dump() +
         "\n";
}

}  // namespace vigil::ctl
