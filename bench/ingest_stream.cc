#include "bench/ingest_stream.h"

#include "absl/strings/str_cat.h"

namespace vigil::bench {

absl::Status IngestStream::Open(const std::string& agent_version, const std::string& run_id) {
  stream_ = stub_->Stream(&context_);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version(agent_version);
  hello.mutable_hello()->set_run_id(run_id);
  hello.mutable_hello()->set_sample_interval_ms(1000);
  if (!stream_->Write(hello)) return absl::UnavailableError("hello not sent");
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_hello_ack()) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(absl::StrCat("no hello ack: ", status.error_message()));
  }
  return absl::OkStatus();
}

absl::Status IngestStream::Send(const v1::AgentMessage& batch) {
  if (!stream_->Write(batch)) return absl::UnavailableError("stream closed while sending");
  return absl::OkStatus();
}

absl::StatusOr<v1::BatchAck> IngestStream::ReadAck() {
  v1::CollectorMessage reply;
  if (!stream_->Read(&reply) || !reply.has_batch_ack()) {
    return absl::UnavailableError("stream closed before the acknowledgement");
  }
  return reply.batch_ack();
}

absl::Status IngestStream::Close() {
  if (stream_ == nullptr) return absl::OkStatus();
  stream_->WritesDone();
  grpc::Status status = stream_->Finish();
  stream_.reset();
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return absl::OkStatus();
}

}  // namespace vigil::bench
