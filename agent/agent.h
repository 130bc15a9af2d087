// The agent assembled: sources scheduled by a Sampler on one thread, batches queued in
// PendingBatches, and a CollectorLink sending them on another thread.
//
// Threading: Run() blocks until Stop() is called from another thread (or a signal
// handler thread).
#pragma once

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "agent/config.h"
#include "agent/sampler.h"
#include "agent/series_registry.h"
#include "agent/transport/collector_link.h"
#include "agent/transport/pending_batches.h"
#include "common/clock.h"

namespace vigil::agent {

class Agent {
 public:
  // Creates every configured source; fails if one cannot be created.
  static absl::StatusOr<std::unique_ptr<Agent>> Create(const AgentConfig& config,
                                                       const Clock* clock);

  // Samples at every interval boundary and streams to the collector until Stop().
  void Run();
  void Stop();

  // One tick now, every sample also to `sink` (for `vigil-agent --once`).
  void SampleOnce(SampleSink* sink);

 private:
  Agent(const AgentConfig& config, const Clock* clock);

  const AgentConfig config_;
  const Clock* const clock_;
  SeriesRegistry registry_;
  PendingBatches pending_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<CollectorLink> link_;
  absl::Notification stop_;
};

// A random 128-bit id in hex: the run id of this agent process.
std::string NewRunId();

}  // namespace vigil::agent
