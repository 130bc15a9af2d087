// Admin endpoints: POST /api/v1/admin/reload (what SIGHUP does, audited before it
// applies) and GET /api/v1/audit (the audit log, filtered).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/api/http_handlers.h"
#include "collector/api/prom_params.h"

namespace vigil::api {
namespace {

nlohmann::json ChangesJson(const std::vector<collector::ConfigChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const collector::ConfigChange& c : changes) {
    out.push_back({{"key", c.key}, {"from", c.from}, {"to", c.to}});
  }
  return out;
}

std::string Keys(const std::vector<collector::ConfigChange>& changes) {
  std::vector<std::string> keys;
  for (const collector::ConfigChange& c : changes) keys.push_back(c.key);
  return keys.empty() ? "none" : absl::StrJoin(keys, ", ");
}

}  // namespace

AuditEntry AuditBase(const ApiRequest& request) {
  AuditEntry entry;
  entry.principal = request.principal.name;
  entry.auth = std::string(AuthMethodName(request.principal.method));
  entry.role = std::string(RoleName(request.principal.role));
  entry.remote = request.remote;
  entry.action = request.action;
  return entry;
}

ApiReply HandleReload(const HttpApiDeps& deps, const ApiRequest& request) {
  if (!deps.reload) return Error(ErrorType::kUnavailable, "this collector cannot reload");
  // The audit entry is written (and synced) before the reload applies; if it cannot be,
  // nothing changes.
  bool audit_failed = false;
  absl::StatusOr<collector::ReloadOutcome> outcome =
      deps.reload([&](const absl::StatusOr<collector::ReloadOutcome>& planned) {
        AuditEntry entry = AuditBase(request);
        if (planned.ok()) {
          entry.result = AuditResult::kOk;
          entry.status = 200;
          entry.target = absl::StrCat("configuration reloaded; applied: ", Keys(planned->applied),
                                      "; need a restart: ", Keys(planned->need_restart));
        } else {
          entry.result = AuditResult::kError;
          entry.status = 422;
          entry.target = absl::StrCat("configuration reload refused: ", planned.status().message());
        }
        absl::Status written = deps.audit->Append(std::move(entry), /*sync=*/planned.ok());
        audit_failed = !written.ok();
        return written;
      });
  if (!outcome.ok()) {
    if (audit_failed) {
      return Error(ErrorType::kUnavailable,
                   absl::StrCat("the reload was not applied: ", outcome.status().message()));
    }
    return Error(ErrorType::kExecution,
                 absl::StrCat("the configuration was not reloaded: ", outcome.status().message()));
  }
  return Success({{"applied", ChangesJson(outcome->applied)},
                  {"needRestart", ChangesJson(outcome->need_restart)}});
}

ApiReply HandleAuditRead(const HttpApiDeps& deps, const ApiRequest& request) {
  AuditFilter filter;
  if (std::optional<std::string> since = request.Param("since"); since.has_value()) {
    absl::StatusOr<int64_t> since_ms = ParseAuditSince(*since, deps.clock->NowMs());
    if (!since_ms.ok()) return ErrorFromStatus(InvalidParameter("since", since_ms.status()));
    filter.since_ms = *since_ms;
  }
  filter.principal = request.Param("principal").value_or("");
  filter.result = request.Param("result").value_or("");
  if (absl::Status valid = ValidateAuditFilter(filter); !valid.ok()) {
    return ErrorFromStatus(InvalidParameter("result", valid));
  }
  if (std::optional<std::string> limit = request.Param("limit"); limit.has_value()) {
    if (!absl::SimpleAtoi(*limit, &filter.limit) || filter.limit == 0 || filter.limit > 100'000) {
      return Error(ErrorType::kBadData,
                   "invalid parameter \"limit\": must be a whole number from 1 to 100000");
    }
  }
  absl::StatusOr<AuditReadout> readout = deps.audit->Read(filter);
  if (!readout.ok()) return ErrorFromStatus(readout.status());
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const AuditEntry& e : readout->entries) data.push_back(AuditEntryJson(e));
  std::vector<std::string> warnings;
  if (readout->matched > readout->entries.size()) {
    warnings.push_back(absl::StrCat(readout->matched, " entries matched; the newest ",
                                    readout->entries.size(), " are shown (limit)"));
  }
  if (readout->unreadable_lines > 0) {
    warnings.push_back(
        absl::StrCat(readout->unreadable_lines, " unreadable line(s) of the audit log skipped"));
  }
  return SuccessJson(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), warnings);
}

}  // namespace vigil::api
