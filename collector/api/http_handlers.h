// The HTTPS API's endpoint handlers, one file per concern:
//   query_handlers.cc   /api/v1/query, /api/v1/query_range
//   series_handlers.cc  /api/v1/series, /api/v1/labels, /api/v1/label/<name>/values
//   status_handlers.cc  buildinfo, runtimeinfo, what Grafana also asks (metadata,
//                       exemplars), /api/v1/hosts, /metrics
//   alert_handlers.cc   /api/v1/alerts, /api/v1/rules, acknowledgement, alert history,
//                       silences, on-call
//   ack_handlers.cc     /ack: the acknowledge link's pages (no login: signed links)
//   admin_handlers.cc   /api/v1/admin/reload, /api/v1/audit
//   event_handlers.cc   /api/v1/events: the agents' events
// A handler runs after the request was authenticated and authorized for its route
// (http_server.cc; the /ack routes authenticate the link themselves) and answers an
// ApiReply. Parameters come from the URL's query string
// and, for POST, a form-urlencoded body (cpp-httplib merges both into `params`).
//
// Internal to collector/api: this header includes httplib.h, whose classes depend on
// the CPPHTTPLIB_* definitions vigil_collector is compiled with.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "collector/api/access.h"
#include "collector/api/api_reply.h"
#include "collector/api/http_server.h"

namespace vigil::api {

struct ApiRequest {
  const httplib::Request& http;
  Principal principal;
  std::string remote;  // "127.0.0.1:51234"
  std::string action;  // "GET /api/v1/query"
  // The value of parameter `name`, if given (the first one if repeated).
  std::optional<std::string> Param(const std::string& name) const {
    if (!http.has_param(name.c_str())) return std::nullopt;
    return http.get_param_value(name.c_str());
  }
};

// The base of an audit entry for this request: who, from where, what.
AuditEntry AuditBase(const ApiRequest& request);

ApiReply HandleQuery(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleQueryRange(const HttpApiDeps& deps, const ApiRequest& request);

ApiReply HandleSeries(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleLabels(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleLabelValues(const HttpApiDeps& deps, const ApiRequest& request);

ApiReply HandleBuildInfo(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleRuntimeInfo(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleMetadata(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleExemplars(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleHosts(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleMetrics(const HttpApiDeps& deps, const ApiRequest& request);

ApiReply HandleRules(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleAlerts(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleAlertAck(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleAlertHistory(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleSilencesList(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleSilenceCreate(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleSilenceExpire(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleOnCall(const HttpApiDeps& deps, const ApiRequest& request);
// event_handlers.cc
ApiReply HandleEvents(const HttpApiDeps& deps, const ApiRequest& request);

ApiReply HandleAckLinkView(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleAckLinkConfirm(const HttpApiDeps& deps, const ApiRequest& request);

ApiReply HandleReload(const HttpApiDeps& deps, const ApiRequest& request);
ApiReply HandleAuditRead(const HttpApiDeps& deps, const ApiRequest& request);

}  // namespace vigil::api
