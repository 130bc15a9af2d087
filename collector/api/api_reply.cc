#include "collector/api/api_reply.h"

#include "absl/strings/str_cat.h"

namespace vigil::api {

absl::string_view ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kInternal:
      return "internal";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kUnavailable:
      return "unavailable";
    case ErrorType::kNotFound:
      return "not_found";
    case ErrorType::kUnauthenticated:
      return "unauthorized";
    case ErrorType::kForbidden:
      return "forbidden";
    case ErrorType::kConflict:
      return "conflict";
  }
  return "internal";
}

int ErrorTypeStatus(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData:
      return 400;
    case ErrorType::kExecution:
      return 422;
    case ErrorType::kCanceled:
      return 499;
    case ErrorType::kInternal:
      return 500;
    case ErrorType::kTimeout:
    case ErrorType::kUnavailable:
      return 503;
    case ErrorType::kNotFound:
      return 404;
    case ErrorType::kUnauthenticated:
      return 401;
    case ErrorType::kForbidden:
      return 403;
    case ErrorType::kConflict:
      return 409;
  }
  return 500;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiReply SuccessJson(std::string data_json, const std::vector<std::string>& warnings) {
  ApiReply reply;
  reply.body = absl::StrCat(R"({"status":"success","data":)", data_json);
  if (!warnings.empty()) absl::StrAppend(&reply.body, R"(,"warnings":)", DumpJson(warnings));
  reply.body.push_back('}');
  return reply;
}

ApiReply Success(const nlohmann::json& data, const std::vector<std::string>& warnings) {
  return SuccessJson(DumpJson(data), warnings);
}

ApiReply Error(ErrorType type, absl::string_view message) {
  ApiReply reply;
  reply.status = ErrorTypeStatus(type);
  reply.error = std::string(message);
  // Prometheus' key order.
  reply.body = nlohmann::ordered_json{{"status", "error"},
                                      {"errorType", std::string(ErrorTypeName(type))},
                                      {"error", reply.error}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

ApiReply ErrorFromStatus(const absl::Status& status) {
  ErrorType type = ErrorType::kInternal;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      type = ErrorType::kBadData;
      break;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kFailedPrecondition:
      type = ErrorType::kExecution;
      break;
    case absl::StatusCode::kDeadlineExceeded:
      type = ErrorType::kTimeout;
      break;
    case absl::StatusCode::kCancelled:
      type = ErrorType::kCanceled;
      break;
    case absl::StatusCode::kUnavailable:
      type = ErrorType::kUnavailable;
      break;
    case absl::StatusCode::kUnauthenticated:
      type = ErrorType::kUnauthenticated;
      break;
    case absl::StatusCode::kPermissionDenied:
      type = ErrorType::kForbidden;
      break;
    default:
      break;
  }
  return Error(type, status.message());
}

}  // namespace vigil::api
