// One agent's ingest stream for the benchmarks' simulated agents (sim_agent.h,
// probe_agent.h): the real protocol over mTLS: the hello and its acknowledgement, then
// batches and their acknowledgements.
//
// Not thread-safe; one thread drives one stream.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::bench {

class IngestStream {
 public:
  explicit IngestStream(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)), stub_(v1::Ingest::NewStub(channel_)) {}

  // Opens the stream and exchanges hello and ack (1 s sampling).
  absl::Status Open(const std::string& agent_version, const std::string& run_id);
  absl::Status Send(const v1::AgentMessage& batch);
  // Waits for the next batch acknowledgement.
  absl::StatusOr<v1::BatchAck> ReadAck();
  absl::Status Close();

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream_;
};

}  // namespace vigil::bench
