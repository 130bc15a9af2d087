// Build and runtime information, the answers Grafana's Prometheus data source also asks
// for, Vigil's host list and the collector's own metrics.
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "collector/api/grpc_access.h"
#include "collector/api/http_handlers.h"
#include "common/time_parse.h"
#include "common/version.h"

namespace vigil::api {
namespace {

// The Prometheus API level Vigil answers as. Grafana reads `version` to decide which
// endpoints it may use (2.24 added match[] to the label endpoints).
constexpr char kPrometheusApiVersion[] = "2.24.0";

std::string Rfc3339(absl::Time t) {
  return FormatTimestamp(t);
}

std::string RetentionText(int64_t ms) {
  constexpr int64_t kDay = 86'400'000;
  if (ms % kDay == 0) return absl::StrCat(ms / kDay, "d");
  return vigil::FormatDuration(absl::Milliseconds(ms));
}

}  // namespace

ApiReply HandleBuildInfo(const HttpApiDeps&, const ApiRequest&) {
  return Success({{"version", kPrometheusApiVersion},
                  {"revision", ""},
                  {"branch", ""},
                  {"buildUser", ""},
                  {"buildDate", ""},
                  {"goVersion", ""},
                  {"application", "vigil"},
                  {"vigilVersion", kVersion}});
}

ApiReply HandleRuntimeInfo(const HttpApiDeps& deps, const ApiRequest&) {
  const RuntimeInfo info = deps.runtime_info ? deps.runtime_info() : RuntimeInfo();
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  return Success({{"startTime", Rfc3339(info.start_time)},
                  {"CWD", cwd},
                  {"reloadConfigSuccess", info.reload_config_success},
                  {"lastConfigTime", Rfc3339(info.last_config_time)},
                  {"corruptionCount", 0},
                  {"goroutineCount", 0},
                  {"GOMAXPROCS", std::thread::hardware_concurrency()},
                  {"GOGC", ""},
                  {"GODEBUG", ""},
                  {"storageRetention", RetentionText(deps.tsdb->options().retention.raw_ms)}});
}

// Vigil keeps no metric metadata (HELP, TYPE) and no exemplars: empty answers in the
// right shapes, so Grafana's editor works.
ApiReply HandleMetadata(const HttpApiDeps&, const ApiRequest&) {
  return Success(nlohmann::json::object());
}
ApiReply HandleExemplars(const HttpApiDeps&, const ApiRequest&) {
  return Success(nlohmann::json::array());
}

ApiReply HandleHosts(const HttpApiDeps& deps, const ApiRequest&) {
  nlohmann::json data = nlohmann::json::array();
  for (const v1::HostInfo& h : deps.tsdb->Hosts()) {
    const v1::HostFacts& f = h.facts();
    data.push_back({{"instance", h.host()},
                    {"health", deps.connections->IsConnected(h.host()) ? "up" : "down"},
                    {"lastSeen", Rfc3339(absl::FromUnixMillis(h.last_seen_ms()))},
                    {"firstSeen", Rfc3339(absl::FromUnixMillis(h.first_seen_ms()))},
                    {"agentVersion", h.agent_version()},
                    {"bootId", h.boot_id()},
                    {"peerAddress", PeerAddress(h.peer_address())},
                    {"facts",
                     {{"hostname", f.hostname()},
                      {"kernelRelease", f.kernel_release()},
                      {"kernelVersion", f.kernel_version()},
                      {"machine", f.machine()},
                      {"osPrettyName", f.os_pretty_name()},
                      {"osId", f.os_id()},
                      {"osVersionId", f.os_version_id()},
                      {"cpuCount", f.cpu_count()},
                      {"memoryBytes", f.memory_bytes()}}}});
  }
  return Success(data);
}

ApiReply HandleMetrics(const HttpApiDeps& deps, const ApiRequest&) {
  ApiReply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = deps.metrics->Render();
  return reply;
}

}  // namespace vigil::api
