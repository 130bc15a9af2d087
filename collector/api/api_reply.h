// What an HTTP API handler answers, in the shapes of Prometheus' HTTP API:
//
//   {"status":"success","data":<data>[,"warnings":[...]]}
//   {"status":"error","errorType":"bad_data","error":"<message>"}
//
// with Prometheus' HTTP statuses per error type: bad_data 400, execution 422,
// canceled 499, internal 500, timeout 503, unavailable 503, not_found 404; Vigil's
// conflict 409; and 401 (unauthenticated) and 403 (forbidden) for access control.
//
// Value types; free of the HTTP library so handlers and tests stay simple.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vigil::api {

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  // The error message of an error reply ("" on success): logged and audited.
  std::string error;
};

enum class ErrorType {
  kBadData,          // 400: a parameter is missing or malformed
  kExecution,        // 422: the query is valid but cannot run (a limit, many-to-many matching)
  kCanceled,         // 499
  kInternal,         // 500
  kTimeout,          // 503
  kUnavailable,      // 503: something the request needs is not there (the audit log)
  kNotFound,         // 404: no such endpoint
  kUnauthenticated,  // 401: no credential, or not a valid one
  kForbidden,        // 403: the principal's role is not enough
  kConflict,         // 409: the state forbids it (acknowledging an alert that resolved)
};

absl::string_view ErrorTypeName(ErrorType type);  // "bad_data", ...
int ErrorTypeStatus(ErrorType type);              // 400, ...

// {"status":"success","data":...}; `data_json` is already-serialized JSON.
ApiReply SuccessJson(std::string data_json, const std::vector<std::string>& warnings = {});
ApiReply Success(const nlohmann::json& data, const std::vector<std::string>& warnings = {});
ApiReply Error(ErrorType type, absl::string_view message);

// The error reply for a status from the engine or storage (engine.h's codes):
// kInvalidArgument -> bad_data, kResourceExhausted and kFailedPrecondition -> execution,
// kDeadlineExceeded -> timeout, kCancelled -> canceled, kUnavailable -> unavailable,
// kUnauthenticated / kPermissionDenied -> 401 / 403, anything else -> internal.
ApiReply ErrorFromStatus(const absl::Status& status);

// JSON text, invalid UTF-8 replaced (label values come from agents).
std::string DumpJson(const nlohmann::json& value);

}  // namespace vigil::api
