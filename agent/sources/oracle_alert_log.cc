#include "agent/sources/oracle_alert_log.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "agent/sources/log_follower.h"
#include "agent/sources/oracle_discovery.h"
#include "agent/sources/process_table.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kSource = "oracle_alert_log";
constexpr size_t kMaxEventsPerCollect = 100;
constexpr size_t kMaxCodesPerInstance = 200;  // more distinct codes count as "other"
constexpr size_t kMaxEntryLines = 40;
const absl::Duration kRediscoverEvery = absl::Minutes(1);

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Note {
  absl::string_view prefix;  // at the start of a message line
  absl::string_view contains;
  absl::string_view type;
};
constexpr Note kNotes[] = {
    {"Starting ORACLE instance", "", "startup"},
    {"Shutting down instance", "", "shutdown"},
    {"Shutting down ORACLE instance", "", "shutdown"},
    {"Thread ", " advanced to log sequence ", "log_switch"},
    {"", "Checkpoint not complete", "checkpoint_not_complete"},
};
constexpr const char* kNoteTypes[] = {"startup", "shutdown", "log_switch",
                                      "checkpoint_not_complete"};

// Label values are kept to a safe character set: a SID becomes a file name.

}  // namespace

bool IsCriticalOraCode(absl::string_view code) {
  return std::any_of(std::begin(kCriticalOraCodes), std::end(kCriticalOraCodes),
                     [&](const char* c) { return code == c; });
}

std::vector<std::string> FindOraCodes(absl::string_view text) {
  std::vector<std::string> codes;
  for (size_t at = text.find("ORA-"); at != absl::string_view::npos;
       at = text.find("ORA-", at + 4)) {
    if (at > 0 && absl::ascii_isalnum(static_cast<unsigned char>(text[at - 1]))) continue;
    size_t end = at + 4;
    while (end < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[end]))) ++end;
    const size_t digits = end - at - 4;
    if (digits == 0 || digits > 5) continue;
    std::string code =
        absl::StrCat("ORA-", std::string(5 - digits, '0'), text.substr(at + 4, digits));
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
  }
  return codes;
}

bool ParseAlertLogTimestamp(absl::string_view line, absl::TimeZone zone, absl::Time* time,
                            absl::string_view* rest) {
  *rest = "";
  if (line.size() >= 20 && absl::ascii_isdigit(line[0]) && line[4] == '-' && line[10] == 'T') {
    const size_t end = line.find_first_of(" \t");
    const absl::string_view stamp = line.substr(0, end);
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, stamp, time, &err)) return false;
    if (end != absl::string_view::npos) {
      *rest = absl::StripLeadingAsciiWhitespace(line.substr(end));
    }
    return true;
  }
  // 11g: "Mon Nov 23 10:15:02 2026" (day of month space-padded or not)
  static const LazyRE2 k11g = {
      R"((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4}))"};
  std::string month;
  int day, hour, minute, second, year;
  const absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
  if (trimmed.size() < 20 || trimmed.size() > 30 ||
      !RE2::FullMatch(re2::StringPiece(trimmed.data(), trimmed.size()), *k11g, &month, &day, &hour,
                      &minute, &second, &year)) {
    return false;
  }
  for (int m = 0; m < 12; ++m) {
    if (month == kMonths[m]) {
      *time = absl::FromCivil(absl::CivilSecond(year, m + 1, day, hour, minute, second), zone);
      return true;
    }
  }
  return false;
}

void AlertLogParser::Start(absl::Time time) {
  Finish();
  open_ = true;
  current_ = AlertLogEntry();
  current_.time = time;
  last_time_ = time;
  omitted_lines_ = 0;
}

void AlertLogParser::AddLine(absl::string_view line) {
  absl::Time time;
  absl::string_view rest;
  if (ParseAlertLogTimestamp(line, zone_, &time, &rest)) {
    Start(time);
    if (rest.empty()) return;
    line = rest;
  } else if (!open_) {
    Start(last_time_);  // a continuation after Finish(), or lines before any timestamp
  }
  if (line.empty()) return;
  for (std::string& code : FindOraCodes(line)) {
    if (std::find(current_.codes.begin(), current_.codes.end(), code) == current_.codes.end()) {
      current_.codes.push_back(std::move(code));
    }
  }
  for (const Note& note : kNotes) {
    if (absl::StartsWith(line, note.prefix) &&
        (note.contains.empty() || absl::StrContains(line, note.contains))) {
      current_.notes.emplace_back(note.type);
      break;
    }
  }
  const size_t lines = std::count(current_.text.begin(), current_.text.end(), '\n') + 1;
  if (current_.text.size() + line.size() + 1 > max_text_bytes_ || lines > kMaxEntryLines) {
    ++omitted_lines_;
    return;
  }
  if (!current_.text.empty()) current_.text += '\n';
  absl::StrAppend(&current_.text, line);
}

void AlertLogParser::Finish() {
  if (!open_) return;
  open_ = false;
  if (omitted_lines_ > 0) {
    absl::StrAppend(&current_.text, "\n... (", omitted_lines_, " more lines)");
  }
  if (!current_.text.empty()) done_.push_back(std::move(current_));
  current_ = AlertLogEntry();
}

std::vector<AlertLogEntry> AlertLogParser::TakeEntries() {
  std::vector<AlertLogEntry> out;
  out.swap(done_);
  return out;
}

namespace {

class OracleAlertLogSource : public Source {
 public:
  explicit OracleAlertLogSource(const SourceOptions& options) : proc_root_(options.proc_root) {
    for (const OracleInstanceOptions& o : options.oracle.instances) {
      if (o.alert_log.empty()) continue;
      auto instance = std::make_unique<Instance>();
      instance->sid = o.sid;
      instance->configured = o.alert_log;
      instance->oracle_base = o.oracle_base;
      LogFollowerOptions follow;
      follow.path = o.alert_log == "auto" ? "" : o.alert_log;
      follow.state_file = LogPositionFile(options.state_dir, kSource, o.sid);
      instance->follower = std::make_unique<LogFollower>(std::move(follow));
      instances_.push_back(std::move(instance));
    }
  }

  absl::string_view name() const override { return kSource; }
  absl::Status Collect(const TickContext& tick, SampleSink& sink) override;

 private:
  struct Instance {
    std::string sid;
    std::string configured;  // path or "auto"
    std::string oracle_base;
    std::unique_ptr<LogFollower> follower;
    AlertLogParser parser{absl::LocalTimeZone()};
    absl::Time last_discovery = absl::InfinitePast();
    bool up = true;
    bool warned = false;
    std::map<std::string, uint64_t> errors;    // by code
    std::map<std::string, uint64_t> critical;  // by code
    std::map<std::string, uint64_t> notes;     // by type
    uint64_t error_entries = 0;
    uint64_t events_dropped = 0;
    absl::Time last_entry = absl::InfinitePast();
  };

  void Discover(const TickContext& tick, Instance& instance);
  void Account(const TickContext& tick, Instance& instance, AlertLogEntry& entry, SampleSink& sink);
  void Emit(const Instance& instance, SampleSink& sink);

  const std::string proc_root_;
  std::vector<std::unique_ptr<Instance>> instances_;
  size_t events_this_collect_ = 0;
};

void OracleAlertLogSource::Discover(const TickContext& tick, Instance& instance) {
  if (instance.configured != "auto") return;
  if (!instance.follower->path().empty() && instance.follower->found()) return;
  if (tick.now - instance.last_discovery < kRediscoverEvery) return;
  instance.last_discovery = tick.now;
  absl::StatusOr<const std::vector<ProcessInfo>*> processes = tick.processes->Processes();
  if (!processes.ok()) return;
  const std::string path =
      DiscoverAlertLog(proc_root_, **processes, instance.sid, instance.oracle_base);
  if (!path.empty() && path != instance.follower->path()) {
    LogInfo("oracle_alert_log: instance ", instance.sid, ": following ", path);
    instance.follower->SetPath(path);
  }
}

void OracleAlertLogSource::Account(const TickContext& tick, Instance& instance,
                                   AlertLogEntry& entry, SampleSink& sink) {
  if (entry.time == absl::InfinitePast()) entry.time = tick.now;
  instance.last_entry = std::max(instance.last_entry, entry.time);
  for (const std::string& note : entry.notes) ++instance.notes[note];
  bool critical = false;
  for (const std::string& code : entry.codes) {
    const bool known =
        instance.errors.contains(code) || instance.errors.size() < kMaxCodesPerInstance;
    ++instance.errors[known ? code : "other"];
    if (IsCriticalOraCode(code)) {
      ++instance.critical[code];
      critical = true;
    }
  }
  if (!entry.codes.empty()) ++instance.error_entries;
  const bool lifecycle = std::any_of(entry.notes.begin(), entry.notes.end(), [](const auto& n) {
    return n == "startup" || n == "shutdown";
  });
  if (entry.codes.empty() && !lifecycle) return;
  if (events_this_collect_ >= kMaxEventsPerCollect) {
    ++instance.events_dropped;
    return;
  }
  ++events_this_collect_;
  Event event;
  event.time = entry.time;
  event.kind = std::string(kSource);
  event.severity = critical               ? EventSeverity::kCritical
                   : !entry.codes.empty() ? EventSeverity::kWarning
                                          : EventSeverity::kInfo;
  event.labels.emplace_back("instance_name", instance.sid);
  if (!entry.codes.empty()) {
    std::string code = entry.codes.front();
    for (const std::string& c : entry.codes) {
      if (IsCriticalOraCode(c)) {
        code = c;
        break;
      }
    }
    event.labels.emplace_back("code", std::move(code));
  }
  event.message = std::move(entry.text);
  sink.AddEvent(std::move(event));
}

void OracleAlertLogSource::Emit(const Instance& instance, SampleSink& sink) {
  const absl::string_view sid = instance.sid;
  const LogFollower& f = *instance.follower;
  sink.Add("oracle_alert_log_found", {{"instance_name", sid}}, f.found() ? 1 : 0);
  sink.Add("oracle_alert_log_up", {{"instance_name", sid}}, f.found() && instance.up ? 1 : 0);
  sink.Add("oracle_alert_log_lines_total", {{"instance_name", sid}},
           static_cast<double>(f.stats().lines));
  sink.Add("oracle_alert_log_lines_truncated_total", {{"instance_name", sid}},
           static_cast<double>(f.stats().lines_truncated));
  sink.Add("oracle_alert_log_error_entries_total", {{"instance_name", sid}},
           static_cast<double>(instance.error_entries));
  for (const auto& [code, n] : instance.errors) {
    sink.Add("oracle_alert_log_errors_total", {{"instance_name", sid}, {"code", code}},
             static_cast<double>(n));
  }
  // Every critical code from the start at 0, so that increase() sees the first one.
  for (const char* code : kCriticalOraCodes) {
    auto it = instance.critical.find(code);
    sink.Add("oracle_alert_log_critical_errors_total", {{"instance_name", sid}, {"code", code}},
             it == instance.critical.end() ? 0 : static_cast<double>(it->second));
  }
  for (const char* type : kNoteTypes) {
    auto it = instance.notes.find(type);
    sink.Add("oracle_alert_log_messages_total", {{"instance_name", sid}, {"type", type}},
             it == instance.notes.end() ? 0 : static_cast<double>(it->second));
  }
  if (instance.last_entry != absl::InfinitePast()) {
    sink.Add("oracle_alert_log_last_entry_timestamp_seconds", {{"instance_name", sid}},
             absl::ToDoubleSeconds(instance.last_entry - absl::UnixEpoch()));
  }
  sink.Add("oracle_alert_log_events_dropped_total", {{"instance_name", sid}},
           static_cast<double>(instance.events_dropped));
}

absl::Status OracleAlertLogSource::Collect(const TickContext& tick, SampleSink& sink) {
  events_this_collect_ = 0;
  absl::Status first_error;
  for (const std::unique_ptr<Instance>& owned : instances_) {
    Instance& instance = *owned;
    Discover(tick, instance);
    if (!instance.follower->path().empty()) {
      absl::Status polled = instance.follower->Poll(
          tick.now, [&](absl::string_view line) { instance.parser.AddLine(line); });
      instance.parser.Finish();
      for (AlertLogEntry& entry : instance.parser.TakeEntries()) {
        Account(tick, instance, entry, sink);
      }
      instance.up = polled.ok();
      if (!polled.ok()) {
        if (!instance.warned) {
          LogWarning("oracle_alert_log: instance ", instance.sid, ": ", polled.message());
        }
        instance.warned = true;
        if (first_error.ok()) first_error = polled;
      } else {
        instance.warned = false;
      }
    }
    Emit(instance, sink);
  }
  return first_error;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> CreateOracleAlertLogSource(const SourceOptions& options) {
  return std::make_unique<OracleAlertLogSource>(options);
}

}  // namespace vigil::agent
