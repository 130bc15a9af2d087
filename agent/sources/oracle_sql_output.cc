#include "agent/sources/oracle_sql_output.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/utf8.h"

namespace vigil::agent {
namespace {

constexpr size_t kMaxLineBytes = 64 << 10;
constexpr size_t kMaxMetricBytes = 128;
constexpr size_t kMaxLabels = 8;
constexpr size_t kMaxLabelValueBytes = 256;
constexpr size_t kMaxNameBytes = 64;  // label names, check names, event kinds

bool IsLowerName(absl::string_view name, size_t max_bytes) {
  if (name.empty() || name.size() > max_bytes) return false;
  if (absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

// Why a metric name is refused; empty if it is accepted.
std::string CheckMetricName(absl::string_view metric) {
  if (!absl::StartsWith(metric, "oracle_") || metric.size() == 7) {
    return "metric name must start with oracle_";
  }
  if (!IsLowerName(metric, kMaxMetricBytes)) return "metric name must match [a-z0-9_]{1,128}";
  if (absl::StartsWith(metric, "oracle_sql_")) {
    return "metric names oracle_sql_* are the agent's own";
  }
  return "";
}

// Parses "name=value,name=value" (empty: no labels); the error says why not.
bool ParseLabels(absl::string_view text, OracleSqlLabels* labels, std::string* error) {
  labels->clear();
  if (text.empty()) return true;
  for (absl::string_view pair : absl::StrSplit(text, ',')) {
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) {
      *error = absl::StrCat("label without '=': \"", pair.substr(0, 40), "\"");
      return false;
    }
    const absl::string_view name = pair.substr(0, eq);
    if (!IsLowerName(name, kMaxNameBytes)) {
      *error = absl::StrCat("bad label name \"", name.substr(0, 40), "\"");
      return false;
    }
    if (name == "instance" || name == "instance_name" || absl::StartsWith(name, "__")) {
      *error = absl::StrCat("label ", name, " is reserved");
      return false;
    }
    for (const auto& [existing, unused] : *labels) {
      if (existing == name) {
        *error = absl::StrCat("label ", name, " given twice");
        return false;
      }
    }
    std::string value;
    if (!PercentDecode(pair.substr(eq + 1), &value)) {
      *error = absl::StrCat("bad %-escape in label ", name);
      return false;
    }
    if (value.size() > kMaxLabelValueBytes || !IsValidUtf8(value)) {
      *error = absl::StrCat("label ", name, " is longer than 256 bytes or not UTF-8");
      return false;
    }
    labels->emplace_back(std::string(name), std::move(value));
    if (labels->size() > kMaxLabels) {
      *error = "more than 8 labels";
      return false;
    }
  }
  return true;
}

bool ParseSeverity(absl::string_view text, EventSeverity* severity) {
  if (text == "info") {
    *severity = EventSeverity::kInfo;
  } else if (text == "warning") {
    *severity = EventSeverity::kWarning;
  } else if (text == "critical") {
    *severity = EventSeverity::kCritical;
  } else {
    return false;
  }
  return true;
}

// The state of one parse: the open check section and what it has seen so far.
class Parser {
 public:
  Parser(const OracleSqlOutputLimits& limits, OracleSqlOutput* out) : limits_(limits), out_(out) {}

  void Line(int number, absl::string_view line);
  void Finish() { CloseSection(); }

 private:
  void Garbage(int number, absl::string_view why) {
    if (section_ >= 0) {
      section_garbage_.Add(number, why);
    } else {
      out_->garbage.Add(number, why);
    }
  }
  void OpenSection(absl::string_view name);
  void CloseSection();
  void Record(int number, const std::vector<absl::string_view>& fields);
  void EventLine(int number, const std::vector<absl::string_view>& fields);

  const OracleSqlOutputLimits& limits_;
  OracleSqlOutput* const out_;
  int section_ = -1;              // index into out_->checks, or -1
  SkippedLines section_garbage_;  // unrecognised lines of the open section
};

void Parser::OpenSection(absl::string_view name) {
  CloseSection();
  for (size_t i = 0; i < out_->checks.size(); ++i) {
    if (out_->checks[i].name == name) {
      section_ = static_cast<int>(i);
      return;
    }
  }
  if (out_->checks.size() >= limits_.max_checks) return;
  out_->checks.push_back(OracleSqlCheck{std::string(name), ""});
  section_ = static_cast<int>(out_->checks.size()) - 1;
}

void Parser::CloseSection() {
  if (section_ >= 0 && out_->checks[section_].error.empty()) {
    // No error reported in the section: its unrecognised lines are garbage.
    if (section_garbage_.count > 0 && out_->garbage.count == 0) {
      out_->garbage.first = section_garbage_.first;
    }
    out_->garbage.count += section_garbage_.count;
  }
  section_ = -1;
  section_garbage_ = SkippedLines();
}

void Parser::Record(int number, const std::vector<absl::string_view>& fields) {
  if (fields.size() != 4) {
    Garbage(number, absl::StrCat("VIGIL record has ", fields.size(), " fields, not 4"));
    return;
  }
  const std::string bad_name = CheckMetricName(fields[1]);
  if (!bad_name.empty()) {
    Garbage(number, bad_name);
    return;
  }
  OracleSqlRecord record;
  std::string error;
  if (!ParseLabels(fields[2], &record.labels, &error)) {
    Garbage(number, error);
    return;
  }
  const absl::string_view value = absl::StripAsciiWhitespace(fields[3]);
  if (!absl::SimpleAtod(value, &record.value) || !std::isfinite(record.value)) {
    Garbage(number, absl::StrCat("value \"", value.substr(0, 40), "\" is not a finite number"));
    return;
  }
  if (out_->records.size() >= limits_.max_records) {
    ++out_->records_dropped;
    return;
  }
  record.metric = std::string(fields[1]);
  out_->records.push_back(std::move(record));
}

void Parser::EventLine(int number, const std::vector<absl::string_view>& fields) {
  if (fields.size() != 5) {
    Garbage(number, absl::StrCat("VIGIL_EVENT has ", fields.size(), " fields, not 5"));
    return;
  }
  OracleSqlEvent event;
  if (!absl::StartsWith(fields[1], "oracle_") || !IsLowerName(fields[1], kMaxNameBytes)) {
    Garbage(number, "event kind must be oracle_[a-z0-9_]+");
    return;
  }
  if (!ParseSeverity(fields[2], &event.severity)) {
    Garbage(number, "event severity must be info, warning or critical");
    return;
  }
  std::string error;
  if (!ParseLabels(fields[3], &event.labels, &error)) {
    Garbage(number, error);
    return;
  }
  if (!PercentDecode(fields[4], &event.text)) {
    Garbage(number, "bad %-escape in event text");
    return;
  }
  if (out_->events.size() >= limits_.max_events) {
    ++out_->events_dropped;
    return;
  }
  event.kind = std::string(fields[1]);
  event.text = ToValidUtf8(event.text);
  out_->events.push_back(std::move(event));
}

void Parser::Line(int number, absl::string_view line) {
  line = absl::StripTrailingAsciiWhitespace(line);  // trailing blanks, '\r'
  if (absl::StripLeadingAsciiWhitespace(line).empty()) return;
  if (out_->ended) {
    Garbage(number, "line after VIGIL_END");
    return;
  }
  if (line.size() > kMaxLineBytes) {
    Garbage(number, "line longer than 64 KiB");
    return;
  }
  if (!absl::StartsWith(line, "VIGIL")) {
    const absl::string_view stripped = absl::StripLeadingAsciiWhitespace(line);
    if (IsOracleErrorLine(stripped)) {
      if (section_ >= 0) {
        std::string& error = out_->checks[section_].error;
        if (error.empty()) error = ToValidUtf8(stripped.substr(0, 200));
        return;
      }
      if (out_->first_error.empty()) out_->first_error = ToValidUtf8(stripped.substr(0, 200));
    }
    Garbage(number, absl::StrCat("not a VIGIL record: \"", ToValidUtf8(line.substr(0, 40)), "\""));
    return;
  }
  const std::vector<absl::string_view> fields = absl::StrSplit(line, '|');
  const absl::string_view tag = fields[0];
  if (tag == "VIGIL") {
    if (!out_->begun) {
      Garbage(number, "record before VIGIL_BEGIN");
      return;
    }
    Record(number, fields);
  } else if (tag == "VIGIL_EVENT") {
    if (!out_->begun) {
      Garbage(number, "event before VIGIL_BEGIN");
      return;
    }
    EventLine(number, fields);
  } else if (tag == "VIGIL_CHECK") {
    if (fields.size() != 2 || !IsLowerName(fields[1], kMaxNameBytes)) {
      Garbage(number, "VIGIL_CHECK needs one name of [a-z0-9_]");
      return;
    }
    OpenSection(fields[1]);
  } else if (tag == "VIGIL_ERROR") {
    std::string text;
    if (fields.size() != 3 || !IsLowerName(fields[1], kMaxNameBytes) ||
        !PercentDecode(fields[2], &text)) {
      Garbage(number, "VIGIL_ERROR needs a check name and a text");
      return;
    }
    OpenSection(fields[1]);
    if (section_ >= 0 && out_->checks[section_].error.empty()) {
      out_->checks[section_].error = ToValidUtf8(text.substr(0, 200));
      if (out_->checks[section_].error.empty()) out_->checks[section_].error = "failed";
    }
  } else if (tag == "VIGIL_BEGIN") {
    int version = 0;
    if (out_->begun || fields.size() != 3 || !absl::SimpleAtoi(fields[1], &version) ||
        version != 1) {
      Garbage(number, "VIGIL_BEGIN must come once, as VIGIL_BEGIN|1|<script version>");
      return;
    }
    out_->begun = true;
    out_->format_version = version;
    out_->script_version = ToValidUtf8(fields[2].substr(0, 64));
  } else if (tag == "VIGIL_END") {
    if (fields.size() != 1 || !out_->begun) {
      Garbage(number, "VIGIL_END must be alone on its line, after VIGIL_BEGIN");
      return;
    }
    CloseSection();
    out_->ended = true;
  } else {
    Garbage(number, absl::StrCat("unknown tag \"", ToValidUtf8(tag.substr(0, 40)), "\""));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(absl::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = HexDigit(text[i + 1]);
    const int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

bool IsOracleErrorLine(absl::string_view line) {
  for (absl::string_view prefix : {"ORA-", "SP2-", "PLS-", "TNS-"}) {
    if (!absl::StartsWith(line, prefix)) continue;
    size_t digits = 0;
    size_t i = prefix.size();
    while (i < line.size() && absl::ascii_isdigit(static_cast<unsigned char>(line[i]))) {
      ++digits;
      ++i;
    }
    return digits >= 4 && i < line.size() && line[i] == ':';
  }
  return false;
}

OracleSqlOutput ParseOracleSqlOutput(absl::string_view text, const OracleSqlOutputLimits& limits) {
  OracleSqlOutput out;
  Parser parser(limits, &out);
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    parser.Line(number, line);
  }
  parser.Finish();
  return out;
}

}  // namespace vigil::agent
