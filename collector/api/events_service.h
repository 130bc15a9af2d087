// The gRPC Events service (proto/vigil/v1/events.proto) for `vigilctl events`: the
// agents' events of a host (or all hosts) in a time range, newest first. Viewer role.
//
// Thread-safe. Does not own its dependencies; they must outlive it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "collector/api/grpc_access.h"
#include "collector/events/event_store.h"
#include "common/clock.h"
#include "vigil/v1/events.grpc.pb.h"

namespace vigil::api {

// The store's query for a request (defaults: the last 24 hours, 100 events); an error
// names the field.
absl::StatusOr<events::EventQuery> EventQueryFor(const v1::ListEventsRequest& request,
                                                 absl::Time now);

class EventsService final : public v1::Events::Service {
 public:
  EventsService(const events::EventStore* events, const GrpcAccess* access, const Clock* clock)
      : events_(events), access_(access), clock_(clock) {}

  grpc::Status ListEvents(grpc::ServerContext* context, const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;

 private:
  const events::EventStore* const events_;
  const GrpcAccess* const access_;
  const Clock* const clock_;
};

}  // namespace vigil::api
