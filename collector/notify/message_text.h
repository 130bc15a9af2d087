// What a notification says, in Chinese or English, as plain text or markdown, cut to
// a channel's size limit: a title ("[FIRING:2] db1 HostDown") and a body with, per alert,
// severity, alertname, instance, summary (annotation `summary_zh` in Chinese when
// present, else `summary`), value, start time (the collector's local time zone), the
// duration of a resolved alert, the flapping marker and the acknowledge link; above them
// an escalation line, below them who is on duty. Alerts that do not fit are replaced by
// "... and N more"; text is never cut inside a UTF-8 sequence.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "collector/notify/notification.h"

namespace vigil::notify {

enum class TextFormat { kPlain, kMarkdown };

struct MessageText {
  std::string title;  // one line, no markup
  std::string body;   // at most the requested bytes
};

// Channels' limits.
inline constexpr size_t kWeComMarkdownLimit = 4096;
inline constexpr size_t kWeComTextLimit = 2048;
inline constexpr size_t kDingTalkLimit = 20000;
inline constexpr size_t kSmsCharLimit = 300;  // code points
inline constexpr size_t kEmailLimit = 256 << 10;

MessageText RenderMessage(const Notification& notification, Language language, TextFormat format,
                          size_t max_bytes);

// One line for SMS: "[CRITICAL] HostDown db1: <summary> (+2 more) ack: <url>", at most
// `max_chars` code points (the ack link is kept whole when it fits).
std::string RenderShortText(const Notification& notification, Language language,
                            size_t max_chars = kSmsCharLimit);

// The summary of `alert` in `language` ("" if none).
std::string AlertSummary(const AlertItem& alert, Language language);

}  // namespace vigil::notify
