#include "agent/sources/oracle_listener_log.h"

#include <unistd.h>

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/sources/log_follower.h"
#include "agent/sources/oracle_discovery.h"
#include "agent/sources/process_table.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kSource = "oracle_listener_log";
constexpr size_t kMaxEventsPerCollect = 100;
constexpr size_t kMaxLabelValues = 100;  // services or codes per listener; more: "other"
const absl::Duration kRediscoverEvery = absl::Minutes(1);
// Refusal codes reported from the start at 0, so that increase() sees the first one.
constexpr const char* kCommonRefusals[] = {"TNS-12505", "TNS-12514", "TNS-12516", "TNS-12518",
                                           "TNS-12519", "TNS-12520", "TNS-12526", "TNS-12528"};

bool IsListenerDate(absl::string_view s) {
  // "23-NOV-2026 10:15:02"
  return s.size() == 20 && s[2] == '-' && s[6] == '-' && s[11] == ' ' && s[14] == ':' &&
         absl::ascii_isdigit(static_cast<unsigned char>(s[0]));
}

std::string TnsCode(absl::string_view digits) {
  return absl::StrCat("TNS-", std::string(digits.size() < 5 ? 5 - digits.size() : 0, '0'), digits);
}

std::string Bounded(std::map<std::string, uint64_t>& counts, const std::string& key) {
  if (counts.contains(key) || counts.size() < kMaxLabelValues) return key;
  return "other";
}

}  // namespace

std::string DescriptorValue(absl::string_view text, absl::string_view key) {
  const std::string needle = absl::StrCat("(", key, "=");
  // Case-sensitive: Oracle writes the keys in upper case. The first one counts (the
  // client's HOST in CID comes before any other HOST in CONNECT_DATA).
  const size_t at = text.find(needle);
  if (at == absl::string_view::npos) return "";
  const size_t start = at + needle.size();
  const size_t end = text.find(')', start);
  if (end == absl::string_view::npos) return "";
  return std::string(text.substr(start, end - start));
}

ListenerLogRecord ParseListenerLogLine(absl::string_view line) {
  ListenerLogRecord record;
  line = absl::StripAsciiWhitespace(line);
  if (absl::StartsWith(line, "TNS-")) {
    absl::string_view digits = line.substr(4);
    digits = digits.substr(0, digits.find_first_not_of("0123456789"));
    if (!digits.empty() && digits.size() <= 5) {
      record.type = ListenerLogRecord::Type::kError;
      record.code = TnsCode(digits);
    }
    return record;
  }
  std::vector<absl::string_view> fields = absl::StrSplit(line, " * ");
  if (fields.size() < 3 || !IsListenerDate(fields[0])) return record;
  int status = 0;
  if (!absl::SimpleAtoi(fields.back(), &status)) return record;
  if (fields[1] == "service_update" && fields.size() == 4) {
    record.type = ListenerLogRecord::Type::kServiceUpdate;
    record.service = std::string(fields[2]);
    return record;
  }
  // establish: date * connect data * address * establish * service * status
  if (fields.size() >= 6 && fields[fields.size() - 3] == "establish") {
    record.type = ListenerLogRecord::Type::kEstablish;
    record.service = std::string(fields[fields.size() - 2]);
    record.status = status;
    if (status != 0) record.code = TnsCode(fields.back());
    const absl::string_view connect = fields[1];
    record.client_host = DescriptorValue(connect, "HOST");
    record.client_program = DescriptorValue(connect, "PROGRAM");
    record.client_user = DescriptorValue(connect, "USER");
    record.client_address = DescriptorValue(fields[2], "HOST");
  }
  return record;
}

namespace {

std::vector<std::string> HostNames() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return {};
  std::string full = name;
  std::vector<std::string> names = {full};
  const size_t dot = full.find('.');
  if (dot != std::string::npos) names.push_back(full.substr(0, dot));
  for (std::string& n : std::vector<std::string>(names)) {
    if (absl::AsciiStrToLower(n) != n) names.push_back(absl::AsciiStrToLower(n));
  }
  return names;
}

class OracleListenerLogSource : public Source {
 public:
  explicit OracleListenerLogSource(const SourceOptions& options) : proc_root_(options.proc_root) {
    for (const OracleInstanceOptions& i : options.oracle.instances) {
      if (!i.oracle_base.empty()) fallback_bases_.push_back(i.oracle_base);
    }
    for (const OracleListenerLogOptions& o : options.oracle.listener_logs) {
      auto listener = std::make_unique<Listener>();
      listener->name = o.name;
      listener->configured = o.path;
      LogFollowerOptions follow;
      follow.path = o.path == "auto" ? "" : o.path;
      follow.state_file = LogPositionFile(options.state_dir, kSource, o.name);
      listener->follower = std::make_unique<LogFollower>(std::move(follow));
      for (const char* code : kCommonRefusals) listener->refused[code] = 0;
      listeners_.push_back(std::move(listener));
    }
  }

  absl::string_view name() const override { return kSource; }
  absl::Status Collect(const TickContext& tick, SampleSink& sink) override;

 private:
  struct Listener {
    std::string name;
    std::string configured;
    std::unique_ptr<LogFollower> follower;
    absl::Time last_discovery = absl::InfinitePast();
    bool up = true;
    bool warned = false;
    bool after_refusal = false;                   // the previous line refused a connection
    bool in_error = false;                        // inside a block of TNS- lines already reported
    std::map<std::string, uint64_t> connections;  // by service
    std::map<std::string, uint64_t> refused;      // by code
    std::map<std::string, uint64_t> errors;       // by code
    uint64_t service_updates = 0;
    uint64_t events_dropped = 0;
  };

  void Discover(const TickContext& tick, Listener& listener);
  void Handle(const TickContext& tick, Listener& listener, absl::string_view line,
              SampleSink& sink);
  void AddEvent(const TickContext& tick, Listener& listener, absl::string_view kind,
                std::string code, std::string message, SampleSink& sink);

  const std::string proc_root_;
  std::vector<std::string> fallback_bases_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  size_t events_this_collect_ = 0;
};

void OracleListenerLogSource::Discover(const TickContext& tick, Listener& listener) {
  if (listener.configured != "auto") return;
  if (!listener.follower->path().empty() && listener.follower->found()) return;
  if (tick.now - listener.last_discovery < kRediscoverEvery) return;
  listener.last_discovery = tick.now;
  std::vector<std::string> bases;
  absl::StatusOr<const std::vector<ProcessInfo>*> processes = tick.processes->Processes();
  if (processes.ok()) {
    if (std::optional<int> pid = FindTnsListener(**processes, listener.name)) {
      std::string base = ProcessEnvironment(proc_root_, *pid, "ORACLE_BASE");
      if (!base.empty()) bases.push_back(std::move(base));
    }
  }
  bases.insert(bases.end(), fallback_bases_.begin(), fallback_bases_.end());
  for (const std::string& base : bases) {
    for (const std::string& host : HostNames()) {
      const std::string path = ListenerLogUnderBase(base, host, listener.name);
      if (access(path.c_str(), F_OK) != 0) continue;
      if (path != listener.follower->path()) {
        LogInfo("oracle_listener_log: listener ", listener.name, ": following ", path);
        listener.follower->SetPath(path);
      }
      return;
    }
  }
}

void OracleListenerLogSource::AddEvent(const TickContext& tick, Listener& listener,
                                       absl::string_view kind, std::string code,
                                       std::string message, SampleSink& sink) {
  if (events_this_collect_ >= kMaxEventsPerCollect) {
    ++listener.events_dropped;
    return;
  }
  ++events_this_collect_;
  Event event;
  event.time = tick.now;
  event.kind = std::string(kind);
  event.severity = EventSeverity::kWarning;
  event.labels = {{"listener", listener.name}, {"code", std::move(code)}};
  event.message = std::move(message);
  sink.AddEvent(std::move(event));
}

void OracleListenerLogSource::Handle(const TickContext& tick, Listener& listener,
                                     absl::string_view line, SampleSink& sink) {
  ListenerLogRecord r = ParseListenerLogLine(line);
  switch (r.type) {
    case ListenerLogRecord::Type::kEstablish:
      listener.in_error = false;
      if (r.status == 0) {
        ++listener.connections[Bounded(listener.connections, r.service)];
        listener.after_refusal = false;
      } else {
        ++listener.refused[Bounded(listener.refused, r.code)];
        listener.after_refusal = true;
        AddEvent(
            tick, listener, "oracle_listener_refused", r.code,
            absl::StrCat("listener ", listener.name, " refused a connection to service ", r.service,
                         " (", r.code, ") from ", r.client_address, " host=", r.client_host,
                         " program=", r.client_program, " user=", r.client_user),
            sink);
      }
      return;
    case ListenerLogRecord::Type::kServiceUpdate:
      ++listener.service_updates;
      listener.after_refusal = listener.in_error = false;
      return;
    case ListenerLogRecord::Type::kError:
      ++listener.errors[Bounded(listener.errors, r.code)];
      // The TNS- line explaining a refusal was reported with it; a block of TNS- lines
      // (one failure, its causes) is one event.
      if (!listener.after_refusal && !listener.in_error) {
        AddEvent(tick, listener, "oracle_listener_error", r.code,
                 absl::StrCat("listener ", listener.name, ": ", absl::StripAsciiWhitespace(line)),
                 sink);
      }
      listener.in_error = true;
      return;
    case ListenerLogRecord::Type::kOther:
      // " ns main err code: 12535" and "Client address:" lines stay inside a block.
      if (!absl::StartsWith(line, " ")) listener.after_refusal = listener.in_error = false;
      return;
  }
}

absl::Status OracleListenerLogSource::Collect(const TickContext& tick, SampleSink& sink) {
  events_this_collect_ = 0;
  absl::Status first_error;
  for (const std::unique_ptr<Listener>& owned : listeners_) {
    Listener& l = *owned;
    Discover(tick, l);
    if (!l.follower->path().empty()) {
      absl::Status polled =
          l.follower->Poll(tick.now, [&](absl::string_view line) { Handle(tick, l, line, sink); });
      l.up = polled.ok();
      if (!polled.ok()) {
        if (!l.warned) LogWarning("oracle_listener_log: listener ", l.name, ": ", polled.message());
        l.warned = true;
        if (first_error.ok()) first_error = polled;
      } else {
        l.warned = false;
      }
    }
    const absl::string_view name = l.name;
    const LogFollower& f = *l.follower;
    sink.Add("oracle_listener_log_found", {{"listener", name}}, f.found() ? 1 : 0);
    sink.Add("oracle_listener_log_up", {{"listener", name}}, f.found() && l.up ? 1 : 0);
    sink.Add("oracle_listener_log_lines_total", {{"listener", name}},
             static_cast<double>(f.stats().lines));
    for (const auto& [service, n] : l.connections) {
      sink.Add("oracle_listener_connections_total", {{"listener", name}, {"service", service}},
               static_cast<double>(n));
    }
    for (const auto& [code, n] : l.refused) {
      sink.Add("oracle_listener_refused_total", {{"listener", name}, {"code", code}},
               static_cast<double>(n));
    }
    for (const auto& [code, n] : l.errors) {
      sink.Add("oracle_listener_errors_total", {{"listener", name}, {"code", code}},
               static_cast<double>(n));
    }
    sink.Add("oracle_listener_service_updates_total", {{"listener", name}},
             static_cast<double>(l.service_updates));
    sink.Add("oracle_listener_log_events_dropped_total", {{"listener", name}},
             static_cast<double>(l.events_dropped));
  }
  return first_error;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> CreateOracleListenerLogSource(
    const SourceOptions& options) {
  return std::make_unique<OracleListenerLogSource>(options);
}

}  // namespace vigil::agent
