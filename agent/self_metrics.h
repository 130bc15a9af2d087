// The agent's own health, sent every tick like any other series (so rules can alert on
// a full spool, a drifting clock or a certificate about to expire):
//   vigil_agent_spool_ok                          1 while the spool can be written
//   vigil_agent_spool_bytes, _segments            what the spool holds on disk
//   vigil_agent_spool_oldest_seconds              age of the oldest batch on disk
//   vigil_agent_spool_write_errors_total          failed spool opens and writes
//   vigil_agent_spool_corrupt_bytes_total         torn or corrupt bytes skipped at start
//   vigil_agent_memory_queue_bytes                batches held in memory only (no spool)
//   vigil_agent_unacknowledged_batches            not yet durable at the collector
//   vigil_agent_backlog_age_seconds               age of the oldest of them
//   vigil_agent_samples_dropped_total             lost to the spool's or memory's bound
//   vigil_agent_batches_sent_total                sent live
//   vigil_agent_batches_resent_total              sent as backlog (replayed)
//   vigil_agent_send_lag_seconds                  tick to acknowledgement, last live batch
//   vigil_agent_clock_offset_seconds              collector clock minus this host's
//   vigil_agent_collector_connected{address}      1 for the collector streamed to
//   vigil_agent_connects_total, _connect_failures_total
//   vigil_agent_certificate_expiry_timestamp_seconds  not-after of the agent certificate
//   vigil_agent_tls_reloads_total, _tls_reload_errors_total  replaced TLS files taken, refused
//   vigil_agent_cpu_seconds_total, vigil_agent_resident_memory_bytes,
//   vigil_agent_anonymous_memory_bytes            the agent process itself
//   vigil_agent_series                            series the agent has defined
//
// Thread-safe as far as its inputs are (Outbox and CollectorLink are).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "agent/series_registry.h"
#include "agent/sources/source.h"
#include "agent/transport/collector_link.h"
#include "agent/transport/outbox.h"

namespace vigil::agent {

struct ProcessMemory {
  uint64_t resident_bytes = 0;   // VmRSS
  uint64_t anonymous_bytes = 0;  // RssAnon (private: heap, stacks)
};

// Parses /proc/PID/status (kB values); fails naming the missing field.
absl::StatusOr<ProcessMemory> ParseProcessMemory(absl::string_view status_text);

// Emits the series above. `link` may be null (no stream yet, --once).
void EmitSelfMetrics(const Outbox& outbox, const CollectorLink* link,
                     const SeriesRegistry& registry, SampleSink& sink);

}  // namespace vigil::agent
