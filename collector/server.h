// The collector daemon assembled: storage, ingest, query and admin services on one mTLS
// gRPC port, the PromQL engine, and the HTTPS API (api/http_server.h) on its own port
// (http.listen), both behind the same access control and audit log. Start() fails with
// a clear message (bad certificate path, port in use, storage or audit log that cannot
// open) instead of starting half-way. The TLS files are checked every
// tls_reload_interval; a valid replacement is used for new connections on both ports
// (certificate rotation, common/tls_reloader.h).
//
// Thread-safety: Start/Shutdown from one thread; Reload and the services are
// thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "collector/alerts/alert_manager.h"
#include "collector/api/access.h"
#include "collector/api/admin_service.h"
#include "collector/api/alerts_service.h"
#include "collector/api/audit_log.h"
#include "collector/api/events_service.h"
#include "collector/api/grpc_access.h"
#include "collector/api/http_server.h"
#include "collector/config.h"
#include "collector/events/event_store.h"
#include "collector/ingest/connections.h"
#include "collector/ingest/ingest_service.h"
#include "collector/notify/notifier.h"
#include "collector/query/engine.h"
#include "collector/query/query_service.h"
#include "collector/reload.h"
#include "collector/state/state_store.h"
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
  // The HTTPS API's "host:port"; "" when http.listen is "".
  std::string http_address() const { return http_ == nullptr ? "" : http_->address(); }

  // Re-reads the configuration file it was started from (SIGHUP, POST
  // /api/v1/admin/reload), one reload at a time: `record` (may be empty) sees what the
  // reload would do, or why it cannot, before anything changes, and the reload applies
  // only if it returns OK (its error is returned). Then the audit log is reopened (log
  // rotation). See reload.h for what applies live.
  absl::StatusOr<ReloadOutcome> Reload(const ReloadRecorder& record)
      ABSL_LOCKS_EXCLUDED(reload_mu_);
  // SIGHUP's reload: audited (principal "SIGHUP", auth "signal"), but applied even if the
  // audit log cannot be written: whoever can signal the collector owns its host, and
  // revoking a token must never wait for a full disk.
  absl::StatusOr<ReloadOutcome> ReloadOnSignal() ABSL_LOCKS_EXCLUDED(reload_mu_);

  // Stops accepting, waits up to `deadline` for calls in flight, then closes storage.
  void Shutdown(absl::Duration deadline);

  // For the systemd watchdog (storage_health.h): OK while storage maintenance runs and
  // storage accepts writes. Thread-safe; valid until Shutdown().
  absl::Status CheckHealth() const { return health_->Check(MonotonicNow()); }

  // For the status line: hosts with an ingest stream open, samples stored since start.
  // Thread-safe; valid until Shutdown().
  size_t ConnectedAgents() const { return connections_.ConnectedHosts(); }
  uint64_t SamplesStored() const { return tsdb_->counters().samples_stored.load(); }
  uint64_t AuditWriteErrors() const { return audit_->write_errors(); }
  // The alert manager (valid until Shutdown()).
  alerts::AlertManager* alerts() { return alerts_.get(); }

 private:
  CollectorServer() = default;

  std::string address_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<storage::Tsdb> tsdb_;
  ingest::Connections connections_;
  // The TLS material and the credentials that hand it to handshakes: both outlive
  // server_ (gRPC calls into them) and the metrics that read the certificate's expiry.
  std::unique_ptr<TlsReloader> tls_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  MetricsRegistry metrics_;  // outlives the services that render it
  std::unique_ptr<api::AccessControl> access_;
  std::unique_ptr<api::AuditLog> audit_;
  std::unique_ptr<api::GrpcAccess> grpc_access_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<query::Engine> engine_;  // PromQL, shared by the operator APIs
  // Alerting: its own state store (<data_dir>/state), the notifier's outbox and
  // dispatchers, the manager that evaluates rules as data arrives.
  std::unique_ptr<state::StateStore> state_;
  // Agents' events (ORA- lines, file changes, top SQL), in the state store.
  std::unique_ptr<events::EventStore> events_;
  std::unique_ptr<api::EventsService> events_service_;  // vigilctl events
  // Rules read every host at once (a periodic evaluation of CPU over 1,000 hosts is
  // 16,000 series): their engine is not held to an interactive query's limits.
  std::unique_ptr<query::Engine> alert_engine_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<alerts::AlertManager> alerts_;
  std::unique_ptr<query::QueryService> query_;
  std::unique_ptr<api::AdminService> admin_;
  std::unique_ptr<api::AlertsService> alerts_service_;  // vigilctl alerts, ack, silence, oncall
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<api::HttpApiServer> http_;
  // The configuration in use (what a reload compares with) and how the last went.
  absl::Mutex reload_mu_;
  CollectorConfig running_ ABSL_GUARDED_BY(reload_mu_);
  api::RuntimeInfo runtime_ ABSL_GUARDED_BY(reload_mu_);
  absl::Notification stopping_;
  std::unique_ptr<StorageHealth> health_;  // fed by the maintenance thread
  std::thread maintenance_;                // Tsdb::Maintain() every maintenance_interval
  std::thread tls_watch_;                  // TlsReloader::Check() every tls_reload_interval
};

}  // namespace vigil::collector
