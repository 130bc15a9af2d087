// Counters of the ingest service since start, for the collector's own metrics.
// Relaxed atomics; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "common/metrics.h"

namespace vigil::ingest {

struct IngestCounters {
  std::atomic<uint64_t> batches_stored{0};
  std::atomic<uint64_t> batches_duplicate{0};  // every sequence already durable: not stored
  std::atomic<uint64_t> batches_replayed{0};   // backlog messages (several batches packed)
  // Samples the agents said they lost before sending (their spool reached its bound).
  std::atomic<uint64_t> agent_samples_dropped{0};
  std::atomic<uint64_t> events_stored{0};    // agents' events kept (events/event_store.h)
  std::atomic<uint64_t> events_rejected{0};  // malformed, oversized or outside the retention
};

// Registers the counters as vigil_collector_* metrics; `counters` must outlive the
// registry's renders.
absl::Status RegisterIngestMetrics(MetricsRegistry* registry, const IngestCounters* counters);

}  // namespace vigil::ingest
