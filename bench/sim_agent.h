// One simulated agent for the end-to-end benchmarks: a generated host (host_data.h)
// speaking the real ingest protocol over its own mTLS stream: hello, batches with
// series definitions in the first, acknowledgements.
//
// Not thread-safe; one thread drives one agent.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/host_data.h"
#include "bench/ingest_stream.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::bench {

class SimAgent {
 public:
  SimAgent(int index, int series, std::shared_ptr<grpc::Channel> channel);

  // Opens the stream and exchanges hello and ack.
  absl::Status Connect();
  // A batch of `ticks` ticks 1 s apart from `first_ms` (definitions in the first batch
  // this agent builds).
  v1::AgentMessage BuildBatch(int64_t first_ms, int ticks);
  absl::Status Send(const v1::AgentMessage& batch);
  // Waits for the next acknowledgement; returns the samples it says were stored.
  absl::StatusOr<uint32_t> ReadAck();
  absl::Status Close();

  size_t series() const { return generator_.size(); }

 private:
  int index_;
  HostDataGenerator generator_;
  IngestStream stream_;
  uint64_t sequence_ = 0;
  bool defined_ = false;
  std::vector<double> values_;
};

}  // namespace vigil::bench
