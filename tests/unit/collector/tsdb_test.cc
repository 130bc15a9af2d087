#include "collector/storage/tsdb.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "collector/query/selector.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

using testing::TempDir;

LabelSet Series(const std::string& metric, std::vector<Label> labels) {
  labels.push_back({"__name__", metric});
  return LabelSet(std::move(labels));
}

std::unique_ptr<Tsdb> OpenTsdb(const TempDir& dir) {
  absl::StatusOr<std::unique_ptr<Tsdb>> tsdb = Tsdb::Open({.dir = dir.Path("db")});
  REQUIRE(tsdb.ok());
  return std::move(*tsdb);
}

void Write(Tsdb& tsdb, uint64_t seq, SeriesId id, std::vector<int64_t> ts, std::vector<double> vs) {
  SeriesWrite w{id, ts, vs};
  auto result = tsdb.Commit(std::span<const SeriesWrite>(&w, 1), {"h", "run", seq, 0});
  REQUIRE(result.ok());
  REQUIRE(*result == CommitResult::kStored);
}

std::vector<SeriesId> Select(Tsdb& tsdb, const std::string& selector, size_t max = 1000) {
  auto matchers = query::ParseSelector(selector);
  REQUIRE(matchers.ok());
  auto ids = tsdb.index().Select(*matchers, max);
  REQUIRE(ids.ok());
  return *ids;
}

TEST_CASE("samples written in several chunks read back as one ordered range", "[storage]") {
  TempDir dir;
  auto tsdb = OpenTsdb(dir);
  const SeriesId id = *tsdb->index().GetOrCreate(Series("node_load1", {{"instance", "a"}}));
  const SeriesId other = *tsdb->index().GetOrCreate(Series("node_load1", {{"instance", "b"}}));
  Write(*tsdb, 1, id, {1000, 2000, 3000}, {1, 2, 3});
  Write(*tsdb, 2, id, {4000}, {4});
  Write(*tsdb, 3, id, {5000, 6000}, {5, 6});
  Write(*tsdb, 4, other, {1500}, {99});

  std::vector<int64_t> ts;
  std::vector<double> vs;
  SECTION("a range starting inside the first chunk") {
    REQUIRE(tsdb->ReadRange(id, 2000, 5000, 100, &ts, &vs).ok());
    CHECK(ts == std::vector<int64_t>{2000, 3000, 4000, 5000});
    CHECK(vs == std::vector<double>{2, 3, 4, 5});
  }
  SECTION("a range before every sample") {
    REQUIRE(tsdb->ReadRange(id, 0, 999, 100, &ts, &vs).ok());
    CHECK(ts.empty());
  }
  SECTION("a range after every sample") {
    REQUIRE(tsdb->ReadRange(id, 6001, 9000, 100, &ts, &vs).ok());
    CHECK(ts.empty());
  }
  SECTION("series do not bleed into each other") {
    REQUIRE(tsdb->ReadRange(other, 0, 9000, 100, &ts, &vs).ok());
    CHECK(ts == std::vector<int64_t>{1500});
  }
  SECTION("the sample limit is enforced with a clear error") {
    absl::Status s = tsdb->ReadRange(id, 0, 9000, 3, &ts, &vs);
    CHECK(s.code() == absl::StatusCode::kResourceExhausted);
    CHECK(std::string(s.message()).find("query.max_samples") != std::string::npos);
  }
}

TEST_CASE("chunks that overlap in time are merged in time order", "[storage]") {
  TempDir dir;
  auto tsdb = OpenTsdb(dir);
  const SeriesId id = *tsdb->index().GetOrCreate(Series("m", {}));
  Write(*tsdb, 1, id, {1000, 5000}, {1, 5});
  Write(*tsdb, 2, id, {3000}, {3});  // an agent whose clock stepped back
  std::vector<int64_t> ts;
  std::vector<double> vs;
  REQUIRE(tsdb->ReadRange(id, 0, 9000, 100, &ts, &vs).ok());
  CHECK(ts == std::vector<int64_t>{1000, 3000, 5000});
  CHECK(vs == std::vector<double>{1, 3, 5});
}

TEST_CASE("a run's sequence mark only moves forward; a stale commit writes nothing", "[storage]") {
  TempDir dir;
  auto tsdb = OpenTsdb(dir);
  const SeriesId id = *tsdb->index().GetOrCreate(Series("m", {}));
  Write(*tsdb, 5, id, {5000}, {5});
  const std::vector<int64_t> ts = {4000};
  const std::vector<double> vs = {4};
  SeriesWrite late{id, ts, vs};
  // A commit of sequence 4 arriving after 5 (from a stream the agent has left).
  auto result = tsdb->Commit(std::span<const SeriesWrite>(&late, 1), {"h", "run", 4, 0});
  REQUIRE(result.ok());
  CHECK(*result == CommitResult::kDuplicate);
  result = tsdb->Commit(std::span<const SeriesWrite>(&late, 1), {"h", "run", 5, 0});
  CHECK(*result == CommitResult::kDuplicate);
  // Another run of the same host has its own mark.
  result = tsdb->Commit(std::span<const SeriesWrite>(&late, 1), {"h", "other-run", 1, 0});
  CHECK(*result == CommitResult::kStored);
  v1::Hello hello;
  hello.set_run_id("run");
  CHECK(*tsdb->RecordHello("h", hello, "p", 0) == 5);
}

TEST_CASE("special values are stored exactly", "[storage]") {
  TempDir dir;
  auto tsdb = OpenTsdb(dir);
  const SeriesId id = *tsdb->index().GetOrCreate(Series("m", {}));
  Write(*tsdb, 1, id, {1, 2, 3, 4}, {NAN, INFINITY, -INFINITY, -0.0});
  std::vector<int64_t> ts;
  std::vector<double> vs;
  REQUIRE(tsdb->ReadRange(id, 0, 10, 100, &ts, &vs).ok());
  REQUIRE(vs.size() == 4);
  CHECK(std::isnan(vs[0]));
  CHECK(vs[1] == INFINITY);
  CHECK(vs[2] == -INFINITY);
  CHECK(std::signbit(vs[3]));
}

TEST_CASE("the series index selects by every kind of matcher", "[storage]") {
  TempDir dir;
  auto tsdb = OpenTsdb(dir);
  const SeriesId idle0 = *tsdb->index().GetOrCreate(
      Series("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}}));
  const SeriesId user0 = *tsdb->index().GetOrCreate(
      Series("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}}));
  const SeriesId idle1 = *tsdb->index().GetOrCreate(
      Series("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "idle"}}));
  const SeriesId load = *tsdb->index().GetOrCreate(Series("node_load1", {}));
  // The same labels again give the same id.
  CHECK(*tsdb->index().GetOrCreate(Series("node_load1", {})) == load);

  CHECK(Select(*tsdb, "node_cpu_seconds_total") == std::vector<SeriesId>{idle0, user0, idle1});
  CHECK(Select(*tsdb, "node_cpu_seconds_total{mode=\"idle\"}") ==
        std::vector<SeriesId>{idle0, idle1});
  CHECK(Select(*tsdb, "node_cpu_seconds_total{mode!=\"idle\"}") == std::vector<SeriesId>{user0});
  CHECK(Select(*tsdb, "node_cpu_seconds_total{cpu=~\"1|2\"}") == std::vector<SeriesId>{idle1});
  CHECK(Select(*tsdb, "node_cpu_seconds_total{cpu!~\"0\"}") == std::vector<SeriesId>{idle1});
  CHECK(Select(*tsdb, "{__name__=~\"node_.*\",cpu=\"\"}") == std::vector<SeriesId>{load});
  CHECK(Select(*tsdb, "{mode=\"idle\"}") == std::vector<SeriesId>{idle0, idle1});
  CHECK(Select(*tsdb, "node_load5").empty());

  auto matchers = query::ParseSelector("{cpu!=\"0\"}");
  REQUIRE(matchers.ok());
  CHECK(tsdb->index().Select(*matchers, 100).status().code() == absl::StatusCode::kInvalidArgument);
  matchers = query::ParseSelector("node_cpu_seconds_total");
  CHECK(tsdb->index().Select(*matchers, 2).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("series, samples, hosts and sequence marks survive a reopen", "[storage]") {
  TempDir dir;
  SeriesId id = 0;
  {
    auto tsdb = OpenTsdb(dir);
    v1::Hello hello;
    hello.set_run_id("run-1");
    hello.set_agent_version("9.9");
    hello.mutable_facts()->set_kernel_release("6.1.0");
    CHECK(*tsdb->RecordHello("db1", hello, "ipv4:127.0.0.1:1", 1000) == 0);
    id = *tsdb->index().GetOrCreate(Series("node_load1", {{"instance", "db1"}}));
    const std::vector<int64_t> ts = {1000};
    const std::vector<double> vs = {0.5};
    SeriesWrite w{id, ts, vs};
    REQUIRE(tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"db1", "run-1", 7, 2000}).ok());
  }
  auto tsdb = OpenTsdb(dir);
  CHECK(tsdb->index().size() == 1);
  CHECK(*tsdb->index().GetOrCreate(Series("node_load1", {{"instance", "db1"}})) == id);
  // A new series after reopen gets a fresh id.
  CHECK(*tsdb->index().GetOrCreate(Series("node_load5", {})) > id);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  REQUIRE(tsdb->ReadRange(id, 0, 5000, 10, &ts, &vs).ok());
  CHECK(vs == std::vector<double>{0.5});

  const std::vector<v1::HostInfo> hosts = tsdb->Hosts();
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0].host() == "db1");
  CHECK(hosts[0].agent_version() == "9.9");
  CHECK(hosts[0].facts().kernel_release() == "6.1.0");
  CHECK(hosts[0].first_seen_ms() == 1000);
  CHECK(hosts[0].last_seen_ms() == 2000);

  v1::Hello again;
  again.set_run_id("run-1");
  CHECK(*tsdb->RecordHello("db1", again, "p", 3000) == 7);
  again.set_run_id("run-2");
  CHECK(*tsdb->RecordHello("db1", again, "p", 3000) == 0);
  CHECK(*tsdb->RecordHello("db2", again, "p", 3000) == 0);
}

}  // namespace
}  // namespace vigil::storage
