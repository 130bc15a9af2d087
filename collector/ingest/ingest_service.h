// The agent -> collector stream (proto/vigil/v1/ingest.proto).
//
// For each stream: admit only a verified certificate of kind "agent" and take the host
// name from its CN (never from what the agent says); answer the hello with the durable
// sequences of the agent's run and of each earlier run it still has a backlog of; then
// for each batch resolve the series it defines (per run: series ids are an agent run's
// own; "instance" is set to the host), commit its samples durably and only then
// acknowledge it. The batch's events (an ORA- line, a file change) are written to the
// event store, synced, before its samples are committed: an acknowledged event is never
// lost, and a resend overwrites the same keys. A batch whose sequences are all durable already is
// acknowledged as a duplicate without being written again, so a resend after a reconnect is stored
// exactly once, whatever order the live batches and the replayed backlog arrive in.
//
// Thread-safe: gRPC runs each stream on its own thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "collector/events/event_store.h"
#include "collector/ingest/connections.h"
#include "collector/ingest/ingest_counters.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "vigil/v1/ingest.grpc.pb.h"

namespace vigil::ingest {

struct IngestLimits {
  // Series one agent stream may define; beyond it definitions are rejected and counted.
  size_t max_series_per_stream = 200000;
  // Earlier runs one stream may send a backlog of.
  size_t max_runs_per_stream = 64;
};

class IngestService final : public v1::Ingest::Service {
 public:
  // Does not take ownership; all must outlive the service.
  // `events` may be null: agents' events are then acknowledged and dropped (counted as
  // rejected).
  IngestService(storage::Tsdb* tsdb, events::EventStore* events, Connections* connections,
                const Clock* clock, IngestLimits limits)
      : tsdb_(tsdb), events_(events), connections_(connections), clock_(clock), limits_(limits) {}

  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::CollectorMessage, v1::AgentMessage>* stream) override;

  const IngestCounters& counters() const { return counters_; }

  // Called after each newly stored batch, with the host it came from (the alert
  // manager's trigger: rules are evaluated when data arrives). Set before serving.
  void set_batch_observer(std::function<void(const std::string& host)> observer) {
    batch_observer_ = std::move(observer);
  }

 private:
  storage::Tsdb* const tsdb_;
  events::EventStore* const events_;
  Connections* const connections_;
  const Clock* const clock_;
  const IngestLimits limits_;
  IngestCounters counters_;
  std::function<void(const std::string& host)> batch_observer_;
};

}  // namespace vigil::ingest
