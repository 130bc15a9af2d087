// vigilctl audit: --since, the request, and how entries are printed.
#include "collector/ctl/audit_command.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"

namespace vigil::ctl {
namespace {

constexpr int64_t kT0 = 1'795'464'000'000;  // 2026-11-23T20:00:00Z

TEST_CASE("audit --since is a duration back from now or a time") {
  const absl::Time now = absl::FromUnixMillis(kT0);
  CHECK(*ParseSince("24h", now) == kT0 - 86'400'000);
  CHECK(*ParseSince("30m", now) == kT0 - 1'800'000);
  CHECK(*ParseSince("1795464000", now) == kT0);
  CHECK(*ParseSince("2026-11-23T20:00:00Z", now) == kT0);
  CHECK(absl::StartsWith(ParseSince("yesterday", now).status().message(), "--since \"yesterday\""));
}

TEST_CASE("The Admin service's entries print as a table and as the file's JSON") {
  v1::ReadAuditResponse response;
  v1::AuditEntry* e = response.add_entries();
  e->set_time_ms(kT0 + 5);
  e->set_principal("alice");
  e->set_auth("certificate");
  e->set_role("admin");
  e->set_remote("10.0.0.5:51234");
  e->set_action("POST /api/v1/admin/reload");
  e->set_target("configuration reloaded");
  e->set_result("ok");
  e->set_status(200);
  v1::AuditEntry* refused = response.add_entries();
  *refused = *e;
  refused->set_principal("");
  refused->set_auth("none");
  refused->set_role("none");
  refused->set_result("refused: unauthenticated");
  refused->set_status(401);

  const std::vector<api::AuditEntry> entries = AuditEntries(response);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].result == api::AuditResult::kOk);
  CHECK(entries[1].result == api::AuditResult::kUnauthenticated);

  const std::string table = FormatAuditTable(entries);
  CHECK(absl::StartsWith(table, "TIME "));
  CHECK(absl::StrContains(table, "2026-11-23T20:00:00.005Z  alice "));
  CHECK(absl::StrContains(table, "refused: unauthenticated  401"));
  CHECK(FormatAuditTable({}) == "no audit entries match\n");

  const nlohmann::json json = nlohmann::json::parse(FormatAuditJson(entries));
  REQUIRE(json.size() == 2);
  CHECK(json[0]["time"] == "2026-11-23T20:00:00.005Z");
  CHECK(json[1]["result"] == "refused: unauthenticated");
  CHECK(json[1]["status"] == 401);
}

TEST_CASE("The request carries the filter") {
  api::AuditFilter filter;
  CHECK(AuditRequest(filter).since_ms() == 0);
  filter.since_ms = kT0;
  filter.principal = "alice";
  filter.result = "refused";
  filter.limit = 50;
  const v1::ReadAuditRequest request = AuditRequest(filter);
  CHECK(request.since_ms() == kT0);
  CHECK(request.principal() == "alice");
  CHECK(request.result() == "refused");
  CHECK(request.limit() == 50);
}

}  // namespace
}  // namespace vigil::ctl
