#include "collector/notify/message_text.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/sample_value.h"
#include "common/time_parse.h"
#include "common/utf8.h"

namespace vigil::notify {
namespace {

// The words of a message in one language.
struct Words {
  const char* firing;
  const char* resolved;
  const char* escalated;
  const char* severity;
  const char* instance;
  const char* value;
  const char* started;
  const char* lasted;
  const char* flapping;
  const char* acknowledge;
  const char* acknowledged_by;
  const char* on_duty;
  const char* not_acked;  // "not acknowledged in %d min"
  const char* more;       // "... and %d more"
  const char* minutes;
};

constexpr Words kEnglish = {"FIRING",
                            "RESOLVED",
                            "ESCALATED",
                            "Severity",
                            "Instance",
                            "Value",
                            "Started",
                            "Lasted",
                            "Flapping: state changes too often, held firing",
                            "Acknowledge",
                            "Acknowledged by",
                            "On duty",
                            "Escalated: not acknowledged in",
                            "... and",
                            "min"};
constexpr Words kChinese = {"告警",
                            "已恢复",
                            "升级",
                            "级别",
                            "主机",
                            "当前值",
                            "开始时间",
                            "持续时间",
                            "抖动：状态频繁变化，保持告警",
                            "确认",
                            "已确认",
                            "值班",
                            "已升级：未在以下时间内确认",
                            "……另有",
                            "分钟"};

const Words& WordsFor(Language language) {
  return language == Language::kChinese ? kChinese : kEnglish;
}

std::string Severity(const AlertItem& alert) {
  std::string severity(alert.labels.Get("severity"));
  if (severity.empty()) severity = "warning";
  return absl::AsciiStrToUpper(severity);
}

std::string LocalTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", t, absl::LocalTimeZone());
}

std::string Title(const Notification& n, const Words& w) {
  size_t firing = 0;
  for (const AlertItem& a : n.alerts) firing += a.resolved ? 0 : 1;
  std::string title;
  if (n.escalated) absl::StrAppend(&title, "[", w.escalated, "]");
  if (firing > 0) {
    absl::StrAppend(&title, "[", w.firing, ":", firing, "]");
  } else {
    absl::StrAppend(&title, "[", w.resolved, "]");
  }
  std::vector<std::string> names;
  for (const AlertItem& a : n.alerts) {
    std::string name(a.labels.Get("alertname"));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  if (!n.group_key.empty()) absl::StrAppend(&title, " ", n.group_key);
  absl::StrAppend(&title, " ", absl::StrJoin(names, ", "));
  return std::string(TruncateUtf8(title, 200));
}

std::string AlertBlock(const AlertItem& a, const Words& w, Language language, TextFormat format) {
  const bool md = format == TextFormat::kMarkdown;
  const std::string bullet = md ? "- " : "  ";
  std::string out;
  const std::string status = a.resolved ? w.resolved : Severity(a);
  const std::string name(a.labels.Get("alertname"));
  const std::string instance(a.labels.Get("instance"));
  if (md) {
    absl::StrAppend(&out, "**[", status, "] ", name, "**", instance.empty() ? "" : " ", instance,
                    "\n");
  } else {
    absl::StrAppend(&out, "[", status, "] ", name, instance.empty() ? "" : " ", instance, "\n");
  }
  const std::string summary = AlertSummary(a, language);
  if (!summary.empty()) absl::StrAppend(&out, md ? "> " : "  ", summary, "\n");
  if (a.resolved) absl::StrAppend(&out, bullet, w.severity, ": ", Severity(a), "\n");
  absl::StrAppend(&out, bullet, w.value, ": ", FormatSampleValue(a.value), "\n");
  if (a.starts_at != absl::InfinitePast()) {
    absl::StrAppend(&out, bullet, w.started, ": ", LocalTime(a.starts_at), "\n");
    if (a.resolved && a.ends_at != absl::InfinitePast()) {
      absl::StrAppend(&out, bullet, w.lasted, ": ", vigil::FormatDuration(a.ends_at - a.starts_at),
                      "\n");
    }
  }
  if (a.flapping) absl::StrAppend(&out, bullet, w.flapping, "\n");
  if (a.acknowledged) {
    absl::StrAppend(&out, bullet, w.acknowledged_by, ": ", a.acknowledged_by, "\n");
  } else if (!a.ack_url.empty() && !a.resolved) {
    if (md) {
      absl::StrAppend(&out, bullet, "[", w.acknowledge, "](", a.ack_url, ")\n");
    } else {
      absl::StrAppend(&out, bullet, w.acknowledge, ": ", a.ack_url, "\n");
    }
  }
  return out;
}

std::string EscalationLine(const Notification& n, const Words& w) {
  absl::Time oldest = absl::InfiniteFuture();
  for (const AlertItem& a : n.alerts) {
    if (!a.resolved && a.starts_at != absl::InfinitePast()) oldest = std::min(oldest, a.starts_at);
  }
  const int64_t minutes = (oldest == absl::InfiniteFuture() || n.created == absl::InfinitePast())
                              ? 0
                              : absl::ToInt64Minutes(n.created - oldest);
  return absl::StrCat(w.not_acked, " ", minutes, " ", w.minutes, " (tier ", n.tier + 1, ")\n");
}

std::string DutyLine(const Notification& n, const Words& w) {
  if (n.recipients.empty()) return "";
  std::vector<std::string> names;
  for (const Recipient& r : n.recipients) names.push_back(r.name.empty() ? r.phone : r.name);
  return absl::StrCat(w.on_duty, ": ", absl::StrJoin(names, ", "), "\n");
}

size_t CodePoints(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// The prefix of `text` with at most `max_chars` code points.
absl::string_view TruncateChars(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

}  // namespace

std::string AlertSummary(const AlertItem& alert, Language language) {
  const std::string* summary = nullptr;
  const std::string* summary_zh = nullptr;
  for (const auto& [name, text] : alert.annotations) {
    if (name == "summary") summary = &text;
    if (name == "summary_zh") summary_zh = &text;
  }
  if (language == Language::kChinese && summary_zh != nullptr) return *summary_zh;
  if (summary != nullptr) return *summary;
  if (summary_zh != nullptr) return *summary_zh;
  return "";
}

MessageText RenderMessage(const Notification& n, Language language, TextFormat format,
                          size_t max_bytes) {
  const Words& w = WordsFor(language);
  MessageText text;
  text.title = Title(n, w);
  std::string head;
  if (format == TextFormat::kMarkdown) {
    absl::StrAppend(&head, "### ", text.title, "\n");
  } else {
    absl::StrAppend(&head, text.title, "\n");
  }
  if (n.escalated) absl::StrAppend(&head, EscalationLine(n, w));
  const std::string tail = DutyLine(n, w);

  std::string body = head;
  size_t shown = 0;
  for (const AlertItem& a : n.alerts) {
    const std::string block = absl::StrCat("\n", AlertBlock(a, w, language, format));
    const size_t left = n.alerts.size() - shown - 1;
    // Room for this block, the "more" line if some are left, and the duty line.
    const std::string more_if_stop = absl::StrCat("\n", w.more, " ", n.alerts.size() - shown, "\n");
    const size_t reserve = tail.size() + 1 + (left > 0 ? more_if_stop.size() + 4 : 0);
    if (body.size() + block.size() + reserve > max_bytes) break;
    body += block;
    ++shown;
  }
  if (shown < n.alerts.size()) {
    if (shown == 0) {
      // Not even one alert fits: cut the first one.
      const std::string block = absl::StrCat("\n", AlertBlock(n.alerts[0], w, language, format));
      const std::string more = absl::StrCat("\n", w.more, " ", n.alerts.size() - 1, "\n");
      const size_t room = max_bytes > body.size() + more.size() + tail.size() + 1
                              ? max_bytes - body.size() - more.size() - tail.size() - 1
                              : 0;
      absl::StrAppend(&body, TruncateUtf8(block, room));
      shown = 1;
    }
    if (shown < n.alerts.size()) {
      absl::StrAppend(&body, "\n", w.more, " ", n.alerts.size() - shown, "\n");
    }
  }
  if (!tail.empty()) absl::StrAppend(&body, "\n", tail);
  text.body = std::string(TruncateUtf8(body, max_bytes));
  return text;
}

std::string RenderShortText(const Notification& n, Language language, size_t max_chars) {
  const Words& w = WordsFor(language);
  if (n.alerts.empty()) return "";
  const AlertItem& a = n.alerts.front();
  std::string text;
  if (n.escalated) absl::StrAppend(&text, "[", w.escalated, "]");
  absl::StrAppend(&text, "[", a.resolved ? w.resolved : Severity(a), "] ",
                  a.labels.Get("alertname"));
  const absl::string_view instance = a.labels.Get("instance");
  if (!instance.empty()) absl::StrAppend(&text, " ", instance);
  const std::string summary = AlertSummary(a, language);
  if (!summary.empty()) absl::StrAppend(&text, ": ", summary);
  if (n.alerts.size() > 1) absl::StrAppend(&text, " (+", n.alerts.size() - 1, ")");
  std::string ack;
  if (!a.resolved && !a.acknowledged && !a.ack_url.empty()) {
    ack = absl::StrCat(" ack: ", a.ack_url);
  }
  if (CodePoints(ack) + 10 > max_chars) ack.clear();
  const size_t room = max_chars - CodePoints(ack);
  if (CodePoints(text) > room) {
    text = absl::StrCat(TruncateChars(text, room > 3 ? room - 3 : 0), "...");
  }
  return text + ack;
}

}  // namespace vigil::notify
