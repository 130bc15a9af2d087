// Runs the configured sources at each tick and queues one batch with their samples
// plus, per source:
//   vigil_agent_source_up{source}               1 if the source's last run succeeded
//   vigil_agent_source_errors_total{source}     failed runs since start
//   vigil_agent_source_duration_seconds{source} time of the last run
//   vigil_agent_events_total{source}            events sent (once the source has had one)
//   vigil_agent_events_dropped_total{source}    events over 200 in one tick, dropped
// and whatever the `self_metrics` callback adds (agent/self_metrics.h).
// A source that fails is counted and logged, never fatal; one that fails five times in
// a row is retried once a minute until it works again, so a broken source costs
// nothing and floods no log.
//
// Threading: Tick() is called from the sampling thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/series_registry.h"
#include "agent/sources/process_table.h"
#include "agent/sources/source.h"
#include "agent/transport/outbox.h"

namespace vigil::agent {

struct ScheduledSource {
  std::unique_ptr<Source> source;
  absl::Duration interval;  // a multiple of the sampler's base interval
};

class Sampler {
 public:
  using SelfMetricsFn = std::function<void(SampleSink&)>;
  // Does not own registry or outbox.
  Sampler(std::vector<ScheduledSource> sources, const std::string& proc_root,
          absl::Duration base_interval, SeriesRegistry* registry, Outbox* outbox,
          SelfMetricsFn self_metrics);

  // Runs every source due at `tick` (ticks are aligned to the base interval) and
  // queues the batch. `sink`, when given, also receives every sample (for --once).
  void Tick(absl::Time tick, SampleSink* also = nullptr);
  // Lets every background source finish its first runs, up to `timeout` in all (--once).
  void AwaitFirstResults(absl::Duration timeout);

  absl::Duration base_interval() const { return base_interval_; }

 private:
  struct State {
    ScheduledSource scheduled;
    uint64_t errors = 0;
    int consecutive_failures = 0;
    absl::Time retry_after = absl::InfinitePast();
    bool ran = false;  // every source runs on the first tick, whatever its interval
    bool up = false;
    double last_duration_s = 0;
    uint64_t events = 0;          // sent
    uint64_t events_dropped = 0;  // over the per-tick bound
  };

  std::vector<State> sources_;
  ProcessTable processes_;
  const absl::Duration base_interval_;
  SeriesRegistry* const registry_;
  Outbox* const outbox_;
  const SelfMetricsFn self_metrics_;
};

}  // namespace vigil::agent
