#include "collector/api/audit_record.h"

#include <cerrno>
#include <cstdio>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/time_parse.h"

namespace vigil::api {
namespace {

constexpr AuditResult kResults[] = {AuditResult::kOk, AuditResult::kUnauthenticated,
                                    AuditResult::kForbidden, AuditResult::kError};

std::string FormatTime(int64_t ms) {
  return FormatTimestamp(absl::FromUnixMillis(ms));
}

// The string member `key` of `object`; false if absent or not a string.
bool GetString(const nlohmann::json& object, const char* key, std::string* out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace

absl::string_view AuditResultText(AuditResult result) {
  switch (result) {
    case AuditResult::kOk:
      return "ok";
    case AuditResult::kUnauthenticated:
      return "refused: unauthenticated";
    case AuditResult::kForbidden:
      return "refused: forbidden";
    case AuditResult::kError:
      return "error";
  }
  return "error";
}

nlohmann::ordered_json AuditEntryJson(const AuditEntry& entry) {
  // An ordered object keeps the keys in the documented order for people reading the file.
  return {
      {"time", FormatTime(entry.time_ms)},
      {"principal", entry.principal},
      {"auth", entry.auth},
      {"role", entry.role},
      {"remote", entry.remote},
      {"action", entry.action},
      {"target", entry.target},
      {"result", std::string(AuditResultText(entry.result))},
      {"status", entry.status},
  };
}

std::string EncodeAuditLine(const AuditEntry& entry) {
  // Invalid UTF-8 (from a hostile request path) is replaced, never a reason to fail.
  return AuditEntryJson(entry).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

absl::StatusOr<AuditEntry> ParseAuditLine(absl::string_view line) {
  const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  AuditEntry entry;
  std::string time, result;
  if (!GetString(object, "time", &time)) return absl::InvalidArgumentError("no \"time\"");
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, time, &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("\"time\": ", error));
  }
  entry.time_ms = absl::ToUnixMillis(t);
  const std::pair<const char*, std::string*> strings[] = {
      {"principal", &entry.principal}, {"auth", &entry.auth},     {"role", &entry.role},
      {"remote", &entry.remote},       {"action", &entry.action}, {"target", &entry.target}};
  for (const auto& [key, field] : strings) {
    if (!GetString(object, key, field)) {
      return absl::InvalidArgumentError(absl::StrCat("no \"", key, "\""));
    }
  }
  if (!GetString(object, "result", &result)) return absl::InvalidArgumentError("no \"result\"");
  bool known = false;
  for (AuditResult r : kResults) {
    if (result == AuditResultText(r)) {
      entry.result = r;
      known = true;
    }
  }
  if (!known) return absl::InvalidArgumentError(absl::StrCat("unknown result \"", result, "\""));
  auto status = object.find("status");
  if (status == object.end() || !status->is_number_integer()) {
    return absl::InvalidArgumentError("no \"status\"");
  }
  entry.status = status->get<int>();
  return entry;
}

absl::StatusOr<int64_t> ParseAuditSince(absl::string_view text, int64_t now_ms) {
  if (absl::StatusOr<absl::Duration> ago = ParseDuration(text); ago.ok()) {
    return now_ms - absl::ToInt64Milliseconds(*ago);
  }
  absl::StatusOr<absl::Time> t = ParseTimestamp(text);
  if (!t.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\": expected a duration (24h, 30m) or a time (Unix seconds, RFC 3339)"));
  }
  return absl::ToUnixMillis(*t);
}

absl::Status ValidateAuditFilter(const AuditFilter& filter) {
  for (absl::string_view ok : {"", "ok", "refused", "unauthenticated", "forbidden", "error"}) {
    if (filter.result == ok) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("result \"", filter.result,
                   "\" is not one of ok, refused, unauthenticated, forbidden, error"));
}

bool AuditEntryMatches(const AuditFilter& filter, const AuditEntry& entry) {
  if (entry.time_ms < filter.since_ms) return false;
  if (!filter.principal.empty() && entry.principal != filter.principal) return false;
  const absl::string_view r = filter.result;
  if (r.empty()) return true;
  if (r == "ok") return entry.result == AuditResult::kOk;
  if (r == "error") return entry.result == AuditResult::kError;
  if (r == "unauthenticated") return entry.result == AuditResult::kUnauthenticated;
  if (r == "forbidden") return entry.result == AuditResult::kForbidden;
  if (r == "refused") {
    return entry.result == AuditResult::kUnauthenticated || entry.result == AuditResult::kForbidden;
  }
  return false;
}

absl::StatusOr<AuditReadout> ReadAuditFile(const std::string& path, const AuditFilter& filter) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "re"), &std::fclose);
  if (file == nullptr) return ErrnoStatus(errno, absl::StrCat("cannot open audit log ", path));
  AuditReadout readout;
  std::deque<AuditEntry> newest;
  char* buffer = nullptr;
  size_t capacity = 0;
  ssize_t length;
  while ((length = getline(&buffer, &capacity, file.get())) >= 0) {
    absl::string_view line(buffer, static_cast<size_t>(length));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (line.empty()) continue;
    absl::StatusOr<AuditEntry> entry = ParseAuditLine(line);
    if (!entry.ok()) {
      ++readout.unreadable_lines;
      continue;
    }
    if (!AuditEntryMatches(filter, *entry)) continue;
    ++readout.matched;
    newest.push_back(*std::move(entry));
    if (newest.size() > filter.limit) newest.pop_front();
  }
  const int read_errno = errno;
  const bool failed = std::ferror(file.get()) != 0;
  std::free(buffer);
  if (failed) return ErrnoStatus(read_errno, absl::StrCat("cannot read audit log ", path));
  readout.entries.assign(std::make_move_iterator(newest.begin()),
                         std::make_move_iterator(newest.end()));
  return readout;
}

}  // namespace vigil::api
