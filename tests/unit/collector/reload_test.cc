// SIGHUP's reload of the collector's configuration: what applies live, what is named
// for a restart, and that an invalid file changes nothing.
#include "collector/reload.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/ctl/certs.h"
#include "common/bearer_token.h"
#include "common/log.h"
#include "tests/support/temp_dir.h"

namespace vigil::collector {
namespace {

// A config directory with a CA and the collector's certificate, and a running config.
class ReloadFixture {
 public:
  ReloadFixture() {
    REQUIRE(ctl::InitCa(dir_.Path("ca"), "Test", false).ok());
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"collector", "localhost", {}}, false).ok());
    Write("");
    absl::StatusOr<CollectorConfig> loaded = LoadCollectorConfig(path());
    REQUIRE(loaded.ok());
    running_ = *loaded;
    SetLogLevel(running_.log_level);
  }
  ~ReloadFixture() { SetLogLevel(LogLevel::kInfo); }

  std::string path() const { return dir_.Path("collector.yaml"); }
  CollectorConfig& running() { return running_; }
  // The collector's listen, data_dir and tls keys (tls.cert: `cert`), then `extra`.
  void Write(const std::string& extra, const std::string& cert = "ca/localhost.crt") const {
    dir_.WriteFile("collector.yaml", absl::StrCat("listen: 127.0.0.1:0\n"
                                                  "data_dir: data\n"
                                                  "tls:\n"
                                                  "  ca: ca/ca.crt\n"
                                                  "  cert: ",
                                                  cert,
                                                  "\n"
                                                  "  key: ca/localhost.key\n",
                                                  extra));
  }

 private:
  testing::TempDir dir_;
  CollectorConfig running_;
};

TEST_CASE("A valid reload applies log_level and names keys that need a restart") {
  ReloadFixture f;
  f.Write(
      "storage:\n"
      "  retention:\n"
      "    raw: 60d\n"
      "log_level: debug\n");
  absl::StatusOr<ReloadOutcome> outcome = ReloadCollectorConfig(f.path(), &f.running());
  REQUIRE(outcome.ok());
  REQUIRE(outcome->applied.size() == 1);
  CHECK(outcome->applied[0].key == "log_level");
  CHECK(outcome->applied[0].from == "info");
  CHECK(outcome->applied[0].to == "debug");
  REQUIRE(outcome->need_restart.size() == 1);
  CHECK(outcome->need_restart[0].key == "storage.retention.raw");
  CHECK(outcome->need_restart[0].from == "720h");
  CHECK(outcome->need_restart[0].to == "1440h");
  CHECK(GetLogLevel() == LogLevel::kDebug);
  CHECK(f.running().log_level == LogLevel::kDebug);
  // The running storage options are what the store was opened with.
  CHECK(f.running().storage.retention.raw_ms == 30LL * 86'400'000);

  // Reloading the same file again still names what awaits a restart.
  outcome = ReloadCollectorConfig(f.path(), &f.running());
  REQUIRE(outcome.ok());
  CHECK(outcome->applied.empty());
  REQUIRE(outcome->need_restart.size() == 1);
  CHECK(outcome->need_restart[0].key == "storage.retention.raw");
}

TEST_CASE("An invalid file changes nothing and the error names file, line and key") {
  ReloadFixture f;
  f.Write(
      "log_level: debug\n"
      "storage:\n"
      "  chunk_span: 7m\n");
  absl::StatusOr<ReloadOutcome> outcome = ReloadCollectorConfig(f.path(), &f.running());
  REQUIRE_FALSE(outcome.ok());
  const std::string message(outcome.status().message());
  CHECK(absl::StrContains(message, "collector.yaml:9"));
  CHECK(absl::StrContains(message, "storage.chunk_span"));
  CHECK(GetLogLevel() == LogLevel::kInfo);
  CHECK(f.running().log_level == LogLevel::kInfo);
}

TEST_CASE("A reload whose certificate files do not load is refused") {
  ReloadFixture f;
  f.Write("log_level: debug\n", /*cert=*/"ca/missing.crt");
  absl::StatusOr<ReloadOutcome> outcome = ReloadCollectorConfig(f.path(), &f.running());
  REQUIRE_FALSE(outcome.ok());
  CHECK(absl::StrContains(outcome.status().message(), "tls"));
  CHECK(absl::StrContains(outcome.status().message(), "missing.crt"));
  CHECK(GetLogLevel() == LogLevel::kInfo);
}

TEST_CASE("Every key of the file is compared") {
  CollectorConfig a;
  CollectorConfig b;
  b.listen = "0.0.0.0:7443";
  b.tls.key = "/etc/vigil/other.key";
  b.storage.sync_writes = false;
  b.storage.block_cache_bytes = 64 << 20;
  b.http.listen = "";
  b.http.access.default_operator_role = api::Role::kNone;
  b.audit_file = "/var/log/vigil/audit.log";
  b.query.limits.max_samples = 5;
  b.query.lookback_delta_ms = 60'000;
  std::vector<ConfigChange> changes = DiffCollectorConfig(a, b);
  std::vector<std::string> keys;
  for (const ConfigChange& c : changes) keys.push_back(c.key);
  CHECK(keys == std::vector<std::string>{"listen", "tls.key", "storage.sync_writes",
                                         "storage.cache_size_mb", "http.listen",
                                         "http.default_operator_role", "audit.file",
                                         "query.max_samples", "query.lookback_delta"});
  CHECK(DiffCollectorConfig(a, a).empty());
}

constexpr char kHashA[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr char kHashB[] = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

TEST_CASE("Tokens are shown by name and role; a replaced secret is named, never shown") {
  CollectorConfig a;
  a.http.access.tokens = {{"grafana", api::Role::kViewer, kHashA}};
  CollectorConfig b = a;
  b.http.access.tokens[0].sha256 = kHashB;
  std::vector<ConfigChange> changes = DiffCollectorConfig(a, b);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].key == "http.tokens");
  CHECK(changes[0].from == "grafana=viewer");
  CHECK(changes[0].to == "grafana=viewer (new secret)");

  b = a;
  b.http.access.tokens.push_back({"ci", api::Role::kAdmin, kHashB});
  changes = DiffCollectorConfig(a, b);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].to == "grafana=viewer, ci=admin");
  for (const ConfigChange& c : changes) {
    CHECK_FALSE(absl::StrContains(c.from + c.to, kHashA));
    CHECK_FALSE(absl::StrContains(c.from + c.to, kHashB));
  }
}

TEST_CASE("A reload applies roles and tokens to the access control at once") {
  ReloadFixture f;
  api::AccessControl access(f.running().http.access);
  const std::string token = "vgl_test-token";
  CHECK(absl::IsUnauthenticated(access.AuthenticateToken(token).status()));
  f.Write(
      absl::StrCat("http:\n  operator_roles: {alice: admin}\n  tokens:\n"
                   "    - {name: grafana, role: viewer, sha256: ",
                   Sha256Hex(token), "}\nquery:\n  max_series: 5\n"));
  absl::StatusOr<ReloadOutcome> outcome = ReloadCollectorConfig(f.path(), &f.running(), &access);
  REQUIRE(outcome.ok());
  std::vector<std::string> applied, restart;
  for (const ConfigChange& c : outcome->applied) applied.push_back(c.key);
  for (const ConfigChange& c : outcome->need_restart) restart.push_back(c.key);
  CHECK(applied == std::vector<std::string>{"http.operator_roles", "http.tokens"});
  CHECK(restart == std::vector<std::string>{"query.max_series"});
  absl::StatusOr<api::Principal> grafana = access.AuthenticateToken(token);
  REQUIRE(grafana.ok());
  CHECK(grafana->name == "grafana");
  absl::StatusOr<api::Principal> alice = access.AuthenticateCertificate("alice", "operator");
  REQUIRE(alice.ok());
  CHECK(alice->role == api::Role::kAdmin);
  CHECK(f.running().http.access.tokens.size() == 1);
  CHECK(f.running().query.limits.max_series == 10000);  // needs a restart

  // The token's line removed: revoked by the next reload.
  f.Write("");
  REQUIRE(ReloadCollectorConfig(f.path(), &f.running(), &access).ok());
  CHECK(absl::IsUnauthenticated(access.AuthenticateToken(token).status()));
  CHECK(access.AuthenticateCertificate("alice", "operator")->role == api::Role::kViewer);

  // An invalid file leaves the access control as it is.
  f.Write(absl::StrCat("http:\n  tokens:\n    - {name: grafana, role: viewer, sha256: ",
                       Sha256Hex(token), "}\n  bogus: 1\n"));
  CHECK_FALSE(ReloadCollectorConfig(f.path(), &f.running(), &access).ok());
  CHECK(absl::IsUnauthenticated(access.AuthenticateToken(token).status()));
}

TEST_CASE("PlanCollectorReload changes nothing until it is applied") {
  ReloadFixture f;
  f.Write("log_level: debug\n");
  absl::StatusOr<ReloadPlan> plan = PlanCollectorReload(f.path(), f.running());
  REQUIRE(plan.ok());
  REQUIRE(plan->outcome.applied.size() == 1);
  CHECK(GetLogLevel() == LogLevel::kInfo);
  CHECK(f.running().log_level == LogLevel::kInfo);
  ApplyCollectorReload(*plan, &f.running(), nullptr);
  CHECK(GetLogLevel() == LogLevel::kDebug);
}

}  // namespace
}  // namespace vigil::collector
