// GET /api/v1/events: the agents' events (ORA- lines, top-SQL snapshots, file changes,
// new listeners, failed logins), newest first. Parameters: host, start, end (Unix
// seconds or RFC 3339; default the last 24 hours), kind and label=name=value (both
// repeatable), min_severity, limit (default 100, at most 10,000). The same query as
// the gRPC Events service (events_service.h), so both answer alike.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "collector/api/events_service.h"
#include "collector/api/http_handlers.h"
#include "collector/api/prom_params.h"
#include "common/time_parse.h"

namespace vigil::api {
namespace {

std::vector<std::string> AllValues(const ApiRequest& request, const char* name) {
  std::vector<std::string> values;
  const size_t n = request.http.get_param_value_count(name);
  for (size_t i = 0; i < n; ++i) values.push_back(request.http.get_param_value(name, i));
  return values;
}

absl::StatusOr<int64_t> TimeMs(const ApiRequest& request, const char* name) {
  std::optional<std::string> text = request.Param(name);
  if (!text.has_value() || text->empty()) return 0;
  absl::StatusOr<int64_t> ms = ParseTimeParam(*text);
  if (!ms.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid parameter \"", name, "\": ", ms.status().message()));
  }
  return *ms;
}

}  // namespace

ApiReply HandleEvents(const HttpApiDeps& deps, const ApiRequest& request) {
  if (deps.events == nullptr) return Error(ErrorType::kUnavailable, "the event store is not open");
  v1::ListEventsRequest req;
  req.set_host(request.Param("host").value_or(""));
  absl::StatusOr<int64_t> start = TimeMs(request, "start");
  if (!start.ok()) return ErrorFromStatus(start.status());
  absl::StatusOr<int64_t> end = TimeMs(request, "end");
  if (!end.ok()) return ErrorFromStatus(end.status());
  req.set_start_ms(*start);
  req.set_end_ms(*end);
  for (std::string& kind : AllValues(request, "kind")) req.add_kinds(std::move(kind));
  for (const std::string& label : AllValues(request, "label")) {
    const size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(ErrorType::kBadData,
                   absl::StrCat("invalid parameter \"label\": \"", label, "\" is not name=value"));
    }
    v1::Label* l = req.add_labels();
    l->set_name(label.substr(0, eq));
    l->set_value(label.substr(eq + 1));
  }
  req.set_min_severity(request.Param("min_severity").value_or(""));
  if (std::optional<std::string> limit = request.Param("limit"); limit.has_value()) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(*limit, &n) || n < 1 || n > 10'000) {
      return Error(ErrorType::kBadData,
                   "invalid parameter \"limit\": must be a whole number from 1 to 10000");
    }
    req.set_limit(n);
  }
  absl::StatusOr<events::EventQuery> query = EventQueryFor(req, deps.clock->Now());
  if (!query.ok()) return Error(ErrorType::kBadData, query.status().message());
  absl::StatusOr<events::EventPage> page = deps.events->List(*query);
  if (!page.ok()) return ErrorFromStatus(page.status());

  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const v1::StoredEvent& stored : page->events) {
    const v1::Event& e = stored.event();
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const v1::Label& l : e.labels()) labels[l.name()] = l.value();
    data.push_back({{"host", stored.host()},
                    {"time", FormatTimestamp(absl::FromUnixMillis(e.timestamp_ms()))},
                    {"kind", e.kind()},
                    {"severity", e.severity()},
                    {"labels", std::move(labels)},
                    {"message", e.message()},
                    {"event_id", e.event_id()}});
  }
  nlohmann::ordered_json body = {{"events", std::move(data)}, {"truncated", page->truncated}};
  return SuccessJson(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace vigil::api
