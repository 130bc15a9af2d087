// `vigilctl audit`: the collector's audit log, through the gRPC Admin service (admin
// role), or read from the file with --file while the collector is down. How the
// request is built from flags and how entries are printed; pure, so tested without a
// server.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/api/audit_record.h"
#include "vigil/v1/admin.pb.h"

namespace vigil::ctl {

// --since: a duration back from `now` ("24h", "30m") or a time (Unix seconds, RFC 3339).
absl::StatusOr<int64_t> ParseSince(const std::string& text, absl::Time now);

// The filter as the Admin service takes it, and the entries it answers as records.
v1::ReadAuditRequest AuditRequest(const api::AuditFilter& filter);
std::vector<api::AuditEntry> AuditEntries(const v1::ReadAuditResponse& response);

// TIME PRINCIPAL AUTH ROLE REMOTE ACTION RESULT STATUS TARGET, one row per entry.
std::string FormatAuditTable(const std::vector<api::AuditEntry>& entries);
// A JSON array of the entries, each as in the audit log's file.
std::string FormatAuditJson(const std::vector<api::AuditEntry>& entries);

}  // namespace vigil::ctl
