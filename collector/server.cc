#include "collector/server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "collector/alerts/rule_file.h"
#include "collector/self_metrics.h"
#include "common/log.h"
#include "common/reloading_server_credentials.h"

namespace vigil::collector {

absl::StatusOr<std::unique_ptr<CollectorServer>> CollectorServer::Start(
    const CollectorConfig& config, const Clock* clock) {
  std::unique_ptr<CollectorServer> server(new CollectorServer());
  server->clock_ = clock;
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

  server->access_ = std::make_unique<api::AccessControl>(config.http.access);
  absl::StatusOr<std::unique_ptr<api::AuditLog>> audit = api::AuditLog::Open(
      config.audit_file.empty() ? (std::filesystem::path(config.data_dir) / "audit.log").string()
                                : config.audit_file,
      clock, &server->metrics_);
  if (!audit.ok()) return audit.status();
  server->audit_ = std::move(*audit);
  server->grpc_access_ =
      std::make_unique<api::GrpcAccess>(server->access_.get(), server->audit_.get());
  server->engine_ =
      std::make_unique<query::Engine>(server->tsdb_.get(), config.query, &server->metrics_);

  absl::StatusOr<std::unique_ptr<state::StateStore>> state =
      state::StateStore::Open((std::filesystem::path(config.data_dir) / "state").string());
  if (!state.ok()) return state.status();
  server->state_ = std::move(*state);
  server->events_ =
      std::make_unique<events::EventStore>(server->state_.get(), config.events.retention);
  absl::StatusOr<std::unique_ptr<notify::Notifier>> notifier = notify::Notifier::Start(
      config.alerting.receivers, server->state_.get(), clock, &server->metrics_);
  if (!notifier.ok()) return notifier.status();
  server->notifier_ = std::move(*notifier);
  alerts::AlertManager::Deps alert_deps;
  alert_deps.tsdb = server->tsdb_.get();
  query::EngineOptions alert_engine_options = config.query;
  alert_engine_options.limits.max_series =
      std::max<size_t>(config.query.limits.max_series, 10'000'000);
  alert_engine_options.limits.max_samples =
      std::max<size_t>(config.query.limits.max_samples, 1'000'000'000);
  server->alert_engine_ =
      std::make_unique<query::Engine>(server->tsdb_.get(), alert_engine_options);
  alert_deps.engine = server->alert_engine_.get();
  alert_deps.store = server->state_.get();
  alert_deps.notifier = server->notifier_.get();
  alert_deps.clock = clock;
  alert_deps.metrics = &server->metrics_;
  absl::StatusOr<std::unique_ptr<alerts::AlertManager>> alert_manager =
      alerts::AlertManager::Start(config.alerting, alert_deps);
  if (!alert_manager.ok()) return alert_manager.status();
  server->alerts_ = std::move(*alert_manager);

  server->ingest_ =
      std::make_unique<ingest::IngestService>(server->tsdb_.get(), server->events_.get(),
                                              &server->connections_, clock, config.ingest_limits);
  server->ingest_->set_batch_observer(
      [m = server->alerts_.get()](const std::string& host) { m->OnBatch(host); });
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
  server->query_ = std::make_unique<query::QueryService>(
      server->tsdb_.get(), &server->connections_, config.query.limits, server->grpc_access_.get(),
      &server->metrics_, server->engine_.get());
  server->admin_ =
      std::make_unique<api::AdminService>(server->grpc_access_.get(), server->audit_.get());
  server->alerts_service_ = std::make_unique<api::AlertsService>(
      server->alerts_.get(), server->grpc_access_.get(), server->audit_.get(), clock);
  server->events_service_ = std::make_unique<api::EventsService>(server->events_.get(),
                                                                 server->grpc_access_.get(), clock);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, server->credentials_, &port);
  builder.RegisterService(server->ingest_.get());
  builder.RegisterService(server->query_.get());
  builder.RegisterService(server->admin_.get());
  builder.RegisterService(server->alerts_service_.get());
  builder.RegisterService(server->events_service_.get());
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
  {
    absl::MutexLock lock(&server->reload_mu_);
    server->running_ = config;
    server->runtime_.start_time = clock->Now();
    server->runtime_.last_config_time = clock->Now();
  }
  if (!config.http.listen.empty()) {
    api::HttpApiDeps deps;
    deps.tsdb = server->tsdb_.get();
    deps.connections = &server->connections_;
    deps.engine = server->engine_.get();
    deps.access = server->access_.get();
    deps.audit = server->audit_.get();
    deps.tls = server->tls_.get();
    deps.clock = clock;
    deps.metrics = &server->metrics_;
    deps.alerts = server->alerts_.get();
    deps.events = server->events_.get();
    CollectorServer* self = server.get();
    deps.reload = [self](const ReloadRecorder& record) { return self->Reload(record); };
    deps.runtime_info = [self] {
      absl::MutexLock lock(&self->reload_mu_);
      return self->runtime_;
    };
    absl::StatusOr<std::unique_ptr<api::HttpApiServer>> http = api::HttpApiServer::Start(
        {.listen = config.http.listen}, std::move(deps), &server->metrics_);
    if (!http.ok()) return http.status();
    server->http_ = std::move(*http);
  }
  server->health_ = std::make_unique<StorageHealth>(
      config.maintenance_interval, absl::Milliseconds(storage_options.head_snapshot_interval_ms),
      MonotonicNow());
  server->maintenance_ = std::thread([s = server.get(), interval = config.maintenance_interval] {
    absl::Time next_event_purge = absl::InfinitePast();
    while (!s->stopping_.WaitForNotificationWithTimeout(interval)) {
      // Events past their retention: one range delete per host, hourly.
      if (const absl::Time now = s->clock_->Now(); now >= next_event_purge) {
        next_event_purge = now + absl::Hours(1);
        absl::StatusOr<size_t> purged = s->events_->Purge(now);
        if (!purged.ok()) LogError("event store: purge: ", purged.status().message());
      }
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

absl::StatusOr<ReloadOutcome> CollectorServer::Reload(const ReloadRecorder& record) {
  absl::MutexLock lock(&reload_mu_);
  if (running_.source_file.empty()) {
    return absl::FailedPreconditionError(
        "this collector's configuration was not loaded from a file: nothing to reload");
  }
  absl::StatusOr<ReloadPlan> plan = PlanCollectorReload(running_.source_file, running_);
  if (plan.ok()) {
    // Rule files are read again on every reload; a broken one refuses the whole reload.
    absl::StatusOr<alerts::RuleSet> rules = alerts::LoadRuleFiles(plan->next.alerting.rule_files);
    if (!rules.ok()) {
      LogError("reload: ", rules.status().message());
      plan = rules.status();
    } else {
      LogInfo("reload: alerting: ", rules->RuleCount(), " rules from ", rules->files.size(),
              " files");
    }
  }
  if (record) {
    absl::Status recorded =
        record(plan.ok() ? absl::StatusOr<ReloadOutcome>(plan->outcome) : plan.status());
    if (!recorded.ok()) {
      LogError("reload: not applied, its audit entry cannot be written: ", recorded.message());
      return absl::UnavailableError(
          absl::StrCat("its audit entry cannot be written: ", recorded.message()));
    }
  }
  runtime_.reload_config_success = plan.ok();
  if (!plan.ok()) return plan.status();
  ApplyCollectorReload(*plan, &running_, access_.get());
  if (absl::Status reloaded = alerts_->Reload(plan->next.alerting); !reloaded.ok()) {
    LogError("reload: alerting: ", reloaded.message());
  } else {
    running_.alerting = plan->next.alerting;
  }
  runtime_.last_config_time = clock_->Now();
  if (absl::Status reopened = audit_->Reopen(); !reopened.ok()) {
    LogError("reload: ", reopened.message(), "; still writing to the file open before");
  }
  return plan->outcome;
}

absl::StatusOr<ReloadOutcome> CollectorServer::ReloadOnSignal() {
  return Reload([this](const absl::StatusOr<ReloadOutcome>& planned) {
    api::AuditEntry entry;
    entry.principal = "SIGHUP";
    entry.auth = std::string(api::AuthMethodName(api::AuthMethod::kSignal));
    entry.role = std::string(api::RoleName(api::Role::kAdmin));
    entry.remote = "local";
    entry.action = "SIGHUP reload";
    entry.result = planned.ok() ? api::AuditResult::kOk : api::AuditResult::kError;
    entry.status = planned.ok() ? 200 : 422;
    entry.target =
        planned.ok()
            ? absl::StrCat("configuration reloaded; ", planned->applied.size(),
                           " change(s) applied, ", planned->need_restart.size(), " need a restart")
            : absl::StrCat("configuration reload refused: ", planned.status().message());
    (void)audit_->Append(std::move(entry), /*sync=*/planned.ok());
    return absl::OkStatus();
  });
}

void CollectorServer::Shutdown(absl::Duration deadline) {
  // The HTTPS API first: its handlers use the engine, storage and the audit log.
  if (http_ != nullptr) http_->Stop();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
    server_->Wait();
    server_.reset();
  }
  if (alerts_ != nullptr) alerts_->Stop();
  if (notifier_ != nullptr) notifier_->Stop();
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (maintenance_.joinable()) maintenance_.join();
  if (tls_watch_.joinable()) tls_watch_.join();
  alerts_.reset();
  alert_engine_.reset();
  notifier_.reset();
  state_.reset();
  tsdb_.reset();
}

CollectorServer::~CollectorServer() { Shutdown(absl::Seconds(1)); }

}  // namespace vigil::collector
