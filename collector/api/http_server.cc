#include "collector/api/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <regex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "collector/api/http_handlers.h"
#include "collector/api/https_credentials.h"
#include "collector/api/request_auth.h"
#include "common/log.h"

namespace vigil::api {
namespace {

using Handler = ApiReply (*)(const HttpApiDeps&, const ApiRequest&);

// One endpoint: its path (a regular expression, as cpp-httplib matches them), the
// methods it answers, its name in the metrics, and the role it needs. Role::kNone: no
// login, the handler checks the request's own credential (the signed acknowledge link).
struct Route {
  const char* path;
  std::vector<const char*> methods;
  const char* name;
  Role role;
  Handler handler;
  // `path` compiled once, for the matching done outside cpp-httplib's router (405 and
  // bodyless POSTs); set by Routes().
  std::regex pattern = std::regex();
};

const std::vector<Route>& Routes() {
  static const auto* routes = [] {
    auto* table = new std::vector<Route>{
        {"/api/v1/query", {"GET", "POST"}, "query", Role::kViewer, &HandleQuery},
        {"/api/v1/query_range", {"GET", "POST"}, "query_range", Role::kViewer, &HandleQueryRange},
        {"/api/v1/series", {"GET", "POST"}, "series", Role::kViewer, &HandleSeries},
        {"/api/v1/labels", {"GET", "POST"}, "labels", Role::kViewer, &HandleLabels},
        {R"(/api/v1/label/([^/]+)/values)",
         {"GET"},
         "label_values",
         Role::kViewer,
         &HandleLabelValues},
        {"/api/v1/status/buildinfo", {"GET"}, "buildinfo", Role::kViewer, &HandleBuildInfo},
        {"/api/v1/status/runtimeinfo", {"GET"}, "runtimeinfo", Role::kViewer, &HandleRuntimeInfo},
        {"/api/v1/metadata", {"GET"}, "metadata", Role::kViewer, &HandleMetadata},
        {"/api/v1/query_exemplars",
         {"GET", "POST"},
         "query_exemplars",
         Role::kViewer,
         &HandleExemplars},
        {"/api/v1/rules", {"GET"}, "rules", Role::kViewer, &HandleRules},
        {"/api/v1/alerts", {"GET"}, "alerts", Role::kViewer, &HandleAlerts},
        {"/api/v1/alerts/history", {"GET"}, "alert_history", Role::kViewer, &HandleAlertHistory},
        {R"(/api/v1/alerts/([0-9A-Za-z]+)/ack)",
         {"POST"},
         "alert_ack",
         Role::kOperator,
         &HandleAlertAck},
        {"/api/v1/silences", {"GET"}, "silences", Role::kViewer, &HandleSilencesList},
        {"/api/v1/silences", {"POST"}, "silence_create", Role::kOperator, &HandleSilenceCreate},
        {R"(/api/v1/silences/([^/]+))",
         {"DELETE"},
         "silence_expire",
         Role::kOperator,
         &HandleSilenceExpire},
        {"/api/v1/oncall", {"GET"}, "oncall", Role::kViewer, &HandleOnCall},
        {"/api/v1/events", {"GET"}, "events", Role::kViewer, &HandleEvents},
        {"/ack", {"GET"}, "ack_link", Role::kNone, &HandleAckLinkView},
        {"/ack", {"POST"}, "ack_link", Role::kNone, &HandleAckLinkConfirm},
        {"/api/v1/hosts", {"GET"}, "hosts", Role::kViewer, &HandleHosts},
        {"/metrics", {"GET"}, "metrics", Role::kViewer, &HandleMetrics},
        {"/api/v1/admin/reload", {"POST"}, "reload", Role::kAdmin, &HandleReload},
        {"/api/v1/audit", {"GET"}, "audit", Role::kAdmin, &HandleAuditRead},
    };
    for (Route& route : *table) route.pattern = std::regex(route.path);
    return table;
  }();
  return *routes;
}

// A path no route serves, or a method its routes do not answer.
ApiReply NotFound(const HttpApiDeps&, const ApiRequest& request) {
  std::string allowed;
  for (const Route& route : Routes()) {
    if (!std::regex_match(request.http.path, route.pattern)) continue;
    for (const char* m : route.methods) absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", m);
  }
  if (!allowed.empty()) {
    ApiReply reply =
        Error(ErrorType::kBadData, absl::StrCat(request.http.method, " is not allowed on ",
                                                request.http.path, "; use ", allowed));
    reply.status = 405;
    reply.headers.emplace_back("Allow", allowed);
    return reply;
  }
  return Error(ErrorType::kNotFound, absl::StrCat("no such endpoint: ", request.http.path));
}

// Everything else: authenticated first (an unauthenticated probe is refused and audited
// like any request), then 404 or 405.
const Route kFallback{".*", {}, "not_found", Role::kViewer, &NotFound};

std::string RemoteAddress(const httplib::Request& request) {
  if (request.remote_addr.find(':') != std::string::npos) {
    return absl::StrCat("[", request.remote_addr, "]:", request.remote_port);
  }
  return absl::StrCat(request.remote_addr, ":", request.remote_port);
}

// "host:port" split for httplib ("[::1]:7071" -> "::1", 7071).
bool SplitAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), port)) {
    return false;
  }
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return true;
}

}  // namespace

struct HttpApiServer::Impl {
  HttpApiOptions options;
  HttpApiDeps deps;
  std::unique_ptr<HttpsCredentials> credentials;
  std::unique_ptr<httplib::SSLServer> server;
  std::string address;
  std::thread thread;
  CounterFamily* requests = nullptr;
  HistogramFamily* durations = nullptr;

  void Serve(const Route& route, const httplib::Request& http, httplib::Response& response);
};

void HttpApiServer::Impl::Serve(const Route& route, const httplib::Request& http,
                                httplib::Response& response) {
  const absl::Time started = absl::Now();
  ApiRequest request{http, Principal(), RemoteAddress(http),
                     absl::StrCat(http.method, " ", http.path)};
  RequestAuth auth;
  if (route.role != Role::kNone) {
    auth = AuthenticateRequest(http, *deps.access);
    request.principal = auth.principal;
  }
  absl::Status admitted = auth.status;
  if (admitted.ok() && route.role != Role::kNone)
    admitted = AccessControl::Authorize(request.principal, route.role, request.action);

  ApiReply reply;
  if (!admitted.ok()) {
    reply = ErrorFromStatus(admitted);
    AuditEntry entry = AuditBase(request);
    entry.result =
        absl::IsUnauthenticated(admitted) ? AuditResult::kUnauthenticated : AuditResult::kForbidden;
    entry.status = reply.status;
    entry.target = std::string(admitted.message());
    // A refusal changes nothing: it is not synced, and a failure to write it is counted
    // and logged by the audit log, not a reason to answer differently.
    (void)deps.audit->Append(std::move(entry), /*sync=*/false);
    LogWarning("http: refused ", request.action, " from ", request.remote, ": ",
               admitted.message());
    if (reply.status == 401) {
      reply.headers.emplace_back("WWW-Authenticate",
                                 auth.principal.method == AuthMethod::kToken
                                     ? R"(Bearer realm="vigil", error="invalid_token")"
                                     : R"(Bearer realm="vigil")");
    }
  } else {
    reply = route.handler(deps, request);
  }

  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name.c_str(), value);
  response.set_content(std::move(reply.body), reply.content_type.c_str());
  requests->WithLabels({route.name, absl::StrCat(reply.status)})->Inc();
  durations->WithLabels({route.name})->Observe(absl::ToDoubleSeconds(absl::Now() - started));
}

HttpApiServer::HttpApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpApiServer::~HttpApiServer() { Stop(); }

const std::string& HttpApiServer::address() const { return impl_->address; }

absl::StatusOr<std::unique_ptr<HttpApiServer>> HttpApiServer::Start(const HttpApiOptions& options,
                                                                    HttpApiDeps deps,
                                                                    MetricsRegistry* registry) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->deps = std::move(deps);
  std::string host;
  int port = 0;
  if (!SplitAddress(options.listen, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http.listen \"", options.listen, "\" is not host:port"));
  }

  absl::StatusOr<CounterFamily*> requests = registry->AddCounterFamily(
      "vigil_http_requests_total", "HTTPS API requests answered, by handler and HTTP status.",
      {"handler", "code"});
  if (!requests.ok()) return requests.status();
  impl->requests = *requests;
  absl::StatusOr<HistogramFamily*> durations = registry->AddHistogramFamily(
      "vigil_http_request_duration_seconds", "Time to answer an HTTPS API request, by handler.",
      {"handler"}, ExponentialBuckets(0.001, 4, 8));
  if (!durations.ok()) return durations.status();
  impl->durations = *durations;

  impl->credentials = std::make_unique<HttpsCredentials>(impl->deps.tls);
  absl::Status configured;
  HttpsCredentials* credentials = impl->credentials.get();
  impl->server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    configured = credentials->Configure(&ctx);
    return configured.ok();
  });
  if (!impl->server->is_valid()) {
    return configured.ok() ? absl::InternalError("https: cannot create the TLS context")
                           : configured;
  }
  httplib::SSLServer& server = *impl->server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options.read_timeout)));
  server.set_write_timeout(
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options.write_timeout)));
  server.set_keep_alive_timeout(3);
  server.set_keep_alive_max_count(100);
  server.set_payload_max_length(1 << 20);
  // A response goes out in two writes (headers, body): with Nagle's algorithm the body
  // waits for the client's delayed ACK, 40 ms on Linux, on every request.
  server.set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT, with which a second collector would bind the
  // same port and the kernel would share the connections between the two. SO_REUSEADDR
  // only: a restart may bind while old connections linger, a second process may not.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        ApiReply reply = Error(ErrorType::kInternal, "internal error while answering the request");
        response.status = reply.status;
        response.set_content(reply.body, reply.content_type.c_str());
      });

  Impl* self = impl.get();
  // A POST without a body and without Content-Length (`curl -X POST`) is refused by
  // cpp-httplib with an empty 400 before routing; Prometheus serves it. Route it here,
  // ahead of the body reader (its parameters are in the URL).
  server.set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "POST" || req.has_header("Content-Length") ||
        req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    for (const Route& route : Routes()) {
      const bool post = std::find(route.methods.begin(), route.methods.end(),
                                  absl::string_view("POST")) != route.methods.end();
      if (post && std::regex_match(req.path, route.pattern)) {
        self->Serve(route, req, res);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    self->Serve(kFallback, req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  for (const Route& route : Routes()) {
    const Route* r = &route;
    auto serve = [self, r](const httplib::Request& req, httplib::Response& res) {
      self->Serve(*r, req, res);
    };
    for (absl::string_view method : route.methods) {
      if (method == "GET") server.Get(route.path, serve);
      if (method == "POST") server.Post(route.path, serve);
      if (method == "DELETE") server.Delete(route.path, serve);
    }
  }
  auto fallback = [self](const httplib::Request& req, httplib::Response& res) {
    self->Serve(kFallback, req, res);
  };
  server.Get(".*", fallback);
  server.Post(".*", fallback);
  server.Put(".*", fallback);
  server.Delete(".*", fallback);
  server.Patch(".*", fallback);

  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " for the HTTPS API (address in use or not available on this host); change http.listen, "
        "or set it to \"\" to turn the HTTPS API off"));
  }
  impl->address = absl::StrCat(options.listen.substr(0, options.listen.rfind(':')), ":", bound);
  impl->thread = std::thread([self] {
    if (!self->server->listen_after_bind()) LogError("https: the listener stopped unexpectedly");
  });
  // cpp-httplib's stop() does nothing until its accept loop runs: wait for it, so that
  // a Stop() right after Start() cannot leave the thread blocked in accept.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  return std::unique_ptr<HttpApiServer>(new HttpApiServer(std::move(impl)));
}

void HttpApiServer::Stop() {
  if (impl_ == nullptr || impl_->server == nullptr) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->server.reset();
}

}  // namespace vigil::api
