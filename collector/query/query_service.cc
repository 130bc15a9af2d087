#include "collector/query/query_service.h"

#include "absl/strings/str_cat.h"
#include "collector/query/downsample.h"
#include "collector/query/result_proto.h"
#include "collector/query/selector.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace vigil::query {

grpc::Status QueryService::ListHosts(grpc::ServerContext* context, const v1::ListHostsRequest*,
                                     v1::ListHostsResponse* response) {
  grpc::Status admitted = access_->Admit(*context, api::Role::kViewer, "/vigil.v1.Query/ListHosts");
  if (!admitted.ok()) return admitted;
  for (v1::HostInfo& host : tsdb_->Hosts()) {
    host.set_connected(connections_->IsConnected(host.host()));
    *response->add_hosts() = std::move(host);
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::QueryRange(grpc::ServerContext* context,
                                      const v1::QueryRangeRequest* request,
                                      v1::QueryRangeResponse* response) {
  grpc::Status admitted =
      access_->Admit(*context, api::Role::kViewer, "/vigil.v1.Query/QueryRange");
  if (!admitted.ok()) return admitted;
  if (request->start_ms() > request->end_ms()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "start is after end");
  }
  absl::StatusOr<std::vector<storage::LabelMatcher>> matchers = ParseSelector(request->selector());
  if (!matchers.ok()) return ToGrpcStatus(matchers.status());
  absl::StatusOr<Aggregation> aggregation = ParseAggregation(request->aggregate());
  if (!aggregation.ok()) return ToGrpcStatus(aggregation.status());
  absl::StatusOr<std::vector<storage::SeriesId>> ids =
      tsdb_->index().Select(*matchers, limits_.max_series);
  if (!ids.ok()) return ToGrpcStatus(ids.status());

  size_t samples = 0;
  std::vector<int64_t> timestamps;
  std::vector<double> values;
  for (storage::SeriesId id : *ids) {
    std::optional<LabelSet> labels = tsdb_->index().Labels(id);
    if (!labels.has_value()) continue;
    timestamps.clear();
    values.clear();
    ReducedSeries reduced;
    storage::ReadCost cost;
    absl::Status read =
        request->max_points() == 0
            ? tsdb_->ReadRange(id, request->start_ms(), request->end_ms(),
                               limits_.max_samples - samples, &timestamps, &values, &cost)
            : ReadReduced(*tsdb_, id, request->start_ms(), request->end_ms(), request->max_points(),
                          *aggregation, limits_.max_samples - samples, &reduced);
    if (request->max_points() != 0) {
      timestamps.swap(reduced.timestamps_ms);
      values.swap(reduced.values);
    }
    if (!read.ok()) {
      if (read.code() != absl::StatusCode::kResourceExhausted) {
        LogError("query: ", read.message());
      }
      return ToGrpcStatus(read);
    }
    // The limit counts what was decoded: a reduced read returns few points from many.
    samples += request->max_points() != 0 ? reduced.decoded : cost.samples_decoded;
    if (timestamps.empty()) continue;
    v1::SeriesData* series = response->add_series();
    for (const Label& label : labels->labels()) {
      v1::Label* l = series->add_labels();
      l->set_name(label.name);
      l->set_value(label.value);
    }
    if (request->max_points() != 0) {
      series->set_resolution(storage::ResolutionName(reduced.resolution));
      series->set_step_ms(reduced.step_ms);
    }
    series->mutable_timestamps_ms()->Add(timestamps.begin(), timestamps.end());
    series->mutable_values()->Add(values.begin(), values.end());
  }
  return grpc::Status::OK;
}

grpc::Status QueryService::Evaluate(grpc::ServerContext* context,
                                    const v1::EvaluateRequest* request,
                                    v1::EvaluateResponse* response) {
  grpc::Status admitted = access_->Admit(*context, api::Role::kViewer, "/vigil.v1.Query/Evaluate");
  if (!admitted.ok()) return admitted;
  if (engine_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "this collector has no query engine");
  }
  const absl::StatusOr<QueryResult> result =
      request->step_ms() > 0 ? engine_->Range(request->query(), request->start_ms(),
                                              request->end_ms(), request->step_ms())
                             : engine_->Instant(request->query(), request->time_ms());
  if (!result.ok()) {
    if (result.status().code() == absl::StatusCode::kInternal) {
      LogError("query: ", result.status().message());
    }
    return ToGrpcStatus(result.status());
  }
  ResultToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status QueryService::Metrics(grpc::ServerContext* context, const v1::MetricsRequest*,
                                   v1::MetricsResponse* response) {
  grpc::Status admitted = access_->Admit(*context, api::Role::kViewer, "/vigil.v1.Query/Metrics");
  if (!admitted.ok()) return admitted;
  if (metrics_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "this collector exports no metrics");
  }
  response->set_text(metrics_->Render());
  return grpc::Status::OK;
}

}  // namespace vigil::query
