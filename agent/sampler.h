// Runs the configured sources at each tick and queues one batch with their samples
// plus the agent's own health series:
//   vigil_agent_source_up{source}               1 if the source's last run succeeded
//   vigil_agent_source_errors_total{source}     failed runs since start
//   vigil_agent_source_duration_seconds{source} time of the last run
//   vigil_agent_pending_batches                 batches not yet acknowledged
//   vigil_agent_samples_dropped_total           samples lost to a full buffer
//   vigil_agent_series                          series the agent has defined
// A source that fails is counted and logged, never fatal; one that fails five times in
// a row is retried once a minute until it works again, so a broken source costs
// nothing and floods no log.
//
// Threading: Tick() is called from the sampling thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/series_registry.h"
#include "agent/sources/process_table.h"
#include "agent/sources/source.h"
#include "agent/transport/pending_batches.h"

namespace vigil::agent {

struct ScheduledSource {
  std::unique_ptr<Source> source;
  absl::Duration interval;  // a multiple of the sampler's base interval
};

class Sampler {
 public:
  // Does not own registry or pending.
  Sampler(std::vector<ScheduledSource> sources, const std::string& proc_root,
          absl::Duration base_interval, SeriesRegistry* registry, PendingBatches* pending);

  // Runs every source due at `tick` (ticks are aligned to the base interval) and
  // queues the batch. `sink`, when given, also receives every sample (for --once).
  void Tick(absl::Time tick, SampleSink* also = nullptr);

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
  };

  std::vector<State> sources_;
  ProcessTable processes_;
  const absl::Duration base_interval_;
  SeriesRegistry* const registry_;
  PendingBatches* const pending_;
};

}  // namespace vigil::agent
