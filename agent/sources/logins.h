// Source "logins": logins and failed logins from the auth log (/var/log/auth.log on
// Debian, /var/log/secure on RHEL; `logins.path` in agent.yaml), for sshd, su, sudo and
// login. Counts vigil_logins_total{service, result} (accepted, failed, invalid_user);
// each is also an event (login_failed: warning, login_accepted: info) whose text names
// the user and the source address (never labels).
//
// Which lines count, so that one attempt is counted once:
//  - sshd: "Accepted <method> for U from A", "Failed <method> for [invalid user] U from A"
//    (failed), "Invalid user U from A" (invalid_user; a password attempt by an unknown
//    user also logs a "Failed password" line). sshd's pam_unix lines are skipped.
//  - su, login: pam_unix(<svc>:auth) "authentication failure" (failed) and
//    pam_unix(<svc>:session) "session opened" (accepted).
//  - sudo: "U : ... COMMAND=" (accepted), "U : user NOT in sudoers" and
//    pam_unix(sudo:auth) "authentication failure" (failed).
//
// Thread-safety: Collect() on the sampling thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct LoginRecord {
  absl::Time time;
  std::string service;  // sshd, su, sudo, login
  std::string result;   // accepted, failed, invalid_user
  std::string user;     // the account logged into (su/sudo: the target; "" if unknown)
  std::string by;       // su/sudo: who asked
  std::string from;     // the client address (sshd)
  std::string method;   // sshd: password, publickey, ...
};

// One auth log line, syslog ("Nov 23 10:15:01 host sshd[1]: ...", the year taken from
// `now` in `zone`) or RFC 3339 ("2026-11-23T10:15:01.123456+08:00 host sshd[1]: ...").
// nullopt for lines that are not a login or a failed one.
std::optional<LoginRecord> ParseAuthLogLine(absl::string_view line, absl::Time now,
                                            absl::TimeZone zone);

absl::StatusOr<std::unique_ptr<Source>> CreateLoginsSource(const SourceOptions& options);

}  // namespace vigil::agent
