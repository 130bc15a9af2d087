#include "agent/sources/logins.h"

#include <unistd.h>

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "agent/sources/log_follower.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kSource = "logins";
constexpr size_t kMaxEventsPerCollect = 100;
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kServices[] = {"sshd", "su", "sudo", "login"};

// The word after `key` in `text` ("for " -> the user); "" if absent.
std::string WordAfter(absl::string_view text, absl::string_view key) {
  const size_t at = text.find(key);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = text.substr(at + key.size());
  return std::string(rest.substr(0, rest.find_first_of(" ;(")));
}

// "user=root" style PAM fields.
std::string PamField(absl::string_view text, absl::string_view name) {
  for (absl::string_view field : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&field, name) && absl::ConsumePrefix(&field, "=")) {
      return std::string(absl::StripSuffix(field, ";"));
    }
  }
  return "";
}

bool ParseSyslogTime(absl::string_view* line, absl::Time now, absl::TimeZone zone,
                     absl::Time* time) {
  absl::string_view l = *line;
  const size_t space = l.find(' ');
  if (space == absl::string_view::npos) return false;
  if (space >= 19 && absl::ascii_isdigit(static_cast<unsigned char>(l[0])) && l[4] == '-') {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, l.substr(0, space), time, &err)) return false;
    *line = l.substr(space + 1);
    return true;
  }
  // "Nov 23 10:15:01 " / "Nov  3 10:15:01 "
  if (l.size() < 16 || l[3] != ' ' || l[6] != ' ' || l[9] != ':' || l[12] != ':' || l[15] != ' ') {
    return false;
  }
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (l.substr(0, 3) == kMonths[m]) month = m + 1;
  }
  int day = 0, hour = 0, minute = 0, second = 0;
  if (month == 0 || !absl::SimpleAtoi(absl::StripLeadingAsciiWhitespace(l.substr(4, 2)), &day) ||
      !absl::SimpleAtoi(l.substr(7, 2), &hour) || !absl::SimpleAtoi(l.substr(10, 2), &minute) ||
      !absl::SimpleAtoi(l.substr(13, 2), &second)) {
    return false;
  }
  const int64_t year = absl::ToCivilYear(now, zone).year();
  *time = absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), zone);
  if (*time > now + absl::Hours(24)) {  // December's lines read in January
    *time = absl::FromCivil(absl::CivilSecond(year - 1, month, day, hour, minute, second), zone);
  }
  *line = l.substr(16);
  return true;
}

}  // namespace

std::optional<LoginRecord> ParseAuthLogLine(absl::string_view line, absl::Time now,
                                            absl::TimeZone zone) {
  LoginRecord r;
  if (!ParseSyslogTime(&line, now, zone, &r.time)) return std::nullopt;
  // "host program[pid]: message"
  const size_t host_end = line.find(' ');
  if (host_end == absl::string_view::npos) return std::nullopt;
  line.remove_prefix(host_end + 1);
  const size_t colon = line.find(": ");
  if (colon == absl::string_view::npos) return std::nullopt;
  absl::string_view program = line.substr(0, colon);
  program = program.substr(0, program.find('['));
  const absl::string_view msg = line.substr(colon + 2);

  if (program == "sshd") {
    r.service = "sshd";
    if (absl::StartsWith(msg, "Accepted ")) {
      r.result = "accepted";
      r.method = WordAfter(msg, "Accepted ");
      r.user = WordAfter(msg, " for ");
    } else if (absl::StartsWith(msg, "Failed ")) {
      r.result = "failed";
      r.method = WordAfter(msg, "Failed ");
      r.user = absl::StrContains(msg, " for invalid user ") ? WordAfter(msg, " invalid user ")
                                                            : WordAfter(msg, " for ");
    } else if (absl::StartsWith(msg, "Invalid user ")) {
      r.result = "invalid_user";
      r.user = WordAfter(msg, "Invalid user ");
      if (absl::StartsWith(r.user, "from")) r.user = "";  // "Invalid user  from A"
    } else {
      return std::nullopt;
    }
    r.from = WordAfter(msg, " from ");
    return r;
  }
  if (program == "su" || program == "login" || program == "sudo") {
    r.service = std::string(program);
    // pam_unix(su:auth), pam_unix(su-l:session), pam_unix(sudo-i:auth), ...
    if (absl::StartsWith(msg, "pam_unix(")) {
      const bool auth = absl::StrContains(msg.substr(0, 24), ":auth)");
      const bool session = absl::StrContains(msg.substr(0, 28), ":session)");
      if (auth && absl::StrContains(msg, "authentication failure")) {
        r.result = "failed";
        r.user = PamField(msg, "user");
        r.by = PamField(msg, "ruser");
        return r;
      }
      if (session && program != "sudo" && absl::StrContains(msg, "session opened for user ")) {
        r.result = "accepted";
        r.user = WordAfter(msg, "session opened for user ");
        r.by = WordAfter(msg, " by ");
        return r;
      }
      return std::nullopt;
    }
    if (program == "sudo") {
      // "    dba1 : TTY=pts/1 ; PWD=/home/dba1 ; USER=root ; COMMAND=/usr/bin/id"
      const absl::string_view text = absl::StripLeadingAsciiWhitespace(msg);
      const size_t sep = text.find(" : ");
      if (sep == absl::string_view::npos) return std::nullopt;
      r.by = std::string(text.substr(0, sep));
      r.user = WordAfter(text, "USER=");
      if (absl::StrContains(text, "user NOT in sudoers")) {
        r.result = "failed";
        return r;
      }
      if (absl::StrContains(text, "incorrect password attempt")) return std::nullopt;  // PAM
      if (absl::StrContains(text, "COMMAND=")) {
        r.result = "accepted";
        return r;
      }
    }
  }
  return std::nullopt;
}

namespace {

class LoginsSource : public Source {
 public:
  LoginsSource(const SourceOptions& options, std::vector<std::string> candidates)
      : enabled_(options.logins_enabled), candidates_(std::move(candidates)) {
    LogFollowerOptions follow;
    follow.path = candidates_.front();
    follow.state_file = LogPositionFile(options.state_dir, kSource);
    follower_ = std::make_unique<LogFollower>(std::move(follow));
    for (const char* service : kServices) {
      for (const char* result : {"accepted", "failed"}) counts_[{service, result}] = 0;
    }
    counts_[{"sshd", "invalid_user"}] = 0;
  }

  absl::string_view name() const override { return kSource; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    if (!enabled_) return absl::OkStatus();
    // "auto": the first candidate that exists (auth.log, else secure).
    if (!follower_->found() && candidates_.size() > 1) {
      for (const std::string& path : candidates_) {
        if (access(path.c_str(), F_OK) == 0) {
          follower_->SetPath(path);
          break;
        }
      }
    }
    size_t events = 0;
    absl::Status polled = follower_->Poll(tick.now, [&](absl::string_view line) {
      std::optional<LoginRecord> r = ParseAuthLogLine(line, tick.now, zone_);
      if (!r) return;
      ++counts_[{r->service, r->result}];
      if (events >= kMaxEventsPerCollect) {
        ++events_dropped_;
        return;
      }
      ++events;
      Event event;
      event.time = r->time;
      const bool accepted = r->result == "accepted";
      event.kind = accepted ? "login_accepted" : "login_failed";
      event.severity = accepted ? EventSeverity::kInfo : EventSeverity::kWarning;
      event.labels = {{"service", r->service}};
      event.message = absl::StrCat(r->service, ": ", r->result, " login for user ",
                                   r->user.empty() ? "?" : r->user);
      if (!r->by.empty()) absl::StrAppend(&event.message, " by ", r->by);
      if (!r->from.empty()) absl::StrAppend(&event.message, " from ", r->from);
      if (!r->method.empty()) absl::StrAppend(&event.message, " (", r->method, ")");
      sink.AddEvent(std::move(event));
    });
    if (!polled.ok() && !warned_) LogWarning("logins: ", polled.message());
    warned_ = !polled.ok();
    sink.Add("vigil_logins_log_found", {}, follower_->found() ? 1 : 0);
    sink.Add("vigil_logins_log_up", {}, follower_->found() && polled.ok() ? 1 : 0);
    for (const auto& [key, n] : counts_) {
      sink.Add("vigil_logins_total", {{"service", key.first}, {"result", key.second}},
               static_cast<double>(n));
    }
    sink.Add("vigil_logins_events_dropped_total", {}, static_cast<double>(events_dropped_));
    return polled;
  }

 private:
  const bool enabled_;
  const std::vector<std::string> candidates_;
  const absl::TimeZone zone_ = absl::LocalTimeZone();
  std::unique_ptr<LogFollower> follower_;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;
  uint64_t events_dropped_ = 0;
  bool warned_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> CreateLoginsSource(const SourceOptions& options) {
  std::vector<std::string> candidates;
  if (options.logins_path == "auto") {
    const std::string root(absl::StripSuffix(options.root_fs, "/"));
    candidates = {root + "/var/log/auth.log", root + "/var/log/secure"};
  } else {
    candidates = {options.logins_path};
  }
  return std::make_unique<LoginsSource>(options, std::move(candidates));
}

}  // namespace vigil::agent
