#include "collector/server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "collector/self_metrics.h"
#include "common/log.h"
#include "common/reloading_server_credentials.h"

namespace vigil::collector {

absl::StatusOr<std::unique_ptr<CollectorServer>> CollectorServer::Start(
    const CollectorConfig& config, const Clock* clock) {
  std::unique_ptr<CollectorServer> server(new CollectorServer());
  absl::StatusOr<std::unique_ptr<TlsReloader>> tls = TlsReloader::Create(config.tls);
  if (!tls.ok()) return tls.status();
  server->tls_ = std::move(*tls);
  server->credentials_ = MakeReloadingServerCredentials(server->tls_.get());

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create data_dir ", config.data_dir, ": ", ec.message()));
  }
  storage::TsdbOptions storage_options = config.storage;
  storage_options.dir = config.data_dir;
  storage_options.clock = clock;
  absl::StatusOr<std::unique_ptr<storage::Tsdb>> tsdb = storage::Tsdb::Open(storage_options);
  if (!tsdb.ok()) return tsdb.status();
  server->tsdb_ = std::move(*tsdb);
  LogInfo("storage: opened ", config.data_dir, " in ", server->tsdb_->counters().recovery_ms.load(),
          " ms (", server->tsdb_->HeadSeriesCount(), " series in the head)");

  server->ingest_ = std::make_unique<ingest::IngestService>(
      server->tsdb_.get(), &server->connections_, clock, config.ingest_limits);
  if (absl::Status registered = RegisterCollectorMetrics(&server->metrics_, server->tsdb_.get(),
                                                         &server->connections_, server->tls_.get());
      !registered.ok()) {
    return registered;
  }
  if (absl::Status registered =
          ingest::RegisterIngestMetrics(&server->metrics_, &server->ingest_->counters());
      !registered.ok()) {
    return registered;
  }
  query::EngineOptions engine_options;
  engine_options.limits = config.query_limits;
  server->engine_ =
      std::make_unique<query::Engine>(server->tsdb_.get(), engine_options, &server->metrics_);
  server->query_ = std::make_unique<query::QueryService>(server->tsdb_.get(), &server->connections_,
                                                         config.query_limits, &server->metrics_,
                                                         server->engine_.get());

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, server->credentials_, &port);
  builder.RegisterService(server->ingest_.get());
  builder.RegisterService(server->query_.get());
  builder.SetMaxSendMessageSize(64 << 20);
  builder.SetMaxReceiveMessageSize(16 << 20);
  // Notice dead agents (a pulled cable) within a minute, not hours.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Agents send one small batch a second: bandwidth probing only adds wake-ups.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               " (address in use or not available on this host)"));
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  server->address_ = absl::StrCat(host, ":", port);
  server->health_ = std::make_unique<StorageHealth>(
      config.maintenance_interval, absl::Milliseconds(storage_options.head_snapshot_interval_ms),
      MonotonicNow());
  server->maintenance_ = std::thread([s = server.get(), interval = config.maintenance_interval] {
    while (!s->stopping_.WaitForNotificationWithTimeout(interval)) {
      absl::Status maintained = s->tsdb_->Maintain();
      if (!maintained.ok()) LogError("storage maintenance: ", maintained.message());
      s->health_->RecordMaintenance(MonotonicNow(), maintained,
                                    s->tsdb_->counters().head_snapshots.load());
    }
  });
  // Its own thread: a head snapshot can keep maintenance busy for seconds.
  server->tls_watch_ = std::thread([s = server.get(), interval = config.tls_reload_interval] {
    while (!s->stopping_.WaitForNotificationWithTimeout(interval)) s->tls_->Check();
  });
  return server;
}

void CollectorServer::Shutdown(absl::Duration deadline) {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
    server_->Wait();
    server_.reset();
  }
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (maintenance_.joinable()) maintenance_.join();
  if (tls_watch_.joinable()) tls_watch_.join();
  tsdb_.reset();
}

CollectorServer::~CollectorServer() { Shutdown(absl::Seconds(1)); }

}  // namespace vigil::collector
