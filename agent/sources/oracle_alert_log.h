// Source "oracle_alert_log": follows alert_<SID>.log of each configured instance
// (oracle.instances[].alert_log: a path, "auto" or "" for off) and counts what it says:
// ORA- errors by code (the ones that need a human at once flagged critical), instance
// startups and shutdowns, log switches, "Checkpoint not complete". Each entry with an
// ORA- error, and each startup and shutdown, is also an event (kind oracle_alert_log)
// with the entry's own time and text.
//
// Both formats Oracle writes are parsed: 11g (a line "Mon Nov 23 10:15:02 2026" before
// the message lines, in the host's time zone) and 12c+ (a line starting with
// "2026-11-23T10:15:02.123456+08:00"). The file is read by a LogFollower (bounded per
// tick; its position survives restarts in <state_dir>/log-positions/).
//
// Thread-safety: Collect() on the sampling thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// The errors that page someone at once: internal errors, snapshot too old, archiver
// stuck, shared pool exhausted, unable to extend, a dead background process.
bool IsCriticalOraCode(absl::string_view code);
inline constexpr const char* kCriticalOraCodes[] = {
    "ORA-00600", "ORA-07445", "ORA-01555", "ORA-00257", "ORA-04031", "ORA-01653",
    "ORA-01654", "ORA-01688", "ORA-00470", "ORA-00471", "ORA-27102"};

// The distinct ORA- codes in `text`, in order of appearance, normalised to five digits
// ("ORA-1653" -> "ORA-01653").
std::vector<std::string> FindOraCodes(absl::string_view text);

// One entry of the alert log: the timestamp line and the message lines under it.
struct AlertLogEntry {
  absl::Time time = absl::InfinitePast();  // InfinitePast: lines before any timestamp
  std::string text;                        // message lines joined by '\n', bounded
  std::vector<std::string> codes;          // distinct ORA- codes, normalised
  // Notable non-error messages: "startup", "shutdown", "log_switch",
  // "checkpoint_not_complete" (one per matching line).
  std::vector<std::string> notes;
};

// Parses alert log lines as they are read. Entries end at the next timestamp line or
// at Finish(); lines that follow a Finish() without a new timestamp continue with the
// previous timestamp (an entry split across two reads).
class AlertLogParser {
 public:
  // `zone`: the time zone of 11g timestamps (the database host's).
  explicit AlertLogParser(absl::TimeZone zone, size_t max_text_bytes = 4096)
      : zone_(zone), max_text_bytes_(max_text_bytes) {}
  void AddLine(absl::string_view line);
  void Finish();
  // The entries completed so far; cleared.
  std::vector<AlertLogEntry> TakeEntries();

 private:
  void Start(absl::Time time);
  absl::TimeZone zone_;
  size_t max_text_bytes_;
  bool open_ = false;
  absl::Time last_time_ = absl::InfinitePast();
  AlertLogEntry current_;
  size_t omitted_lines_ = 0;
  std::vector<AlertLogEntry> done_;
};

// A timestamp line of either format; nullopt-like InfinitePast if `line` is not one.
// `*rest` gets what follows the 12c+ timestamp on the same line ("" for 11g).
bool ParseAlertLogTimestamp(absl::string_view line, absl::TimeZone zone, absl::Time* time,
                            absl::string_view* rest);

absl::StatusOr<std::unique_ptr<Source>> CreateOracleAlertLogSource(const SourceOptions& options);

}  // namespace vigil::agent
