#include "collector/api/events_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace vigil::api {

absl::StatusOr<events::EventQuery> EventQueryFor(const v1::ListEventsRequest& request,
                                                 absl::Time now) {
  events::EventQuery query;
  query.host = request.host();
  query.end = request.end_ms() == 0 ? now : absl::FromUnixMillis(request.end_ms());
  query.start = request.start_ms() == 0 ? query.end - absl::Hours(24)
                                        : absl::FromUnixMillis(request.start_ms());
  if (query.start > query.end) return absl::InvalidArgumentError("start is after end");
  query.kinds.assign(request.kinds().begin(), request.kinds().end());
  if (!request.min_severity().empty()) {
    query.min_severity = events::SeverityRank(request.min_severity());
    if (query.min_severity < 0) {
      return absl::InvalidArgumentError(absl::StrCat("min_severity \"", request.min_severity(),
                                                     "\" must be info, warning or critical"));
    }
  }
  for (const v1::Label& l : request.labels()) query.labels.emplace_back(l.name(), l.value());
  if (request.limit() > 10'000) return absl::InvalidArgumentError("limit must be at most 10000");
  query.limit = request.limit() == 0 ? 100 : request.limit();
  return query;
}

grpc::Status EventsService::ListEvents(grpc::ServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) {
  grpc::Status admitted =
      access_->Admit(*context, Role::kViewer, "/vigil.v1.Events/ListEvents", nullptr);
  if (!admitted.ok()) return admitted;
  absl::StatusOr<events::EventQuery> query = EventQueryFor(*request, clock_->Now());
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<events::EventPage> page = events_->List(*query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::StoredEvent& e : page->events) *response->add_events() = std::move(e);
  response->set_truncated(page->truncated);
  return grpc::Status::OK;
}

}  // namespace vigil::api
