#include "agent/sources/logins.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "agent/sources/process_table.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;
using testing::TempDir;
using testing::TestDataDir;

const absl::TimeZone kZone = absl::FixedTimeZone(8 * 3600);
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 12, 0, 0), kZone);

TEST_CASE("ParseAuthLogLine: sshd", "[logins]") {
  auto r = ParseAuthLogLine(
      "Nov 23 10:15:20 dbhost01 sshd[2230]: Accepted password for dba1 from 10.1.1.6 port 50100 "
      "ssh2",
      kNow, kZone);
  REQUIRE(r);
  CHECK(r->service == "sshd");
  CHECK(r->result == "accepted");
  CHECK(r->user == "dba1");
  CHECK(r->from == "10.1.1.6");
  CHECK(r->method == "password");
  CHECK(r->time == absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 15, 20), kZone));

  r = ParseAuthLogLine(
      "Nov 23 10:16:06 h sshd[2300]: Failed password for invalid user admin from 203.0.113.7 "
      "port 41000 ssh2",
      kNow, kZone);
  REQUIRE(r);
  CHECK(r->result == "failed");
  CHECK(r->user == "admin");
  CHECK(r->from == "203.0.113.7");

  r = ParseAuthLogLine("Nov 23 10:16:02 h sshd[2300]: Invalid user admin from 203.0.113.7 port 1",
                       kNow, kZone);
  REQUIRE(r);
  CHECK(r->result == "invalid_user");

  r = ParseAuthLogLine(
      "2026-11-23T10:21:00.123456+08:00 dbhost01 sshd[2400]: Failed password for oracle from "
      "198.51.100.2 port 33333 ssh2",
      kNow, kZone);
  REQUIRE(r);
  CHECK(r->user == "oracle");
  CHECK(r->time == absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 21, 0), kZone) +
                       absl::Microseconds(123456));

  // December's lines read on 1 January belong to the previous year.
  r = ParseAuthLogLine("Dec 31 23:59:59 h sshd[1]: Accepted publickey for a from 1.2.3.4 port 1",
                       absl::FromCivil(absl::CivilSecond(2027, 1, 1, 0, 0, 5), kZone), kZone);
  REQUIRE(r);
  CHECK(r->time == absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 59, 59), kZone));

  CHECK_FALSE(ParseAuthLogLine(
      "Nov 23 10:16:04 h sshd[2300]: pam_unix(sshd:auth): authentication failure; logname= "
      "uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7",
      kNow, kZone));
  CHECK_FALSE(ParseAuthLogLine("garbage", kNow, kZone));
}

TEST_CASE("The auth log fixture: each attempt counted once", "[logins]") {
  absl::StatusOr<std::string> text = ReadFile(TestDataDir() + "/oracle/auth.log");
  REQUIRE(text.ok());
  std::map<std::string, int> counts;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (auto r = ParseAuthLogLine(line, kNow, kZone)) ++counts[r->service + "/" + r->result];
  }
  CHECK(counts == std::map<std::string, int>{{"sshd/accepted", 3},
                                             {"sshd/failed", 4},
                                             {"sshd/invalid_user", 1},
                                             {"su/failed", 1},
                                             {"su/accepted", 1},
                                             {"sudo/accepted", 1},
                                             {"sudo/failed", 2},
                                             {"login/failed", 1},
                                             {"login/accepted", 1}});
}

TEST_CASE("logins source follows the auth log", "[logins]") {
  TempDir dir;
  dir.WriteFile("var/log/secure",
                "Nov 23 09:00:00 h sshd[1]: Failed password for x from 1.1.1.1 port 1 ssh2\n");
  SourceOptions options;
  options.root_fs = dir.path();
  options.state_dir = dir.Path("state");
  auto source = CreateLoginsSource(options);
  REQUIRE(source.ok());
  ProcessTable table(dir.path());
  TickContext tick{kNow, &table};
  RecordingSink sink;
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.Find("vigil_logins_log_found") == 1);  // /var/log/secure: no auth.log here
  CHECK(sink.Find("vigil_logins_total", {{"service", "sshd"}, {"result", "failed"}}) == 0);

  absl::StatusOr<std::string> text = ReadFile(TestDataDir() + "/oracle/auth.log");
  REQUIRE(text.ok());
  std::ofstream(dir.Path("var/log/secure"), std::ios::app) << *text;
  sink.Clear();
  tick.now += absl::Seconds(1);
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.Find("vigil_logins_total", {{"service", "sshd"}, {"result", "failed"}}) == 4);
  CHECK(sink.Find("vigil_logins_total", {{"service", "sudo"}, {"result", "failed"}}) == 2);
  CHECK(sink.EventsOf("login_failed").size() == 9);
  std::vector<Event> accepted = sink.EventsOf("login_accepted");
  REQUIRE(accepted.size() == 6);
  CHECK(accepted[0].severity == EventSeverity::kInfo);
  CHECK(accepted[0].message == "sshd: accepted login for user oracle from 10.1.1.5 (publickey)");
  CHECK(accepted[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"service", "sshd"}});
  CHECK(sink.DuplicateSeries().empty());
}

}  // namespace
}  // namespace vigil::agent
