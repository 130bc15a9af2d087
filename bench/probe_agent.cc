#include "bench/probe_agent.h"

#include "absl/strings/str_cat.h"

namespace vigil::bench {

ProbeAgent::ProbeAgent(std::string metric, std::string label,
                       std::shared_ptr<grpc::Channel> channel)
    : metric_(std::move(metric)),
      label_(std::move(label)),
      channel_(std::move(channel)),
      stub_(v1::Ingest::NewStub(channel_)) {}

absl::Status ProbeAgent::Connect() {
  stream_ = stub_->Stream(&context_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("vigil-bench-probe");
  hello.mutable_hello()->set_run_id(absl::StrCat("probe-", absl::ToUnixNanos(absl::Now())));
  hello.mutable_hello()->set_sample_interval_ms(1000);
  if (!stream_->Write(hello)) return absl::UnavailableError("probe: hello not sent");
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_hello_ack()) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(absl::StrCat("probe: no hello ack: ", status.error_message()));
  }
  return absl::OkStatus();
}

absl::Status ProbeAgent::Sample(absl::Time time,
                                const std::vector<std::pair<std::string, double>>& values) {
  v1::AgentMessage message;
  v1::Batch* batch = message.mutable_batch();
  batch->set_sequence(++sequence_);
  v1::SampleGroup* group = batch->add_groups();
  group->set_timestamp_ms(absl::ToUnixMillis(time));
  for (const auto& [key, value] : values) {
    auto [it, added] = series_ids_.emplace(key, series_ids_.size() + 1);
    if (added) {
      v1::SeriesDefinition* def = batch->add_definitions();
      def->set_series_id(it->second);
      def->set_metric(metric_);
      v1::Label* label = def->add_labels();
      label->set_name(label_);
      label->set_value(key);
    }
    group->add_series_ids(it->second);
    group->add_values(value);
  }
  if (!stream_->Write(message)) return absl::UnavailableError("probe: stream closed while sending");
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_batch_ack()) {
    return absl::UnavailableError("probe: stream closed before the acknowledgement");
  }
  if (reply.batch_ack().samples_stored() != values.size()) {
    const v1::BatchAck& ack = reply.batch_ack();
    return absl::InternalError(absl::StrCat("probe: ", ack.samples_stored(), " of ", values.size(),
                                            " samples stored (rejected ", ack.samples_rejected(),
                                            ", duplicate ", ack.samples_duplicate(), ", too new ",
                                            ack.samples_too_new(), ")"));
  }
  return absl::OkStatus();
}

absl::Status ProbeAgent::Close() {
  if (stream_ == nullptr) return absl::OkStatus();
  stream_->WritesDone();
  grpc::Status status = stream_->Finish();
  stream_.reset();
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return absl::OkStatus();
}

}  // namespace vigil::bench
