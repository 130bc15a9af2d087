// The agent assembled: sources scheduled by a Sampler on one thread, every batch kept
// by the Outbox (spool on disk) until acknowledged, and a CollectorLink sending on
// another thread.
//
// Threading: Run() blocks until Stop() is called from another thread (a signal
// thread); Reload(), Healthy() and StatusLine() may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "agent/config.h"
#include "agent/sampler.h"
#include "agent/series_registry.h"
#include "agent/transport/collector_link.h"
#include "agent/transport/outbox.h"
#include "common/clock.h"

namespace vigil::agent {

enum class AgentMode {
  kDaemon,  // spool on disk, stream to the collector
  kOnce,    // one tick printed (vigil-agent --once): no spool, no stream
};

class Agent {
 public:
  // Creates every configured source; fails if one cannot be created. A spool that
  // cannot be opened is not fatal (see Outbox).
  static absl::StatusOr<std::unique_ptr<Agent>> Create(const AgentConfig& config,
                                                       const Clock* clock,
                                                       AgentMode mode = AgentMode::kDaemon);

  // Samples at every interval boundary and streams to the collector until Stop(); then
  // syncs the spool and waits up to `flush_timeout` for the live batches in flight to
  // be acknowledged (what is not stays in the spool for the next start).
  void Run(absl::Duration flush_timeout = absl::Seconds(3));
  void Stop();

  // Applies a new, already validated configuration: sources, intervals, collectors,
  // TLS files, log level. A stream to a collector still listed stays up. Spool settings
  // take effect at the next start (logged). Fails, changing nothing, if a source
  // cannot be created.
  absl::Status Reload(const AgentConfig& config);

  // False once the sampling loop has missed three ticks (for the systemd watchdog).
  bool Healthy() const;
  // One line for systemd's STATUS: the collector, what is waiting, the spool.
  std::string StatusLine() const;

  // One tick now, every sample also to `sink` (for `vigil-agent --once`).
  void SampleOnce(SampleSink* sink);

 private:
  Agent(const AgentConfig& config, const Clock* clock, AgentMode mode);
  absl::StatusOr<std::unique_ptr<Sampler>> MakeSampler(const AgentConfig& config);

  const Clock* const clock_;
  const std::string run_id_;
  SeriesRegistry registry_;
  Outbox outbox_;
  std::unique_ptr<CollectorLink> link_;
  absl::Notification stop_;
  mutable absl::Mutex mu_;
  AgentConfig config_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Sampler> sampler_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> last_tick_ms_{0};
};

// A random 128-bit id in hex: the run id of this agent process.
std::string NewRunId();

}  // namespace vigil::agent
