// A PromQL result in the JSON of Prometheus' query API, byte for byte as Prometheus
// writes it (web/api/v1 and its jsoniter encoders):
//
//   {"resultType":"vector","result":[{"metric":{"__name__":"up"},"value":[1700000000.5,"1"]}]}
//   {"resultType":"matrix","result":[{"metric":{...},"values":[[1700000000,"1"],...]}]}
//   {"resultType":"scalar","result":[1700000000,"2.5"]}
//   {"resultType":"string","result":[1700000000,"text"]}
//
// Times are Unix seconds with at most three decimals ("1700000000", "1700000000.05" is
// written "1700000000.050"), values are strings ("NaN", "+Inf", "-Inf", otherwise the
// shortest decimal that reads back as the same double; common/sample_value.h).
//
// Written directly into a string rather than through a JSON tree: a range query may
// return millions of points.
#pragma once

#include <cstdint>
#include <string>

#include "collector/query/value.h"

namespace vigil::api {

// The "data" object of a query or query_range answer; a scalar or string result is
// stamped with `eval_time_ms` (an instant query's time). Series without points are left
// out, as Prometheus does.
std::string QueryDataJson(const query::QueryResult& result, int64_t eval_time_ms);

// Appends a timestamp in milliseconds as Prometheus writes it.
void AppendPromTimestamp(int64_t ms, std::string* out);

}  // namespace vigil::api
