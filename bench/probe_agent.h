// The probe agent of `vigil-bench alert`: an agent with its own certificate and mTLS
// stream that samples one metric with one label (`metric{<label>="<key>"}`), a new
// series per key, and sends each tick at once as one batch, as the agent does at 1 s
// sampling. Series are defined on the stream the first time they are sent.
//
// Not thread-safe; one thread drives it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/ingest_stream.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::bench {

class ProbeAgent {
 public:
  ProbeAgent(std::string metric, std::string label, std::shared_ptr<grpc::Channel> channel);

  // Opens the stream and exchanges hello and ack.
  absl::Status Connect();
  // Sends the samples taken at `time` (one per key: the label's value and the sample)
  // and waits for the acknowledgement; an error unless every sample was stored.
  absl::Status Sample(absl::Time time, const std::vector<std::pair<std::string, double>>& values);
  absl::Status Close();

 private:
  const std::string metric_;
  const std::string label_;
  IngestStream stream_;
  uint64_t sequence_ = 0;
  std::map<std::string, uint64_t> series_ids_;  // key -> agent-local series id
};

}  // namespace vigil::bench
