#include "bench/sim_agent.h"

#include "absl/strings/str_cat.h"

namespace vigil::bench {

SimAgent::SimAgent(int index, int series, std::shared_ptr<grpc::Channel> channel)
    : index_(index),
      generator_(static_cast<uint64_t>(index) + 1, series),
      channel_(std::move(channel)),
      stub_(v1::Ingest::NewStub(channel_)) {}

absl::Status SimAgent::Connect() {
  stream_ = stub_->Stream(&context_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("vigil-bench");
  hello.mutable_hello()->set_run_id(
      absl::StrCat("bench-", index_, "-", absl::ToUnixNanos(absl::Now())));
  hello.mutable_hello()->set_sample_interval_ms(1000);
  if (!stream_->Write(hello)) return absl::UnavailableError("hello not sent");
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_hello_ack()) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(absl::StrCat("no hello ack: ", status.error_message()));
  }
  return absl::OkStatus();
}

v1::AgentMessage SimAgent::BuildBatch(int64_t first_ms, int ticks) {
  v1::AgentMessage message;
  v1::Batch* batch = message.mutable_batch();
  batch->set_sequence(++sequence_);
  if (!defined_) {
    defined_ = true;
    for (size_t i = 0; i < generator_.size(); ++i) {
      v1::SeriesDefinition* def = batch->add_definitions();
      def->set_series_id(i + 1);
      for (const auto& [name, value] : generator_.series()[i].labels) {
        if (name == "__name__") {
          def->set_metric(value);
          continue;
        }
        v1::Label* label = def->add_labels();
        label->set_name(name);
        label->set_value(value);
      }
    }
  }
  for (int k = 0; k < ticks; ++k) {
    const int64_t t = first_ms + static_cast<int64_t>(k) * 1000;
    generator_.Tick(t, &values_);
    v1::SampleGroup* group = batch->add_groups();
    group->set_timestamp_ms(t);
    group->mutable_series_ids()->Reserve(static_cast<int>(values_.size()));
    for (size_t i = 0; i < values_.size(); ++i) group->add_series_ids(i + 1);
    group->mutable_values()->Add(values_.begin(), values_.end());
  }
  return message;
}

absl::Status SimAgent::Send(const v1::AgentMessage& batch) {
  if (!stream_->Write(batch)) return absl::UnavailableError("stream closed while sending");
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> SimAgent::ReadAck() {
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_batch_ack()) {
    return absl::UnavailableError("stream closed before the acknowledgement");
  }
  return reply.batch_ack().samples_stored();
}

absl::Status SimAgent::Close() {
  if (stream_ == nullptr) return absl::OkStatus();
  stream_->WritesDone();
  grpc::Status status = stream_->Finish();
  stream_.reset();
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return absl::OkStatus();
}

}  // namespace vigil::bench
