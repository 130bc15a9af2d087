#include "agent/sources/oracle_alert_log.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "agent/sources/oracle_discovery.h"
#include "agent/sources/process_table.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using namespace std::string_literals;
using testing::RecordingSink;
using testing::TempDir;
using testing::TestDataDir;

std::string Fixture(const std::string& name) {
  absl::StatusOr<std::string> text = ReadFile(TestDataDir() + "/oracle/" + name);
  REQUIRE(text.ok());
  return *text;
}

std::vector<AlertLogEntry> ParseAll(const std::string& text, absl::TimeZone zone) {
  AlertLogParser parser(zone);
  for (absl::string_view line : absl::StrSplit(text, '\n')) parser.AddLine(line);
  parser.Finish();
  return parser.TakeEntries();
}

TEST_CASE("FindOraCodes normalises to five digits and skips look-alikes", "[alert_log]") {
  CHECK(FindOraCodes("ORA-1653: unable to extend") == std::vector<std::string>{"ORA-01653"});
  CHECK(FindOraCodes("ORA-00600: x ORA-600 ORA-07445") ==
        std::vector<std::string>{"ORA-00600", "ORA-07445"});
  CHECK(FindOraCodes("XORA-00600 ORA- ORA-123456 ORA-x").empty());
  CHECK(FindOraCodes("(ORA-01555)") == std::vector<std::string>{"ORA-01555"});
  CHECK(IsCriticalOraCode("ORA-00600"));
  CHECK_FALSE(IsCriticalOraCode("ORA-06512"));
}

TEST_CASE("Alert log timestamps of 11g and 12c+", "[alert_log]") {
  absl::Time t;
  absl::string_view rest;
  REQUIRE(ParseAlertLogTimestamp("Mon Nov 23 10:15:02 2026", absl::UTCTimeZone(), &t, &rest));
  CHECK(t == absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 15, 2), absl::UTCTimeZone()));
  REQUIRE(ParseAlertLogTimestamp("Mon Nov  2 10:30:00 2026", absl::UTCTimeZone(), &t, &rest));
  CHECK(t == absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 30, 0), absl::UTCTimeZone()));
  REQUIRE(
      ParseAlertLogTimestamp("2026-11-23T10:15:02.123456+08:00", absl::UTCTimeZone(), &t, &rest));
  CHECK(t == absl::FromCivil(absl::CivilSecond(2026, 11, 23, 2, 15, 2), absl::UTCTimeZone()) +
                 absl::Microseconds(123456));
  CHECK(rest.empty());
  REQUIRE(ParseAlertLogTimestamp("2026-11-23T10:15:02.000000+08:00 ORA-04031: x",
                                 absl::UTCTimeZone(), &t, &rest));
  CHECK(rest == "ORA-04031: x");
  CHECK_FALSE(
      ParseAlertLogTimestamp("Completed: ALTER DATABASE OPEN", absl::UTCTimeZone(), &t, &rest));
  CHECK_FALSE(ParseAlertLogTimestamp("Thread 1 advanced to log sequence 4512", absl::UTCTimeZone(),
                                     &t, &rest));
}

TEST_CASE("AlertLogParser on an 11g alert log", "[alert_log]") {
  const absl::TimeZone zone = absl::FixedTimeZone(8 * 3600);
  std::vector<AlertLogEntry> entries = ParseAll(Fixture("alert_HIS11_11g.log"), zone);
  REQUIRE(entries.size() == 9);
  CHECK(entries[0].notes == std::vector<std::string>{"startup"});
  CHECK(entries[2].notes == std::vector<std::string>{"log_switch"});
  CHECK(entries[3].notes == std::vector<std::string>{"checkpoint_not_complete"});
  const AlertLogEntry& e600 = entries[4];
  CHECK(e600.codes == std::vector<std::string>{"ORA-00600"});
  CHECK(e600.time == absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 15, 2), zone));
  CHECK(absl::StrContains(e600.text, "[kdsgrp1]"));
  CHECK(absl::StrContains(e600.text, "Incident details in:"));  // the whole block
  CHECK(entries[5].codes == std::vector<std::string>{"ORA-01653"});
  CHECK(entries[6].codes == std::vector<std::string>{"ORA-01555"});
  CHECK(absl::StrContains(entries[6].text, "SELECT * FROM HIS.ORDERS"));
  CHECK(entries[7].notes == std::vector<std::string>{"shutdown"});
  CHECK(entries[8].notes.empty());  // "Instance shutdown complete" is the same shutdown
}

TEST_CASE("AlertLogParser on a 19c alert log", "[alert_log]") {
  std::vector<AlertLogEntry> entries = ParseAll(Fixture("alert_HIS_19c.log"), absl::UTCTimeZone());
  REQUIRE(entries.size() == 9);
  CHECK(entries[0].notes == std::vector<std::string>{"startup"});
  CHECK(entries[1].text.find("Sys-V shared memory") != std::string::npos);
  CHECK(entries[3].notes == std::vector<std::string>{"log_switch"});
  CHECK(entries[4].codes == std::vector<std::string>{"ORA-00257"});
  CHECK(entries[5].codes == std::vector<std::string>{"ORA-00600"});
  CHECK(entries[6].codes == std::vector<std::string>{"ORA-12012", "ORA-01653", "ORA-06512"});
  CHECK(entries[7].codes == std::vector<std::string>{"ORA-04031"});
  CHECK(entries[7].time ==
        absl::FromCivil(absl::CivilSecond(2026, 11, 23, 2, 40, 0), absl::UTCTimeZone()));
  CHECK(entries[8].notes == std::vector<std::string>{"shutdown"});
}

TEST_CASE("AlertLogParser bounds an entry's text and continues a split entry", "[alert_log]") {
  AlertLogParser parser(absl::UTCTimeZone(), 100);
  parser.AddLine("2026-11-23T10:00:00.000000+00:00");
  for (int i = 0; i < 50; ++i) parser.AddLine(absl::StrCat("ORA-00600: line ", i));
  parser.Finish();
  parser.AddLine("ORA-07445: exception encountered: core dump");  // the rest, next read
  parser.Finish();
  std::vector<AlertLogEntry> entries = parser.TakeEntries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].text.size() < 140);
  CHECK(absl::StrContains(entries[0].text, "more lines)"));
  CHECK(entries[1].time == entries[0].time);
  CHECK(entries[1].codes == std::vector<std::string>{"ORA-07445"});
}

TEST_CASE("TraceDirOfPath and FindAlertLogUnderBase", "[alert_log]") {
  CHECK(TraceDirOfPath("/u01/app/oracle/diag/rdbms/his/HIS/trace/HIS_pmon_4242.trc") ==
        "/u01/app/oracle/diag/rdbms/his/HIS/trace");
  CHECK(TraceDirOfPath("/u01/oradata/HIS/system01.dbf").empty());
  TempDir base;
  base.WriteFile("diag/rdbms/his/HIS/trace/alert_HIS.log", "");
  CHECK(FindAlertLogUnderBase(base.path(), "HIS") ==
        base.Path("diag/rdbms/his/HIS/trace/alert_HIS.log"));
  CHECK(FindAlertLogUnderBase(base.path(), "OTHER").empty());
}

// A fixture /proc with ora_pmon_<sid> holding a trace file open (a symlink in fd/) and
// an environment.
void AddPmon(const TempDir& dir, int pid, const std::string& sid, const std::string& trace_file,
             const std::string& environ) {
  struct Proc {
    const TempDir& dir;
    void WriteFile(const std::string& name, const std::string& text) const {
      dir.WriteFile("proc/" + name, text);
    }
    std::string Path(const std::string& name) const { return dir.Path("proc/" + name); }
  } proc{dir};
  proc.WriteFile(absl::StrCat(pid, "/cmdline"), "ora_pmon_" + sid + "   ");
  proc.WriteFile(absl::StrCat(pid, "/stat"),
                 absl::StrCat(pid, " (ora_pmon_", sid, ") S 1 ", pid, " ", pid,
                              " 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 500 221184000 2500\n"));
  proc.WriteFile(absl::StrCat(pid, "/environ"), environ);
  std::filesystem::create_directories(proc.Path(absl::StrCat(pid, "/fd")));
  if (!trace_file.empty()) {
    std::filesystem::create_symlink("/dev/null", proc.Path(absl::StrCat(pid, "/fd/0")));
    std::filesystem::create_symlink(trace_file, proc.Path(absl::StrCat(pid, "/fd/3")));
  }
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

TEST_CASE("oracle_alert_log source: auto-discovery, counts, events, restart", "[alert_log]") {
  TempDir dir;
  const std::string trace = dir.Path("base/diag/rdbms/his/HIS/trace");
  const std::string alert = trace + "/alert_HIS.log";
  dir.WriteFile("base/diag/rdbms/his/HIS/trace/alert_HIS.log",
                "2020-01-01T00:00:00.000000+08:00\nORA-00600: years old, not reported\n");
  dir.WriteFile("base/diag/rdbms/lis/LIS/trace/alert_LIS.log", "");
  dir.WriteFile("proc/stat", "btime 1700000000\n");
  // HIS: found through the pmon's open trace file; LIS: through ORACLE_BASE in its
  // environment; GONE: not running.
  AddPmon(dir, 100, "HIS", trace + "/HIS_pmon_100.trc", "PATH=/bin\0ORACLE_SID=HIS\0"s);
  AddPmon(dir, 200, "LIS", "", "ORACLE_SID=LIS\0ORACLE_BASE="s + dir.Path("base") + "\0"s);

  SourceOptions options;
  options.proc_root = dir.Path("proc");
  options.state_dir = dir.Path("state");
  for (const char* sid : {"HIS", "LIS", "GONE"}) {
    OracleInstanceOptions instance;
    instance.sid = sid;
    options.oracle.instances.push_back(instance);
  }
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auto collect = [&](Source& source, RecordingSink& sink) {
    ProcessTable table(options.proc_root);
    TickContext tick{now, &table};
    now += absl::Seconds(10);
    sink.Clear();
    REQUIRE(source.Collect(tick, sink).ok());
  };
  {
    auto source = CreateOracleAlertLogSource(options);
    REQUIRE(source.ok());
    RecordingSink sink;
    collect(**source, sink);
    CHECK(sink.Find("oracle_alert_log_found", {{"instance_name", "HIS"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_found", {{"instance_name", "LIS"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_found", {{"instance_name", "GONE"}}) == 0);
    CHECK(sink.Find("oracle_alert_log_up", {{"instance_name", "GONE"}}) == 0);
    CHECK(sink.events().empty());  // history is not replayed
    CHECK(sink.Find("oracle_alert_log_critical_errors_total",
                    {{"instance_name", "HIS"}, {"code", "ORA-00600"}}) == 0);

    Append(alert, Fixture("alert_HIS_19c.log"));
    collect(**source, sink);
    CHECK(sink.Find("oracle_alert_log_lines_total", {{"instance_name", "HIS"}}) == 26);
    CHECK(sink.Find("oracle_alert_log_errors_total",
                    {{"instance_name", "HIS"}, {"code", "ORA-06512"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_critical_errors_total",
                    {{"instance_name", "HIS"}, {"code", "ORA-00600"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_critical_errors_total",
                    {{"instance_name", "HIS"}, {"code", "ORA-01653"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_error_entries_total", {{"instance_name", "HIS"}}) == 4);
    CHECK(sink.Find("oracle_alert_log_messages_total",
                    {{"instance_name", "HIS"}, {"type", "log_switch"}}) == 1);
    CHECK(sink.Find("oracle_alert_log_last_entry_timestamp_seconds", {{"instance_name", "HIS"}}) ==
          absl::ToUnixSeconds(
              absl::FromCivil(absl::CivilSecond(2026, 11, 23, 3, 0, 0), absl::UTCTimeZone())));
    std::vector<Event> events = sink.EventsOf("oracle_alert_log");
    REQUIRE(events.size() == 6);  // startup, 4 with errors, shutdown
    CHECK(events[0].severity == EventSeverity::kInfo);
    const Event& e600 = events[2];
    CHECK(e600.severity == EventSeverity::kCritical);
    CHECK(absl::StrContains(e600.message, "kcratr_nab_less_than_odr"));
    CHECK(e600.time ==
          absl::FromCivil(absl::CivilSecond(2026, 11, 23, 2, 15, 2), absl::UTCTimeZone()) +
              absl::Microseconds(123456));
    CHECK(events[3].labels == std::vector<std::pair<std::string, std::string>>{
                                  {"instance_name", "HIS"}, {"code", "ORA-01653"}});
    CHECK(sink.DuplicateSeries().empty());
    Append(alert, "2026-11-23T12:00:00.000000+08:00\nORA-07445: exception encountered\n");
  }  // the agent stops: the position is saved
  auto source = CreateOracleAlertLogSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  collect(**source, sink);
  std::vector<Event> events = sink.EventsOf("oracle_alert_log");
  REQUIRE(events.size() == 1);  // written while stopped, read once
  CHECK(events[0].labels[1].second == "ORA-07445");
  CHECK(sink.Find("oracle_alert_log_critical_errors_total",
                  {{"instance_name", "HIS"}, {"code", "ORA-07445"}}) == 1);
}

}  // namespace
}  // namespace vigil::agent
