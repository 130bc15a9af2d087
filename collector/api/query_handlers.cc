// /api/v1/query and /api/v1/query_range: PromQL through the engine (engine.h), with
// Prometheus' parameters, checks and messages.
#include "absl/strings/str_cat.h"
#include "collector/api/http_handlers.h"
#include "collector/api/prom_params.h"
#include "collector/api/query_json.h"

namespace vigil::api {
namespace {

// A time parameter, or `fallback` when absent.
absl::StatusOr<int64_t> TimeParam(const ApiRequest& request, const std::string& name,
                                  std::optional<int64_t> fallback = std::nullopt) {
  std::optional<std::string> text = request.Param(name);
  if (!text.has_value() && fallback.has_value()) return *fallback;
  absl::StatusOr<int64_t> ms = ParseTimeParam(text.value_or(""));
  if (!ms.ok()) return InvalidParameter(name, ms.status());
  return ms;
}

// The `timeout` parameter (a duration), or no deadline of the caller's own.
absl::StatusOr<absl::Duration> TimeoutParam(const ApiRequest& request) {
  std::optional<std::string> text = request.Param("timeout");
  if (!text.has_value()) return absl::InfiniteDuration();
  absl::StatusOr<int64_t> ms = ParseDurationParam(*text);
  if (!ms.ok()) return InvalidParameter("timeout", ms.status());
  if (*ms <= 0) {
    return InvalidParameter("timeout", absl::InvalidArgumentError("must be positive"));
  }
  return absl::Milliseconds(*ms);
}

absl::StatusOr<std::string> QueryParam(const ApiRequest& request) {
  std::optional<std::string> query = request.Param("query");
  if (!query.has_value() || query->empty()) {
    return absl::InvalidArgumentError("invalid parameter \"query\": the query is empty");
  }
  return *query;
}

}  // namespace

ApiReply HandleQuery(const HttpApiDeps& deps, const ApiRequest& request) {
  absl::StatusOr<std::string> query = QueryParam(request);
  if (!query.ok()) return ErrorFromStatus(query.status());
  absl::StatusOr<int64_t> time = TimeParam(request, "time", deps.clock->NowMs());
  if (!time.ok()) return ErrorFromStatus(time.status());
  absl::StatusOr<absl::Duration> timeout = TimeoutParam(request);
  if (!timeout.ok()) return ErrorFromStatus(timeout.status());
  absl::StatusOr<query::QueryResult> result = deps.engine->Instant(*query, *time, *timeout);
  if (!result.ok()) return ErrorFromStatus(result.status());
  return SuccessJson(QueryDataJson(*result, *time));
}

ApiReply HandleQueryRange(const HttpApiDeps& deps, const ApiRequest& request) {
  absl::StatusOr<std::string> query = QueryParam(request);
  if (!query.ok()) return ErrorFromStatus(query.status());
  absl::StatusOr<int64_t> start = TimeParam(request, "start");
  if (!start.ok()) return ErrorFromStatus(start.status());
  absl::StatusOr<int64_t> end = TimeParam(request, "end");
  if (!end.ok()) return ErrorFromStatus(end.status());
  if (*end < *start) {
    return Error(ErrorType::kBadData,
                 "invalid parameter \"end\": end timestamp must not be before start time");
  }
  absl::StatusOr<int64_t> step = ParseDurationParam(request.Param("step").value_or(""));
  if (!step.ok()) return ErrorFromStatus(InvalidParameter("step", step.status()));
  if (*step <= 0) {
    return Error(ErrorType::kBadData,
                 "invalid parameter \"step\": zero or negative query resolution step widths "
                 "are not accepted. Try a positive integer");
  }
  // As Prometheus, before evaluating: too many points is the caller's mistake (400).
  const size_t max_points = deps.engine->options().limits.max_points;
  if (static_cast<uint64_t>((*end - *start) / *step) >= max_points) {
    return Error(ErrorType::kBadData,
                 absl::StrCat("exceeded maximum resolution of ", max_points,
                              " points per timeseries (query.max_points). Try decreasing the "
                              "query resolution (?step=XX)"));
  }
  absl::StatusOr<absl::Duration> timeout = TimeoutParam(request);
  if (!timeout.ok()) return ErrorFromStatus(timeout.status());
  absl::StatusOr<query::QueryResult> result =
      deps.engine->Range(*query, *start, *end, *step, *timeout);
  if (!result.ok()) return ErrorFromStatus(result.status());
  return SuccessJson(QueryDataJson(*result, *end));
}

}  // namespace vigil::api
