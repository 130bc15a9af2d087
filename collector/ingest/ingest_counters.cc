#include "collector/ingest/ingest_counters.h"

#include <functional>

#include "common/status.h"

namespace vigil::ingest {

absl::Status RegisterIngestMetrics(MetricsRegistry* registry, const IngestCounters* counters) {
  struct Counter {
    const char* name;
    const char* help;
    const std::atomic<uint64_t>* value;
  };
  const Counter all[] = {
      {"vigil_collector_batches_stored_total", "Agent batches (or packed backlog messages) stored.",
       &counters->batches_stored},
      {"vigil_collector_batches_duplicate_total",
       "Agent batches whose sequences were all durable already (a resend): acknowledged, not "
       "stored again.",
       &counters->batches_duplicate},
      {"vigil_collector_batches_replayed_total",
       "Backlog messages stored (batches an agent could not deliver before, replayed after a "
       "reconnect).",
       &counters->batches_replayed},
      {"vigil_collector_agent_samples_dropped_total",
       "Samples agents reported lost before sending: their spool reached its bound.",
       &counters->agent_samples_dropped},
      {"vigil_collector_events_stored_total",
       "Agents' events (ORA- lines, top SQL, file changes, ...) stored; a resent event "
       "overwrites itself and is counted again.",
       &counters->events_stored},
      {"vigil_collector_events_rejected_total",
       "Agents' events refused: malformed, oversized, or timed outside the retention.",
       &counters->events_rejected},
  };
  for (const Counter& c : all) {
    const std::atomic<uint64_t>* value = c.value;
    VIGIL_RETURN_IF_ERROR(
        registry->AddCallback(c.name, c.help, MetricType::kCounter, {}, [value](MetricEmitter& e) {
          e.Emit(static_cast<double>(value->load(std::memory_order_relaxed)));
        }));
  }
  return absl::OkStatus();
}

}  // namespace vigil::ingest
