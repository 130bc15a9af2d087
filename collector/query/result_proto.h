// Converts the engine's results (value.h) to the operator API's EvaluateResponse
// (proto/vigil/v1/query.proto), which vigilctl prints.
//
// Pure functions; thread-safe.
#pragma once

#include "collector/query/value.h"
#include "vigil/v1/query.pb.h"

namespace vigil::query {

// Prometheus' resultType of a result: "scalar", "vector", "matrix" or "string".
const char* ResultTypeName(const QueryResult& result);

void ResultToProto(const QueryResult& result, v1::EvaluateResponse* response);

}  // namespace vigil::query
