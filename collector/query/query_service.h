// The operator read API (proto/vigil/v1/query.proto): list hosts, range queries by
// selector, PromQL evaluation (Evaluate), the collector's own metrics. Every call needs
// the viewer role (an operator certificate; api/grpc_access.h); refusals are audited.
// Limits how many series and samples one query may touch so that one careless query
// cannot starve ingestion.
//
// Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include "collector/api/grpc_access.h"
#include "collector/ingest/connections.h"
#include "collector/query/engine.h"
#include "collector/storage/tsdb.h"
#include "common/metrics.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::query {

class QueryService final : public v1::Query::Service {
 public:
  // Does not take ownership; all must outlive the service. Without `metrics` the
  // Metrics call answers UNAVAILABLE.
  // Without `engine` the Evaluate call answers UNAVAILABLE.
  QueryService(storage::Tsdb* tsdb, const ingest::Connections* connections, QueryLimits limits,
               const api::GrpcAccess* access, const MetricsRegistry* metrics = nullptr,
               const Engine* engine = nullptr)
      : tsdb_(tsdb),
        connections_(connections),
        limits_(limits),
        access_(access),
        metrics_(metrics),
        engine_(engine) {}

  grpc::Status ListHosts(grpc::ServerContext* context, const v1::ListHostsRequest* request,
                         v1::ListHostsResponse* response) override;
  grpc::Status QueryRange(grpc::ServerContext* context, const v1::QueryRangeRequest* request,
                          v1::QueryRangeResponse* response) override;
  grpc::Status Evaluate(grpc::ServerContext* context, const v1::EvaluateRequest* request,
                        v1::EvaluateResponse* response) override;
  // The collector's self metrics, rendered in the Prometheus text format.
  grpc::Status Metrics(grpc::ServerContext* context, const v1::MetricsRequest* request,
                       v1::MetricsResponse* response) override;

 private:
  storage::Tsdb* const tsdb_;
  const ingest::Connections* const connections_;
  const QueryLimits limits_;
  const api::GrpcAccess* const access_;
  const MetricsRegistry* const metrics_;
  const Engine* const engine_;
};

}  // namespace vigil::query
