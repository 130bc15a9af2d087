#include "agent/sources/oracle_sql_output.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/child_process.h"
#include "tests/support/temp_dir.h"

namespace vigil::agent {
namespace {

std::string Fixture(const std::string& name) {
  return ReadAll(vigil::testing::TestDataDir() + "/oracle/" + name);
}

const OracleSqlRecord* FindRecord(const OracleSqlOutput& out, const std::string& metric,
                                  const OracleSqlLabels& labels) {
  for (const OracleSqlRecord& r : out.records) {
    if (r.metric == metric && r.labels == labels) return &r;
  }
  return nullptr;
}

TEST_CASE("a 19c primary's output parses into records, checks and one top-SQL event",
          "[oracle_sql]") {
  const OracleSqlOutput out = ParseOracleSqlOutput(Fixture("primary_19c.out"));
  CHECK(out.begun);
  CHECK(out.ended);
  CHECK(out.script_version == "vigil_checks.sql 1.0");
  CHECK(out.garbage.count == 0);
  CHECK(out.records.size() == 59);
  const OracleSqlRecord* ratio = FindRecord(
      out, "oracle_tablespace_used_ratio", {{"tablespace", "HIS_DATA"}, {"contents", "permanent"}});
  REQUIRE(ratio != nullptr);
  CHECK(ratio->value == Approx(0.966667));  // Oracle's ".966667"
  REQUIRE(FindRecord(out, "oracle_fra_used_ratio", {}) != nullptr);
  CHECK(FindRecord(out, "oracle_archive_dest_error",
                   {{"dest", "log_archive_dest_2"}, {"status", "error"}})
            ->value == 1);
  REQUIRE(out.checks.size() == 12);
  for (const OracleSqlCheck& check : out.checks) CHECK(check.error.empty());
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].kind == "oracle_top_sql");
  CHECK(out.events[0].severity == EventSeverity::kInfo);
  CHECK(out.events[0].text ==
        "sql_id 7b2twsn8vgfsc executions 18244 elapsed_s 912.441 cpu_s 640.12 buffer_gets "
        "99124410 text SELECT PATIENT_ID, NAME FROM HIS.PATIENT WHERE WARD_ID = :B1\n"
        "sql_id 0w2qpuc6u2zsp executions 1 elapsed_s 301.5 cpu_s 288.1 buffer_gets 8812345 "
        "text BEGIN DBMS_STATS.GATHER_DATABASE_STATS_JOB_PROC; END;");
}

TEST_CASE(
    "a check that SQL*Plus reports failed (ORA-01219 on a mounted standby) is a failed "
    "check, not garbage",
    "[oracle_sql]") {
  const OracleSqlOutput out = ParseOracleSqlOutput(Fixture("standby_mounted.out"));
  CHECK(out.ended);
  CHECK(out.garbage.count == 0);
  REQUIRE(out.checks.size() == 4);
  CHECK(out.checks[1].name == "tablespace");
  CHECK(out.checks[1].error ==
        "ORA-01219: database not open: queries allowed on fixed tables/views only");
  CHECK(out.checks[2].name == "dataguard");
  CHECK(out.checks[2].error.empty());
  CHECK(FindRecord(out, "oracle_dataguard_apply_lag_seconds", {})->value == 125);
}

TEST_CASE("garbage is rejected line by line with the first line's number and why", "[oracle_sql]") {
  const OracleSqlOutput out = ParseOracleSqlOutput(Fixture("garbage.out"));
  CHECK(out.ended);
  // Only the first record is good; the login.sql line, 8 bad records and the bare
  // column line are garbage.
  CHECK(out.records.size() == 1);
  CHECK(out.garbage.count == 10);
  CHECK(out.garbage.first ==
        "line 1: not a VIGIL record: \"Hello from a login.sql that sets things\"");

  struct Case {
    std::string line;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {"VIGIL|oracle_x|a=1", "fields, not 4"},
           {"VIGIL|vigil_agent_up||1", "must start with oracle_"},
           {"VIGIL|oracle_sql_up||1", "agent's own"},
           {"VIGIL|oracle_x|instance_name=OTHER|3", "reserved"},
           {"VIGIL|oracle_x|instance=OTHER|3", "reserved"},
           {"VIGIL|oracle_x|s=%ZZ|3", "bad %-escape"},
           {"VIGIL|oracle_x||12,5", "not a finite number"},
           {"VIGIL|oracle_x||NaN", "not a finite number"},
           {"VIGIL|oracle_x||inf", "not a finite number"},
           {"VIGIL|Oracle_X||1", "must start with oracle_"},
           {"VIGIL|oracle_x|a=1,a=2|1", "given twice"},
           {"VIGIL|oracle_x|A=1|1", "bad label name"},
           {"VIGIL|oracle_x|a|1", "without '='"},
           {"VIGIL_EVENT|oracle_top_sql|urgent||x", "severity"},
           {"VIGIL_EVENT|top_sql|info||x", "event kind"},
           {"VIGIL_BEGIN|2|x", "VIGIL_BEGIN"},
           {"VIGIL_NOPE|x", "unknown tag"},
           {std::string(70000, 'x'), "longer than 64 KiB"},
       }) {
    INFO(c.line.substr(0, 60));
    const OracleSqlOutput one =
        ParseOracleSqlOutput(absl::StrCat("VIGIL_BEGIN|1|t\n", c.line, "\nVIGIL_END\n"));
    CHECK(one.records.empty());
    CHECK(one.events.empty());
    CHECK(one.garbage.count == 1);
    CHECK(absl::StrContains(one.garbage.first, "line 2: "));
    CHECK(absl::StrContains(one.garbage.first, c.why));
  }
  // Records before VIGIL_BEGIN and lines after VIGIL_END are garbage too.
  const OracleSqlOutput order =
      ParseOracleSqlOutput("VIGIL|oracle_x||1\nVIGIL_BEGIN|1|t\nVIGIL_END\nVIGIL|oracle_x||1\n");
  CHECK(order.records.empty());
  CHECK(order.garbage.count == 2);
}

TEST_CASE("an output without VIGIL_END is truncated; its whole records are kept", "[oracle_sql]") {
  const OracleSqlOutput out = ParseOracleSqlOutput(Fixture("truncated.out"));
  CHECK(out.begun);
  CHECK_FALSE(out.ended);
  CHECK(out.records.size() == 2);
  CHECK(out.garbage.count == 1);  // the cut line
  CHECK_FALSE(ParseOracleSqlOutput("").begun);
}

TEST_CASE("hostile label values are decoded or refused, never split into other labels",
          "[oracle_sql]") {
  const OracleSqlOutput out = ParseOracleSqlOutput(Fixture("hostile_labels.out"));
  CHECK(out.ended);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].labels ==
        OracleSqlLabels{{"tablespace", "A|B,C=D%E\nF"}, {"contents", "permanent"}});
  CHECK(out.records[1].labels ==
        OracleSqlLabels{{"tablespace", "病历数据"}, {"contents", "permanent"}});
  // A raw '|', a repeated name, an upper-case name, 9 labels, invalid UTF-8, "__name__",
  // "instance", and an unknown severity.
  CHECK(out.garbage.count == 8);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].severity == EventSeverity::kWarning);
  CHECK(out.events[0].labels == OracleSqlLabels{{"sql_id", "abc"}});
  CHECK(out.events[0].text == "DROP TABLE x;\n-- | pipes %");
}

TEST_CASE("records and events beyond the caps are dropped and counted", "[oracle_sql]") {
  std::string text = "VIGIL_BEGIN|1|t\n";
  for (int i = 0; i < 30; ++i) {
    absl::StrAppend(&text, "VIGIL|oracle_x|n=", i, "|", i, "\n");
    absl::StrAppend(&text, "VIGIL_EVENT|oracle_e|info||", i, "\n");
  }
  text += "VIGIL_END\n";
  const OracleSqlOutput out =
      ParseOracleSqlOutput(text, OracleSqlOutputLimits{.max_records = 25, .max_events = 20});
  CHECK(out.records.size() == 25);
  CHECK(out.records_dropped == 5);
  CHECK(out.events.size() == 20);
  CHECK(out.events_dropped == 10);
  CHECK(out.garbage.count == 0);
}

TEST_CASE("percent decoding and Oracle error lines", "[oracle_sql]") {
  std::string out;
  CHECK(PercentDecode("a%7Cb%2c%25", &out));
  CHECK(out == "a|b,%");
  CHECK_FALSE(PercentDecode("50%", &out));
  CHECK_FALSE(PercentDecode("%4", &out));
  CHECK_FALSE(PercentDecode("%G1", &out));
  CHECK(IsOracleErrorLine("ORA-01034: ORACLE not available"));
  CHECK(IsOracleErrorLine("SP2-0751: Unable to connect to Oracle."));
  CHECK(IsOracleErrorLine("TNS-12541: TNS:no listener"));
  CHECK_FALSE(IsOracleErrorLine("ORA-: x"));
  CHECK_FALSE(IsOracleErrorLine("Linux-x86_64 Error: 2"));
}

}  // namespace
}  // namespace vigil::agent
