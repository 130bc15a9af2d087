// The collector daemon assembled: storage, ingest and query services on one mTLS gRPC
// port. Start() fails with a clear message (bad certificate path, port in use, storage
// that cannot open) instead of starting half-way. The TLS files are checked every
// tls_reload_interval; a valid replacement is used for new connections (certificate
// rotation, common/tls_reloader.h).
//
// Thread-safety: Start/Shutdown from one thread; the services are thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "collector/config.h"
#include "collector/ingest/connections.h"
#include "collector/ingest/ingest_service.h"
#include "collector/query/query_service.h"
#include "collector/storage/tsdb.h"
#include "collector/storage_health.h"
#include "common/clock.h"
#include "common/tls_reloader.h"

namespace vigil::collector {

class CollectorServer {
 public:
  static absl::StatusOr<std::unique_ptr<CollectorServer>> Start(const CollectorConfig& config,
                                                                const Clock* clock);
  ~CollectorServer();

  // "host:port" actually bound (the port is chosen by the kernel if configured as 0).
  const std::string& address() const { return address_; }

  // Stops accepting, waits up to `deadline` for calls in flight, then closes storage.
  void Shutdown(absl::Duration deadline);

  // For the systemd watchdog (storage_health.h): OK while storage maintenance runs and
  // storage accepts writes. Thread-safe; valid until Shutdown().
  absl::Status CheckHealth() const { return health_->Check(MonotonicNow()); }

  // For the status line: hosts with an ingest stream open, samples stored since start.
  // Thread-safe; valid until Shutdown().
  size_t ConnectedAgents() const { return connections_.ConnectedHosts(); }
  uint64_t SamplesStored() const { return tsdb_->counters().samples_stored.load(); }

 private:
  CollectorServer() = default;

  std::string address_;
  std::unique_ptr<storage::Tsdb> tsdb_;
  ingest::Connections connections_;
  // The TLS material and the credentials that hand it to handshakes: both outlive
  // server_ (gRPC calls into them) and the metrics that read the certificate's expiry.
  std::unique_ptr<TlsReloader> tls_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  MetricsRegistry metrics_;  // outlives the services that render it
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<query::Engine> engine_;  // PromQL, shared by the operator APIs
  std::unique_ptr<query::QueryService> query_;
  std::unique_ptr<grpc::Server> server_;
  absl::Notification stopping_;
  std::unique_ptr<StorageHealth> health_;  // fed by the maintenance thread
  std::thread maintenance_;                // Tsdb::Maintain() every maintenance_interval
  std::thread tls_watch_;                  // TlsReloader::Check() every tls_reload_interval
};

}  // namespace vigil::collector
