#include "collector/ctl/events_command.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "collector/ctl/output.h"
#include "collector/ctl/time_flags.h"
#include "common/utf8.h"

namespace vigil::ctl {
namespace {

// Agent text (a SQL comment, a log line) may hold terminal escape sequences: shown as
// \xNN, never sent to the operator's terminal. Newlines are kept only where `keep_newline`.
std::string Printable(absl::string_view text, bool keep_newline) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(keep_newline && c == '\n') && c != '\t') || u == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ListEventsRequest> EventsRequestFor(const EventsFlags& flags, absl::Time now) {
  v1::ListEventsRequest req;
  req.set_host(flags.host);
  const std::string since = flags.start.empty() && flags.since.empty() ? "24h" : flags.since;
  absl::StatusOr<TimeRange> range = RangeFlags(flags.start, since, flags.end, now);
  if (!range.ok()) return range.status();
  req.set_start_ms(absl::ToUnixMillis(range->start));
  req.set_end_ms(absl::ToUnixMillis(range->end));
  for (const std::string& kind : flags.kinds) req.add_kinds(kind);
  if (!flags.min_severity.empty() && flags.min_severity != "info" &&
      flags.min_severity != "warning" && flags.min_severity != "critical") {
    return absl::InvalidArgumentError(
        absl::StrCat("--severity: \"", flags.min_severity, "\" must be info, warning or critical"));
  }
  req.set_min_severity(flags.min_severity);
  for (const std::string& label : flags.labels) {
    std::pair<std::string, std::string> kv = absl::StrSplit(label, absl::MaxSplits('=', 1));
    if (kv.first.empty() || label.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--label: \"", label, "\" must be name=value, e.g. code=ORA-00600"));
    }
    v1::Label* l = req.add_labels();
    l->set_name(kv.first);
    l->set_value(kv.second);
  }
  if (flags.limit < 1 || flags.limit > 10'000) {
    return absl::InvalidArgumentError("--limit: must be from 1 to 10000");
  }
  req.set_limit(flags.limit);
  return req;
}

std::string FormatEventsTable(const v1::ListEventsResponse& events, absl::TimeZone zone,
                              bool full) {
  if (events.events().empty()) return "no events in the period\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "HOST", "KIND", "SEVERITY", "LABELS", "MESSAGE"}};
  std::string out;
  auto labels_of = [](const v1::Event& e) {
    return absl::StrJoin(e.labels(), ",", [](std::string* o, const v1::Label& l) {
      absl::StrAppend(o, Printable(l.name(), false), "=", Printable(l.value(), false));
    });
  };
  if (full) {
    for (const v1::StoredEvent& stored : events.events()) {
      const v1::Event& e = stored.event();
      absl::StrAppend(
          &out,
          absl::FormatTime("%Y-%m-%d %H:%M:%E3S %Z", absl::FromUnixMillis(e.timestamp_ms()), zone),
          "  ", Printable(stored.host(), false), "  ", Printable(e.kind(), false), "  ",
          Printable(e.severity(), false), "  ", labels_of(e), "\n");
      const std::string message = Printable(e.message(), true);
      for (absl::string_view line : absl::StrSplit(message, '\n')) {
        absl::StrAppend(&out, "    ", line, "\n");
      }
    }
  } else {
    for (const v1::StoredEvent& stored : events.events()) {
      const v1::Event& e = stored.event();
      absl::string_view first = e.message();
      first = first.substr(0, first.find('\n'));
      std::string message = Printable(TruncateUtf8(first, 120), false);
      if (message.size() < e.message().size()) message += " …";
      rows.push_back(
          {absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", absl::FromUnixMillis(e.timestamp_ms()), zone),
           Printable(stored.host(), false), Printable(e.kind(), false),
           Printable(e.severity(), false), labels_of(e), message});
    }
    out = Table(rows);
  }
  if (events.truncated()) {
    absl::StrAppend(&out, "(only the newest ", events.events_size(),
                    " shown: narrow the range or raise --limit)\n");
  }
  return out;
}

}  // namespace vigil::ctl
