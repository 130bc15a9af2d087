#include "collector/ctl/audit_command.h"

#include "absl/strings/str_cat.h"
#include "collector/ctl/output.h"
#include "common/time_parse.h"

namespace vigil::ctl {

absl::StatusOr<int64_t> ParseSince(const std::string& text, absl::Time now) {
  absl::StatusOr<int64_t> since = api::ParseAuditSince(text, absl::ToUnixMillis(now));
  if (!since.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--since ", since.status().message()));
  }
  return since;
}

v1::ReadAuditRequest AuditRequest(const api::AuditFilter& filter) {
  v1::ReadAuditRequest request;
  if (filter.since_ms != api::AuditFilter().since_ms) request.set_since_ms(filter.since_ms);
  request.set_principal(filter.principal);
  request.set_result(filter.result);
  request.set_limit(static_cast<uint32_t>(filter.limit));
  return request;
}

std::vector<api::AuditEntry> AuditEntries(const v1::ReadAuditResponse& response) {
  std::vector<api::AuditEntry> out;
  for (const v1::AuditEntry& e : response.entries()) {
    api::AuditEntry entry;
    entry.time_ms = e.time_ms();
    entry.principal = e.principal();
    entry.auth = e.auth();
    entry.role = e.role();
    entry.remote = e.remote();
    entry.action = e.action();
    entry.target = e.target();
    entry.status = e.status();
    for (api::AuditResult r : {api::AuditResult::kOk, api::AuditResult::kUnauthenticated,
                               api::AuditResult::kForbidden, api::AuditResult::kError}) {
      if (e.result() == api::AuditResultText(r)) entry.result = r;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string FormatAuditTable(const std::vector<api::AuditEntry>& entries) {
  if (entries.empty()) return "no audit entries match\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "PRINCIPAL", "AUTH", "ROLE", "REMOTE", "ACTION", "RESULT", "STATUS", "TARGET"}};
  for (const api::AuditEntry& e : entries) {
    rows.push_back({FormatTimestamp(absl::FromUnixMillis(e.time_ms)),
                    e.principal.empty() ? "-" : e.principal, e.auth, e.role, e.remote, e.action,
                    std::string(api::AuditResultText(e.result)), absl::StrCat(e.status), e.target});
  }
  return Table(rows);
}

std::string FormatAuditJson(const std::vector<api::AuditEntry>& entries) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const api::AuditEntry& e : entries) out.push_back(api::AuditEntryJson(e));
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace vigil::ctl
