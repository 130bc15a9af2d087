// The audit log: entries appended and read back, filters, the file's mode, concurrent
// writers, a torn last line, rotation, and a disk that refuses writes.
#include "collector/api/audit_log.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"

namespace vigil::api {
namespace {

// 2026-11-23T20:00:00Z
constexpr int64_t kT0 = 1'795'464'000'000;

AuditEntry Entry(const std::string& principal, AuditResult result, int status) {
  AuditEntry e;
  e.principal = principal;
  e.auth = principal.empty() ? "none" : "certificate";
  e.role = principal.empty() ? "none" : "admin";
  e.remote = "10.0.0.5:51234";
  e.action = "POST /api/v1/admin/reload";
  e.target = "configuration reloaded";
  e.result = result;
  e.status = status;
  return e;
}

struct Fixture {
  Fixture() : clock(absl::FromUnixMillis(kT0)) {
    absl::StatusOr<std::unique_ptr<AuditLog>> opened =
        AuditLog::Open(dir.Path("audit.log"), &clock, &metrics);
    REQUIRE(opened.ok());
    log = std::move(*opened);
  }
  std::vector<AuditEntry> Read(AuditFilter filter = {}) {
    absl::StatusOr<AuditReadout> readout = log->Read(filter);
    REQUIRE(readout.ok());
    return readout->entries;
  }

  testing::TempDir dir;
  ManualClock clock;
  MetricsRegistry metrics;
  std::unique_ptr<AuditLog> log;
};

TEST_CASE("An entry is one JSON line that reads back the same") {
  AuditEntry e = Entry("alice", AuditResult::kOk, 200);
  e.time_ms = kT0 + 123;
  const std::string line = EncodeAuditLine(e);
  CHECK(line == R"({"time":"2026-11-23T20:00:00.123Z","principal":"alice","auth":"certificate",)"
                R"("role":"admin","remote":"10.0.0.5:51234","action":"POST /api/v1/admin/reload",)"
                R"("target":"configuration reloaded","result":"ok","status":200})"
                "\n");
  absl::StatusOr<AuditEntry> parsed =
      ParseAuditLine(absl::string_view(line).substr(0, line.size() - 1));
  REQUIRE(parsed.ok());
  CHECK(*parsed == e);
  for (AuditResult r :
       {AuditResult::kUnauthenticated, AuditResult::kForbidden, AuditResult::kError}) {
    e.result = r;
    std::string text = EncodeAuditLine(e);
    text.pop_back();
    CHECK(ParseAuditLine(text)->result == r);
  }
  CHECK_FALSE(ParseAuditLine("{\"time\":").ok());
  CHECK_FALSE(ParseAuditLine("[1,2]").ok());
  CHECK_FALSE(ParseAuditLine(R"({"time":"2026-11-23T20:00:00Z","status":"x"})").ok());
}

TEST_CASE("Appended entries read back in order with the clock's time") {
  Fixture f;
  REQUIRE(f.log->Append(Entry("alice", AuditResult::kOk, 200), /*sync=*/true).ok());
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.log->Append(Entry("", AuditResult::kUnauthenticated, 401), /*sync=*/false).ok());
  std::vector<AuditEntry> entries = f.Read();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].principal == "alice");
  CHECK(entries[0].time_ms == kT0);
  CHECK(entries[1].result == AuditResult::kUnauthenticated);
  CHECK(entries[1].time_ms == kT0 + 1000);
  CHECK(f.log->entries_written() == 2);
  CHECK(absl::StrContains(f.metrics.Render(), "vigil_audit_entries_total 2\n"));

  // Only the owner may read it: it names people and their addresses.
  struct stat st;
  REQUIRE(stat(f.dir.Path("audit.log").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Filters select by time, principal and result; the limit keeps the newest") {
  Fixture f;
  const std::vector<std::pair<std::string, AuditResult>> writes = {
      {"alice", AuditResult::kOk},
      {"", AuditResult::kUnauthenticated},
      {"db1", AuditResult::kForbidden},
      {"alice", AuditResult::kError},
      {"grafana", AuditResult::kForbidden}};
  for (const auto& [who, result] : writes) {
    REQUIRE(f.log->Append(Entry(who, result, 200), false).ok());
    f.clock.Advance(absl::Minutes(1));
  }
  auto principals = [](const std::vector<AuditEntry>& entries) {
    std::vector<std::string> out;
    for (const AuditEntry& e : entries) out.push_back(e.principal);
    return out;
  };
  CHECK(principals(f.Read()) == std::vector<std::string>{"alice", "", "db1", "alice", "grafana"});
  AuditFilter filter;
  filter.result = "refused";
  CHECK(principals(f.Read(filter)) == std::vector<std::string>{"", "db1", "grafana"});
  filter.result = "forbidden";
  CHECK(principals(f.Read(filter)) == std::vector<std::string>{"db1", "grafana"});
  filter.result = "unauthenticated";
  CHECK(principals(f.Read(filter)) == std::vector<std::string>{""});
  filter.result = "error";
  CHECK(principals(f.Read(filter)) == std::vector<std::string>{"alice"});
  filter = {};
  filter.principal = "alice";
  CHECK(f.Read(filter).size() == 2);
  filter = {};
  filter.since_ms = kT0 + 2 * 60'000;
  CHECK(principals(f.Read(filter)) == std::vector<std::string>{"db1", "alice", "grafana"});
  filter.limit = 2;
  absl::StatusOr<AuditReadout> readout = f.log->Read(filter);
  REQUIRE(readout.ok());
  CHECK(principals(readout->entries) == std::vector<std::string>{"alice", "grafana"});
  CHECK(readout->matched == 3);

  filter = {};
  filter.result = "refused: forbidden";
  CHECK(absl::IsInvalidArgument(ValidateAuditFilter(filter)));
}

TEST_CASE("A filter's since is a duration back from now or a time") {
  CHECK(*ParseAuditSince("24h", kT0) == kT0 - 86'400'000);
  CHECK(*ParseAuditSince("1795464000", kT0 + 5) == kT0);
  CHECK(*ParseAuditSince("2026-11-23T20:00:00Z", 0) == kT0);
  absl::StatusOr<int64_t> bad = ParseAuditSince("yesterday", kT0);
  REQUIRE_FALSE(bad.ok());
  CHECK(absl::StartsWith(bad.status().message(), "\"yesterday\": expected a duration"));
}

TEST_CASE("Concurrent writers never interleave, and a torn last line is skipped") {
  Fixture f;
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};  // Catch2's assertions are not thread-safe
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&f, &failed, t] {
      for (int i = 0; i < 250; ++i) {
        AuditEntry e = Entry(absl::StrCat("writer", t), AuditResult::kOk, 200);
        e.target = std::string(200 + i, 'x');  // long lines make interleaving likely
        if (!f.log->Append(e, false).ok()) ++failed;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  CHECK(failed == 0);
  // A crash in the middle of a write leaves a partial line.
  {
    std::ofstream out(f.dir.Path("audit.log"), std::ios::app);
    out << R"({"time":"2026-11-23T20:00:00.000Z","principal":"torn)";
  }
  AuditFilter filter;
  filter.limit = 10'000;
  absl::StatusOr<AuditReadout> readout = f.log->Read(filter);
  REQUIRE(readout.ok());
  CHECK(readout->entries.size() == 1000);
  CHECK(readout->unreadable_lines == 1);
}

TEST_CASE("Reopen follows a rotated file") {
  Fixture f;
  REQUIRE(f.log->Append(Entry("before", AuditResult::kOk, 200), false).ok());
  std::filesystem::rename(f.dir.Path("audit.log"), f.dir.Path("audit.log.1"));
  REQUIRE(f.log->Append(Entry("rotated", AuditResult::kOk, 200), false).ok());
  REQUIRE(f.log->Reopen().ok());
  REQUIRE(f.log->Append(Entry("after", AuditResult::kOk, 200), false).ok());
  std::vector<AuditEntry> entries = f.Read();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].principal == "after");
  absl::StatusOr<AuditReadout> old = ReadAuditFile(f.dir.Path("audit.log.1"), {});
  REQUIRE(old.ok());
  CHECK(old->entries.size() == 2);
}

TEST_CASE("A write the disk refuses is returned and counted, and the log keeps going") {
  // /dev/full takes the open and refuses every write with ENOSPC.
  if (!std::filesystem::exists("/dev/full")) {
    WARN("skipped: no /dev/full");
    return;
  }
  ManualClock clock(absl::FromUnixMillis(kT0));
  MetricsRegistry metrics;
  absl::StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open("/dev/full", &clock, &metrics);
  REQUIRE(log.ok());
  absl::Status written = (*log)->Append(Entry("alice", AuditResult::kOk, 200), /*sync=*/true);
  CHECK(absl::IsResourceExhausted(written));
  CHECK(absl::StrContains(written.message(), "/dev/full"));
  CHECK((*log)->Append(Entry("bob", AuditResult::kForbidden, 403), false).code() ==
        absl::StatusCode::kResourceExhausted);
  CHECK((*log)->write_errors() == 2);
  CHECK((*log)->entries_written() == 0);
  CHECK(absl::StrContains(metrics.Render(), "vigil_audit_write_errors_total 2\n"));
}

TEST_CASE("An audit log that cannot be opened is an error naming the path") {
  ManualClock clock(absl::FromUnixMillis(kT0));
  absl::StatusOr<std::unique_ptr<AuditLog>> log =
      AuditLog::Open("/nonexistent-dir/audit.log", &clock);
  REQUIRE_FALSE(log.ok());
  CHECK(absl::StrContains(log.status().message(), "/nonexistent-dir/audit.log"));
}

TEST_CASE("Reading a missing file: the log has no entries, the file reader says so") {
  testing::TempDir dir;
  CHECK(absl::IsNotFound(ReadAuditFile(dir.Path("none.log"), {}).status()));
}

}  // namespace
}  // namespace vigil::api
