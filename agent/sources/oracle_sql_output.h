// The output of the Oracle SQL checks (deploy/oracle/vigil_checks.sql, run by
// oracle_sql.h through sqlplus), parsed apart from running it.
//
// The format (deploy/oracle/README.md, "Output format"), one record per line, fields
// separated by '|':
//   VIGIL_BEGIN|<format version, 1>|<script version>
//   VIGIL_CHECK|<check>                         starts the section of one check
//   VIGIL|<metric>|<name>=<value>,...|<number>  a sample (labels may be empty)
//   VIGIL_EVENT|<kind>|<info|warning|critical>|<name>=<value>,...|<text>
//   VIGIL_ERROR|<check>|<text>                  a check that caught its own error
//   VIGIL_END                                   the last line: without it, truncated
// Label values and event text are percent-encoded: '%', '|', ',', '=', and control
// characters are written as %XX (two hex digits); any %XX is decoded.
//
// SQL*Plus prints a failed statement's error itself ("ERROR at line 1:", "ORA-00942:
// ..."), with the statement's line and a '*' under it: inside a check section, an
// ORA-/SP2-/PLS- line marks the check failed, and the other unrecognised lines of that
// section are part of the error report. Elsewhere, or in a section without such an
// error, an unrecognised line is garbage: counted, the first one kept with its number.
// Blank lines are ignored.
//
// Limits: metric names match ^oracle_[a-z0-9_]+$ (at most 128 bytes) and must not start
// with oracle_sql_ (the agent's own); label names match ^[a-z_][a-z0-9_]*$, at most 8 per
// record, never "instance" or "instance_name" (the agent adds instance_name); values at
// most 256 bytes of UTF-8; records and events beyond the caps are dropped and counted.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

using OracleSqlLabels = std::vector<std::pair<std::string, std::string>>;

struct OracleSqlRecord {
  std::string metric;
  OracleSqlLabels labels;
  double value = 0;
};

struct OracleSqlEvent {
  std::string kind;
  EventSeverity severity = EventSeverity::kInfo;
  OracleSqlLabels labels;
  std::string text;
};

// A check and, if it failed, the first error line that says why ("ORA-00942: table or
// view does not exist").
struct OracleSqlCheck {
  std::string name;
  std::string error;  // empty: the check ran
};

struct OracleSqlOutputLimits {
  size_t max_records = 10000;
  size_t max_events = 20;
  size_t max_checks = 64;
};

struct OracleSqlOutput {
  bool begun = false;  // VIGIL_BEGIN seen
  bool ended = false;  // VIGIL_END seen: the output is complete
  int format_version = 0;
  std::string script_version;
  std::vector<OracleSqlRecord> records;
  std::vector<OracleSqlEvent> events;
  std::vector<OracleSqlCheck> checks;  // in output order, each name once
  uint64_t records_dropped = 0;
  uint64_t events_dropped = 0;
  SkippedLines garbage;  // "line N: why"
  // The first ORA-/SP2-/TNS- line outside any check (a failed logon), for the log.
  std::string first_error;
};

// Parses the whole output of one run. Never fails: what cannot be used is counted.
OracleSqlOutput ParseOracleSqlOutput(absl::string_view text,
                                     const OracleSqlOutputLimits& limits = {});

// Decodes %XX escapes; false on a '%' not followed by two hex digits.
bool PercentDecode(absl::string_view text, std::string* out);

// Whether `line` (stripped) is an error line of Oracle's tools: "ORA-01034: ...",
// "SP2-0640: ...", "PLS-00201: ...", "TNS-12541: ...".
bool IsOracleErrorLine(absl::string_view line);

}  // namespace vigil::agent
