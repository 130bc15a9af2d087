// Minimal leveled logging to stderr. When stderr is systemd's journal stream
// (JOURNAL_STREAM names it) each line starts with a syslog priority prefix ("<3>") so
// journald records the level; otherwise with an RFC 3339 timestamp. Never log secrets
// (keys, tokens, passwords).
//
// Thread-safe: each call writes one whole line.
#pragma once

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace vigil {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below this level are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error".
bool ParseLogLevel(absl::string_view text, LogLevel* level);
// The name ParseLogLevel accepts for `level`.
absl::string_view LogLevelName(LogLevel level);

// Prefixes every line with `component` (e.g. "agent", "collector").
void SetLogComponent(absl::string_view component);

void LogLine(LogLevel level, absl::string_view message);

// Routes gRPC's own log output (handshake failures and the like) through LogLine.
void RouteGrpcLogs();

template <typename... Args>
void LogDebug(const Args&... args) {
  if (GetLogLevel() <= LogLevel::kDebug) LogLine(LogLevel::kDebug, absl::StrCat(args...));
}
template <typename... Args>
void LogInfo(const Args&... args) {
  if (GetLogLevel() <= LogLevel::kInfo) LogLine(LogLevel::kInfo, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(const Args&... args) {
  if (GetLogLevel() <= LogLevel::kWarning) LogLine(LogLevel::kWarning, absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine(LogLevel::kError, absl::StrCat(args...));
}

}  // namespace vigil
