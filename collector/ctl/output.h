// How vigilctl prints what the collector answers: aligned tables for people, JSON for
// scripts. Pure functions of the response, so they are tested without a server.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "vigil/v1/query.pb.h"

namespace vigil::ctl {

// Rows of cells as left-aligned columns two spaces apart, one line per row.
std::string Table(const std::vector<std::vector<std::string>>& rows);

// How long ago `unix_ms` was: "now", "42s ago", "5m ago", "3h ago", "2d ago"; "never"
// for 0.
std::string Age(int64_t unix_ms, absl::Time now);

// One row per host: name, state (up/down), last seen (age), agent version, OS, kernel,
// CPUs, memory. `now` gives the ages.
std::string FormatHostsTable(const v1::ListHostsResponse& response, absl::Time now);
std::string FormatHostsJson(const v1::ListHostsResponse& response);

// A block per series: its label set, then "time  value" rows (RFC 3339, UTC).
std::string FormatSeriesTable(const v1::QueryRangeResponse& response);
// Prometheus' range-query JSON: {"status":"success","data":{"resultType":"matrix",
// "result":[{"metric":{...},"values":[[<unix seconds>,"<value>"],...]}]}}
std::string FormatSeriesJson(const v1::QueryRangeResponse& response);

// A PromQL result (vigilctl query). Vector: one row per series, "SERIES  VALUE", sorted
// as the collector returned them; scalar: its value; string: the string; matrix: a block
// per series as FormatSeriesTable. An empty vector or matrix says so.
std::string FormatEvaluateTable(const v1::EvaluateResponse& response);
// Prometheus' /api/v1/query and /api/v1/query_range JSON, e.g. {"status":"success",
// "data":{"resultType":"vector","result":[{"metric":{...},"value":[<t>,"<v>"]}]}}.
// `time_ms` is the evaluation time a string result is reported at.
std::string FormatEvaluateJson(const v1::EvaluateResponse& response, int64_t time_ms);

}  // namespace vigil::ctl
