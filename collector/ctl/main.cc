// vigilctl: the operator's command line for Vigil: certificates, API tokens, hosts,
// queries, the collector's own metrics, the audit log, alerts, silences and on-call.
#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "collector/ctl/alerts_command.h"
#include "collector/ctl/audit_command.h"
#include "collector/ctl/certs.h"
#include "collector/ctl/client_config.h"
#include "collector/ctl/events_command.h"
#include "collector/ctl/output.h"
#include "collector/ctl/rules_command.h"
#include "collector/ctl/time_flags.h"
#include "collector/ctl/token_command.h"
#include "common/version.h"
#include "vigil/v1/admin.grpc.pb.h"
#include "vigil/v1/alerts.grpc.pb.h"
#include "vigil/v1/events.grpc.pb.h"
#include "vigil/v1/query.grpc.pb.h"

namespace {

int Fail(absl::string_view message) {
  std::cerr << "vigilctl: " << message << "\n";
  return 1;
}

int FailRpc(const grpc::Status& status, const std::string& collector) {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Fail(
        absl::StrCat("cannot reach the collector at ", collector, ": ", status.error_message()));
  }
  return Fail(status.error_message());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vigilctl: certificates, API tokens, hosts, queries, collector metrics, the audit log, "
      "alerts, silences and on-call for Vigil"};
  app.require_subcommand(1);
  app.set_version_flag("--version", vigil::kVersion);

  std::string config_path;
  vigil::ctl::ClientConfig flags;
  double timeout_s = 30;
  app.add_option("--config", config_path,
                 "client config (default $VIGILCTL_CONFIG or ~/.config/vigil/vigilctl.yaml)");
  app.add_option("--collector", flags.collector, "collector address HOST:PORT");
  app.add_option("--server-name", flags.server_name, "name in the collector's certificate");
  app.add_option("--ca", flags.tls.ca, "CA certificate");
  app.add_option("--cert", flags.tls.cert, "operator certificate");
  app.add_option("--key", flags.tls.key, "operator key");
  app.add_option("--timeout", timeout_s, "seconds to wait for the collector");

  // certs
  CLI::App* certs = app.add_subcommand("certs", "create a CA and issue certificates");
  certs->require_subcommand(1);
  std::string ca_dir;
  std::string org = "Vigil";
  bool force = false;
  CLI::App* init_ca = certs->add_subcommand("init-ca", "create DIR/ca.crt and DIR/ca.key");
  init_ca->add_option("--dir", ca_dir, "directory of the CA")->required();
  init_ca->add_option("--org", org, "organization name in the CA's subject");
  init_ca->add_flag("--force", force, "overwrite an existing CA");
  vigil::ctl::CertRequest request;
  CLI::App* issue = certs->add_subcommand("issue", "issue DIR/NAME.crt and DIR/NAME.key");
  issue->add_option("--dir", ca_dir, "directory of the CA")->required();
  issue->add_option("--kind", request.kind, "agent, collector or operator")
      ->required()
      ->check(CLI::IsMember({"agent", "collector", "operator"}));
  issue
      ->add_option("--name", request.name,
                   "host name (agent, collector) or person (operator); the certificate's CN")
      ->required();
  issue->add_option("--san", request.sans,
                    "extra subject alternative name, DNS:name or IP:address (repeatable)");
  issue->add_option("--days", request.validity_days, "validity in days");
  issue->add_flag("--force", force, "overwrite an existing certificate");

  // token
  bool json = false;
  CLI::App* token = app.add_subcommand("token", "bearer tokens for the collector's HTTPS API");
  token->require_subcommand(1);
  std::string token_name;
  std::string token_role;
  CLI::App* token_create = token->add_subcommand(
      "create", "make a token (offline): prints it once, and the lines for http.tokens");
  token_create->add_option("--name", token_name, "who or what uses it, e.g. grafana")->required();
  token_create->add_option("--role", token_role, "viewer, operator or admin")
      ->required()
      ->check(CLI::IsMember({"viewer", "operator", "admin"}));
  token_create->add_flag("--json", json, "print JSON (name, role, token, sha256)");

  // audit
  vigil::api::AuditFilter audit_filter;
  std::string audit_since;
  std::string audit_file;
  CLI::App* audit = app.add_subcommand(
      "audit", "print the collector's audit log: changes and refused requests (admin role)");
  audit->add_option("--since", audit_since, "entries since a duration ago (24h) or a time");
  audit->add_option("--principal", audit_filter.principal, "only this certificate or token name");
  audit
      ->add_option("--result", audit_filter.result,
                   "ok, refused, unauthenticated, forbidden, error")
      ->check(CLI::IsMember({"ok", "refused", "unauthenticated", "forbidden", "error"}));
  audit->add_option("--limit", audit_filter.limit, "at most the newest N entries (default 1000)");
  audit->add_option("--file", audit_file,
                    "read this audit log file directly (when the collector is down)");
  audit->add_flag("--json", json, "print JSON");

  // hosts
  CLI::App* hosts = app.add_subcommand("hosts", "list the hosts that report to the collector");
  hosts->add_flag("--json", json, "print JSON");

  // samples
  std::string selector;
  std::string since = "5m";
  std::string start_text;
  std::string end_text;
  CLI::App* samples = app.add_subcommand(
      "samples", "print the stored samples of the series a selector matches (raw or reduced)");
  samples->add_option("selector", selector, "series selector, e.g. 'node_load1{instance=\"db1\"}'")
      ->required();
  samples->add_option("--since", since, "from this long ago until now (default 5m)");
  samples->add_option("--start", start_text, "start: Unix seconds or RFC 3339");
  samples->add_option("--end", end_text, "end: Unix seconds or RFC 3339 (default now)");
  samples->add_flag("--json", json, "print Prometheus-style JSON");
  uint32_t max_points = 0;
  std::string aggregate = "avg";
  samples->add_option("--max-points", max_points,
                      "at most N points per series, aggregated per equal time bucket (long "
                      "ranges read the 1m/1h rollups)");
  samples
      ->add_option("--aggregate", aggregate, "with --max-points: avg, min, max, sum, count, last")
      ->check(CLI::IsMember({"avg", "min", "max", "sum", "count", "last"}));

  // query
  std::string expr;
  std::string at_text;
  std::string step_text;
  std::string range_since;
  CLI::App* query = app.add_subcommand(
      "query", "evaluate a PromQL expression now, at --at, or over a range (--start/--since)");
  query->add_option("expr", expr, "PromQL, e.g. 'rate(node_cpu_seconds_total{mode=\"user\"}[5m])'")
      ->required();
  CLI::Option* at_opt =
      query->add_option("--at", at_text, "instant query at this time (default now)");
  CLI::Option* start_opt =
      query->add_option("--start", start_text, "range query from: Unix seconds or RFC 3339");
  CLI::Option* since_opt =
      query->add_option("--since", range_since, "range query from this long ago (e.g. 1h)");
  query->add_option("--end", end_text, "range query until (default now)");
  query->add_option("--step", step_text,
                    "range query resolution, e.g. 15s (default: the range / 240, at least 1s)");
  at_opt->excludes(start_opt)->excludes(since_opt);
  start_opt->excludes(since_opt);
  query->add_flag("--json", json, "print Prometheus' /api/v1/query(_range) JSON");

  // rules
  CLI::App* rules = app.add_subcommand("rules", "alert rule files");
  rules->require_subcommand(1);
  std::vector<std::string> rule_files;
  CLI::App* rules_check = rules->add_subcommand(
      "check", "validate alert rule files offline, as the collector loads them");
  rules_check->add_option("files", rule_files, "rule files (YAML)")->required();

  // metrics
  CLI::App* metrics =
      app.add_subcommand("metrics", "print the collector's own metrics (Prometheus text)");

  // alerts, ack, silence, oncall
  bool alert_history = false;
  std::string alert_since;
  std::string alert_instance;
  CLI::App* alerts = app.add_subcommand(
      "alerts", "list the pending and firing alerts, or with --history the alerts' events");
  alerts->add_flag("--history", alert_history,
                   "the events of alerts' lives (pending, firing, acknowledged, resolved, ...)");
  alerts->add_option("--since", alert_since,
                     "alerts active since, or with --history events since, this long ago "
                     "(--history default 24h)");
  alerts->add_option("--instance", alert_instance, "only the alerts of this host");
  alerts->add_flag("--json", json, "print JSON");
  std::string alert_id;
  std::string comment;
  CLI::App* ack = app.add_subcommand(
      "ack", "acknowledge an alert as yourself (operator role): stops escalation");
  ack->add_option("id", alert_id, "the alert's ID (vigilctl alerts)")->required();
  ack->add_option("--comment", comment, "what you are doing about it");
  CLI::App* silence = app.add_subcommand("silence", "silence alerts by label matchers");
  silence->require_subcommand(1);
  std::string silence_matchers;
  std::string silence_duration;
  std::string silence_until;
  CLI::App* silence_add =
      silence->add_subcommand("add", "silence the alerts that match, for a while (operator role)");
  silence_add
      ->add_option("matchers", silence_matchers,
                   "label matchers, e.g. '{alertname=\"DiskFull\",instance=\"db1\"}'")
      ->required();
  CLI::Option* duration_opt =
      silence_add->add_option("--duration", silence_duration, "for this long from now, e.g. 2h");
  CLI::Option* until_opt =
      silence_add->add_option("--until", silence_until, "until this time (Unix seconds, RFC 3339)");
  duration_opt->excludes(until_opt);
  silence_add->add_option("--comment", comment, "why (required)")->required();
  bool silence_all = false;
  CLI::App* silence_list = silence->add_subcommand("list", "list the silences in force or to come");
  silence_list->add_flag("--all", silence_all, "expired silences too");
  silence_list->add_flag("--json", json, "print JSON");
  std::string silence_id;
  CLI::App* silence_expire = silence->add_subcommand("expire", "end a silence now (operator role)");
  silence_expire->add_option("id", silence_id, "the silence's ID")->required();
  uint32_t oncall_days = 7;
  CLI::App* oncall = app.add_subcommand(
      "oncall", "who is on call now in each rotation, and the hand-overs to come");
  oncall->add_option("--days", oncall_days, "hand-overs this many days ahead (default 7)")
      ->check(CLI::Range(1, 366));
  oncall->add_flag("--json", json, "print JSON");

  // events
  vigil::ctl::EventsFlags event_flags;
  bool events_full = false;
  CLI::App* events =
      app.add_subcommand("events",
                         "what the agents saw happen: ORA- errors, top SQL, file changes, new "
                         "listeners, failed logins (newest first)");
  events->add_option("--host", event_flags.host, "only this host (default: all)");
  events->add_option("--since", event_flags.since, "from this long ago (default 24h)");
  events->add_option("--start", event_flags.start, "from: Unix seconds or RFC 3339");
  events->add_option("--end", event_flags.end, "until (default now)");
  events->add_option("--kind", event_flags.kinds,
                     "only this kind (repeatable): oracle_alert_log, pg_top_sql, file_changed, "
                     "listener_new, login_failed, ...");
  events->add_option("--severity", event_flags.min_severity, "at least: info, warning, critical");
  events->add_option("--label", event_flags.labels,
                     "only events with this label (repeatable), e.g. code=ORA-00600");
  events->add_option("--limit", event_flags.limit, "the newest N (default 100, at most 10000)");
  events->add_flag("--full", events_full, "print each event's whole text");
  events->add_flag("--json", json, "print JSON");

  CLI11_PARSE(app, argc, argv);

  if (*init_ca) {
    absl::Status s = vigil::ctl::InitCa(ca_dir, org, force);
    if (!s.ok()) return Fail(s.message());
    std::cout << "created " << ca_dir << "/ca.crt and " << ca_dir << "/ca.key\n";
    return 0;
  }
  if (*issue) {
    absl::Status s = vigil::ctl::IssueCertificate(ca_dir, request, force);
    if (!s.ok()) return Fail(s.message());
    std::cout << "issued " << ca_dir << "/" << request.name << ".crt and " << ca_dir << "/"
              << request.name << ".key (" << request.kind << ")\n";
    return 0;
  }

  if (*token_create) {
    absl::StatusOr<vigil::ctl::NewToken> created = vigil::ctl::CreateToken(token_name, token_role);
    if (!created.ok()) return Fail(created.status().message());
    std::cout << (json ? vigil::ctl::FormatNewTokenJson(*created)
                       : vigil::ctl::FormatNewToken(*created));
    return 0;
  }
  if (*rules_check) return vigil::ctl::CheckRuleFiles(rule_files, std::cout, std::cerr);
  if (*audit && !audit_since.empty()) {
    absl::StatusOr<int64_t> since = vigil::ctl::ParseSince(audit_since, absl::Now());
    if (!since.ok()) return Fail(since.status().message());
    audit_filter.since_ms = *since;
  }
  if (*audit && !audit_file.empty()) {
    absl::StatusOr<vigil::api::AuditReadout> readout =
        vigil::api::ReadAuditFile(audit_file, audit_filter);
    if (!readout.ok()) return Fail(readout.status().message());
    if (readout->unreadable_lines > 0) {
      std::cerr << "vigilctl: " << readout->unreadable_lines << " unreadable line(s) of "
                << audit_file << " skipped\n";
    }
    std::cout << (json ? vigil::ctl::FormatAuditJson(readout->entries)
                       : vigil::ctl::FormatAuditTable(readout->entries));
    return 0;
  }

  // Commands that talk to the collector: config file, then flags on top.
  const bool explicit_config = !config_path.empty();
  if (!explicit_config) config_path = vigil::ctl::DefaultClientConfigPath();
  absl::StatusOr<vigil::ctl::ClientConfig> config =
      vigil::ctl::LoadClientConfig(config_path, explicit_config);
  if (!config.ok()) return Fail(config.status().message());
  if (!flags.collector.empty()) config->collector = flags.collector;
  if (!flags.server_name.empty()) config->server_name = flags.server_name;
  if (!flags.tls.ca.empty()) config->tls.ca = flags.tls.ca;
  if (!flags.tls.cert.empty()) config->tls.cert = flags.tls.cert;
  if (!flags.tls.key.empty()) config->tls.key = flags.tls.key;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = vigil::ctl::OpenChannel(*config);
  if (!channel.ok()) return Fail(channel.status().message());
  std::unique_ptr<vigil::v1::Query::Stub> stub = vigil::v1::Query::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));

  if (*audit) {
    std::unique_ptr<vigil::v1::Admin::Stub> admin = vigil::v1::Admin::NewStub(*channel);
    vigil::v1::ReadAuditResponse response;
    grpc::Status s = admin->ReadAudit(&context, vigil::ctl::AuditRequest(audit_filter), &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    const std::vector<vigil::api::AuditEntry> entries = vigil::ctl::AuditEntries(response);
    std::cout << (json ? vigil::ctl::FormatAuditJson(entries)
                       : vigil::ctl::FormatAuditTable(entries));
    return 0;
  }
  if (*alerts || *ack || *silence || *oncall) {
    std::unique_ptr<vigil::v1::Alerts::Stub> alerting = vigil::v1::Alerts::NewStub(*channel);
    const absl::Time now = absl::Now();
    const absl::TimeZone zone = absl::LocalTimeZone();
    if (*alerts && alert_history) {
      absl::StatusOr<vigil::v1::HistoryRequest> req =
          vigil::ctl::HistoryRequestFor(alert_since, alert_instance, now);
      if (!req.ok()) return Fail(req.status().message());
      vigil::v1::HistoryResponse response;
      grpc::Status s = alerting->History(&context, *req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << (json ? vigil::ctl::FormatProtoJson(response)
                         : vigil::ctl::FormatHistoryTable(response, zone));
    } else if (*alerts) {
      vigil::v1::ListAlertsResponse response;
      grpc::Status s = alerting->ListAlerts(&context, vigil::v1::ListAlertsRequest(), &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      absl::StatusOr<vigil::v1::ListAlertsResponse> shown =
          vigil::ctl::FilterAlerts(response, alert_instance, alert_since, now);
      if (!shown.ok()) return Fail(shown.status().message());
      std::cout << (json ? vigil::ctl::FormatProtoJson(*shown)
                         : vigil::ctl::FormatAlertsTable(*shown, now));
    } else if (*ack) {
      vigil::v1::AcknowledgeRequest req;
      req.set_id(alert_id);
      req.set_comment(comment);
      vigil::v1::AcknowledgeResponse response;
      grpc::Status s = alerting->Acknowledge(&context, req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << vigil::ctl::FormatAcknowledged(response.alert(), zone);
    } else if (*silence_add) {
      absl::StatusOr<vigil::v1::CreateSilenceRequest> req = vigil::ctl::SilenceRequestFor(
          silence_matchers, silence_duration, silence_until, comment, now);
      if (!req.ok()) return Fail(req.status().message());
      vigil::v1::CreateSilenceResponse response;
      grpc::Status s = alerting->CreateSilence(&context, *req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << "created " << vigil::ctl::FormatSilence(response.silence(), zone);
    } else if (*silence_list) {
      vigil::v1::ListSilencesRequest req;
      req.set_include_expired(silence_all);
      vigil::v1::ListSilencesResponse response;
      grpc::Status s = alerting->ListSilences(&context, req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << (json ? vigil::ctl::FormatProtoJson(response)
                         : vigil::ctl::FormatSilencesTable(response, zone));
    } else if (*silence_expire) {
      vigil::v1::ExpireSilenceRequest req;
      req.set_id(silence_id);
      vigil::v1::ExpireSilenceResponse response;
      grpc::Status s = alerting->ExpireSilence(&context, req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << "expired " << vigil::ctl::FormatSilence(response.silence(), zone);
    } else if (*oncall) {
      vigil::v1::OnCallRequest req;
      req.set_days(oncall_days);
      vigil::v1::OnCallResponse response;
      grpc::Status s = alerting->OnCall(&context, req, &response);
      if (!s.ok()) return FailRpc(s, config->collector);
      std::cout << (json ? vigil::ctl::FormatProtoJson(response)
                         : vigil::ctl::FormatOnCall(response, zone));
    }
    return 0;
  }
  if (*events) {
    absl::StatusOr<vigil::v1::ListEventsRequest> req =
        vigil::ctl::EventsRequestFor(event_flags, absl::Now());
    if (!req.ok()) return Fail(req.status().message());
    std::unique_ptr<vigil::v1::Events::Stub> events_stub = vigil::v1::Events::NewStub(*channel);
    vigil::v1::ListEventsResponse response;
    grpc::Status s = events_stub->ListEvents(&context, *req, &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    std::cout << (json ? vigil::ctl::FormatProtoJson(response)
                       : vigil::ctl::FormatEventsTable(response, absl::LocalTimeZone(),
                                                       events_full));
    return 0;
  }
  if (*hosts) {
    vigil::v1::ListHostsResponse response;
    grpc::Status s = stub->ListHosts(&context, vigil::v1::ListHostsRequest(), &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    std::cout << (json ? vigil::ctl::FormatHostsJson(response)
                       : vigil::ctl::FormatHostsTable(response, absl::Now()));
    return 0;
  }
  if (*metrics) {
    vigil::v1::MetricsResponse response;
    grpc::Status s = stub->Metrics(&context, vigil::v1::MetricsRequest(), &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    std::cout << response.text();
    return 0;
  }
  if (*samples) {
    absl::StatusOr<vigil::ctl::TimeRange> range =
        vigil::ctl::RangeFlags(start_text, since, end_text, absl::Now());
    if (!range.ok()) return Fail(range.status().message());
    vigil::v1::QueryRangeRequest req;
    req.set_selector(selector);
    req.set_start_ms(absl::ToUnixMillis(range->start));
    req.set_end_ms(absl::ToUnixMillis(range->end));
    req.set_max_points(max_points);
    req.set_aggregate(aggregate);
    vigil::v1::QueryRangeResponse response;
    grpc::Status s = stub->QueryRange(&context, req, &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    std::cout << (json ? vigil::ctl::FormatSeriesJson(response)
                       : vigil::ctl::FormatSeriesTable(response));
    return 0;
  }
  if (*query) {
    vigil::v1::EvaluateRequest req;
    req.set_query(expr);
    const bool range =
        !start_text.empty() || !range_since.empty() || !step_text.empty() || !end_text.empty();
    absl::Time at = absl::Now();
    if (!range) {
      absl::StatusOr<absl::Time> t = vigil::ctl::TimeFlag("--at", at_text, at);
      if (!t.ok()) return Fail(t.status().message());
      at = *t;
      req.set_time_ms(absl::ToUnixMillis(at));
    } else {
      absl::StatusOr<vigil::ctl::TimeRange> span =
          vigil::ctl::RangeFlags(start_text, range_since, end_text, at);
      if (!span.ok()) return Fail(span.status().message());
      absl::StatusOr<absl::Duration> step = vigil::ctl::StepFlag(step_text, *span);
      if (!step.ok()) return Fail(step.status().message());
      req.set_start_ms(absl::ToUnixMillis(span->start));
      req.set_end_ms(absl::ToUnixMillis(span->end));
      req.set_step_ms(absl::ToInt64Milliseconds(*step));
      at = span->end;
    }
    vigil::v1::EvaluateResponse response;
    grpc::Status s = stub->Evaluate(&context, req, &response);
    if (!s.ok()) return FailRpc(s, config->collector);
    std::cout << (json ? vigil::ctl::FormatEvaluateJson(response, absl::ToUnixMillis(at))
                       : vigil::ctl::FormatEvaluateTable(response));
    return 0;
  }
  return 0;
}
