// SIGHUP's reload of the collector's configuration: what applies live, what is named
// for a restart, and that an invalid file changes nothing.
#include "collector/reload.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/ctl/certs.h"
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
  void WriteRaw(const std::string& yaml) const { dir_.WriteFile("collector.yaml", yaml); }
  void Write(const std::string& extra) const {
    WriteRaw(
        absl::StrCat("listen: 127.0.0.1:0\n"
                     "data_dir: data\n"
                     "tls:\n"
                     "  ca: ca/ca.crt\n"
                     "  cert: ca/localhost.crt\n"
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
  f.WriteRaw(
      "listen: 127.0.0.1:0\n"
      "data_dir: data\n"
      "tls:\n"
      "  ca: ca/ca.crt\n"
      "  cert: ca/missing.crt\n"
      "  key: ca/localhost.key\n"
      "log_level: debug\n");
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
  b.query_limits.max_samples = 5;
  std::vector<ConfigChange> changes = DiffCollectorConfig(a, b);
  std::vector<std::string> keys;
  for (const ConfigChange& c : changes) keys.push_back(c.key);
  CHECK(keys == std::vector<std::string>{"listen", "tls.key", "storage.sync_writes",
                                         "storage.cache_size_mb", "limits.query_max_samples"});
  CHECK(DiffCollectorConfig(a, a).empty());
}

}  // namespace
}  // namespace vigil::collector
