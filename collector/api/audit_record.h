// One entry of the collector's audit log and its file format: a JSON object per line
// (JSON Lines), e.g.
//
//   {"time":"2026-11-23T20:00:00.123Z","principal":"alice","auth":"certificate",
//    "role":"admin","remote":"10.0.0.5:51234","action":"POST /api/v1/admin/reload",
//    "target":"2 changes applied","result":"ok","status":200}
//
// `result` is "ok", "refused: unauthenticated", "refused: forbidden" or "error";
// `status` the HTTP status answered (a gRPC call's code mapped to its HTTP equivalent).
// No entry ever holds a bearer token or its hash.
//
// Shared by the collector (audit_log.h writes, the Admin service and GET /api/v1/audit
// read) and `vigilctl audit --file` (reads a log while the collector is down); so this
// file depends on nothing of the collector's.
//
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil::api {

enum class AuditResult { kOk, kUnauthenticated, kForbidden, kError };

// "ok", "refused: unauthenticated", "refused: forbidden", "error".
absl::string_view AuditResultText(AuditResult result);

struct AuditEntry {
  int64_t time_ms = 0;
  std::string principal;  // certificate CN or token name; "" if unauthenticated
  std::string auth;       // "certificate", "token", "signal" or "none"
  std::string role;       // the principal's role ("none" if it has none)
  std::string remote;     // "127.0.0.1:51234", or "local" for a signal
  std::string action;     // "POST /api/v1/admin/reload", "grpc /vigil.v1.Admin/ReadAudit"
  std::string target;     // what was changed or why it was refused
  AuditResult result = AuditResult::kOk;
  int status = 0;  // HTTP status
  bool operator==(const AuditEntry&) const = default;
};

// The entry as a JSON object, keys in the order above.
nlohmann::ordered_json AuditEntryJson(const AuditEntry& entry);
// The entry as one line of JSON, '\n' included.
std::string EncodeAuditLine(const AuditEntry& entry);
// Parses one line (without its '\n'); kInvalidArgument names what is wrong.
absl::StatusOr<AuditEntry> ParseAuditLine(absl::string_view line);

// Which entries a reader wants. Empty strings match everything.
struct AuditFilter {
  int64_t since_ms = std::numeric_limits<int64_t>::min();  // time >= since
  std::string principal;                                   // exact name
  // "ok", "refused" (both kinds), "unauthenticated", "forbidden" or "error".
  std::string result;
  size_t limit = 1000;  // the newest `limit` matches are returned
};

// A filter's `since`: a duration back from `now_ms` ("24h", "30m") or a time (Unix
// seconds, RFC 3339). kInvalidArgument starts with the text in quotes.
absl::StatusOr<int64_t> ParseAuditSince(absl::string_view text, int64_t now_ms);

// Checks `filter.result`; kInvalidArgument names the accepted values.
absl::Status ValidateAuditFilter(const AuditFilter& filter);
bool AuditEntryMatches(const AuditFilter& filter, const AuditEntry& entry);

struct AuditReadout {
  std::vector<AuditEntry> entries;  // oldest first, at most filter.limit (the newest)
  size_t matched = 0;               // entries that matched, before the limit
  size_t unreadable_lines = 0;      // lines that do not parse (a torn write), skipped
};

// Reads the audit log at `path` line by line. kNotFound if the file does not exist.
absl::StatusOr<AuditReadout> ReadAuditFile(const std::string& path, const AuditFilter& filter);

}  // namespace vigil::api
