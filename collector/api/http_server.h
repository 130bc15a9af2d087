// The collector's HTTPS API: Prometheus' HTTP query API (so Grafana's Prometheus data
// source works against it) and Vigil's own endpoints, behind access control and the
// audit log. Endpoints, parameters and roles: docs in the README ("HTTP API").
//
// Every request is authenticated (operator certificate or bearer token, access.h) and
// authorized for its endpoint's role before its handler runs; refusals are answered
// 401/403 in Prometheus' error JSON and written to the audit log, as is every request
// that changes something. Requests are counted in vigil_http_requests_total{handler,
// code}.
//
// Serving: cpp-httplib's SSLServer with a fixed pool of worker threads. A connection
// holds a worker while it is open, idle keep-alive included, so the pool is sized for the
// connections a few Grafana dashboards keep open (32), and an idle connection is closed
// after 3 s (or 100 requests); read and write timeouts bound a slow or stalled client.
// Request bodies are capped at 1 MiB; cpp-httplib 0.11 (Debian 12) also has a
// compiled-in limit of 8 KiB on application/x-www-form-urlencoded bodies (413 beyond
// it): a POSTed query longer than that must go in the URL instead.
//
// Thread-safety: Start and Stop from one thread; handlers run on the worker threads and
// use only thread-safe dependencies.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/alerts/alert_manager.h"
#include "collector/api/access.h"
#include "collector/api/audit_log.h"
#include "collector/events/event_store.h"
#include "collector/ingest/connections.h"
#include "collector/query/engine.h"
#include "collector/reload.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/tls_reloader.h"

namespace vigil::api {

// For GET /api/v1/status/runtimeinfo.
struct RuntimeInfo {
  absl::Time start_time;
  bool reload_config_success = true;  // the last reload (or the start) succeeded
  absl::Time last_config_time;        // when the configuration in use was loaded
};

// What the API serves from. Not owned; each must outlive the server.
struct HttpApiDeps {
  const storage::Tsdb* tsdb = nullptr;
  const ingest::Connections* connections = nullptr;
  const query::Engine* engine = nullptr;
  const AccessControl* access = nullptr;
  AuditLog* audit = nullptr;
  const TlsReloader* tls = nullptr;
  const Clock* clock = nullptr;
  const MetricsRegistry* metrics = nullptr;  // rendered at /metrics
  // Alerts, rules, acknowledgement, silences, on-call, the acknowledge link's pages;
  // null when alerting is off (no `alerting:` section): alerts and rules are empty.
  alerts::AlertManager* alerts = nullptr;
  // GET /api/v1/events: the agents' events. Null: the endpoint answers 503.
  const events::EventStore* events = nullptr;
  // POST /api/v1/admin/reload: what SIGHUP does (CollectorServer::Reload).
  std::function<absl::StatusOr<collector::ReloadOutcome>(const collector::ReloadRecorder&)> reload;
  std::function<RuntimeInfo()> runtime_info;
};

struct HttpApiOptions {
  std::string listen;  // host:port; port 0 lets the kernel choose
  int threads = 32;
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(60);
};

class HttpApiServer {
 public:
  // Binds and starts serving. Fails with a message naming the address if it cannot
  // listen, or if the TLS material does not load. Registers its metrics in `registry`.
  static absl::StatusOr<std::unique_ptr<HttpApiServer>> Start(const HttpApiOptions& options,
                                                              HttpApiDeps deps,
                                                              MetricsRegistry* registry);
  ~HttpApiServer();

  // "host:port" actually bound.
  const std::string& address() const;

  // Stops accepting, lets the requests in flight finish, joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::api
