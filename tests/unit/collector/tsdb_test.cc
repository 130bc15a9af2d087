#include "collector/storage/tsdb.h"

#include <rocksdb/db.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <thread>

#include "collector/query/selector.h"
#include "collector/storage/double_bytes.h"
#include "collector/storage/window.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

using testing::TempDir;

// 2026-11-01T00:00:00Z: a minute-, hour- and day-aligned instant.
constexpr int64_t kT0 = 1'793'491'200'000;
static_assert(kT0 % kDayMs == 0);

LabelSet Series(const std::string& metric, std::vector<Label> labels) {
  labels.push_back({"__name__", metric});
  return LabelSet(std::move(labels));
}

struct Store {
  explicit Store(TsdbOptions extra = {}) : clock(absl::FromUnixMillis(kT0)), options(extra) {
    options.dir = dir.Path("db");
    options.clock = &clock;
    options.snapshot_on_close = false;  // Reopen() snapshots as a clean close would
    Open();
  }
  void Open() {
    tsdb.reset();
    absl::StatusOr<std::unique_ptr<Tsdb>> opened = Tsdb::Open(options);
    REQUIRE(opened.ok());
    tsdb = std::move(*opened);
  }
  // A clean close and start.
  void Reopen() {
    REQUIRE(tsdb->SnapshotHead().ok());
    Open();
  }
  // Imitates kill -9: RocksDB is closed without the head snapshot a clean close writes.
  void Crash() { Open(); }
  SeriesId Id(const std::string& metric, std::vector<Label> labels = {}) {
    absl::StatusOr<SeriesId> id = tsdb->index().GetOrCreate(Series(metric, std::move(labels)));
    REQUIRE(id.ok());
    return *id;
  }
  // Commits with the collector's clock at (at least) the newest sample, as when an agent
  // sends what it just sampled.
  CommitResult Write(SeriesId id, std::vector<int64_t> ts, std::vector<double> vs) {
    if (!ts.empty() && ts.back() > clock.NowMs()) clock.Set(absl::FromUnixMillis(ts.back()));
    return WriteNow(id, std::move(ts), std::move(vs));
  }
  // Commits at whatever the clock says.
  CommitResult WriteNow(SeriesId id, std::vector<int64_t> ts, std::vector<double> vs) {
    SeriesWrite w{id, ts, vs};
    absl::StatusOr<CommitResult> result =
        tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"h", "run", ++sequence, 0});
    REQUIRE(result.ok());
    REQUIRE(!result->duplicate_batch);
    return *result;
  }
  std::vector<std::pair<int64_t, double>> Read(SeriesId id, int64_t from = kT0 - kDayMs,
                                               int64_t to = kT0 + 30 * kDayMs) {
    std::vector<int64_t> ts;
    std::vector<double> vs;
    absl::Status read = tsdb->ReadRange(id, from, to, 10'000'000, &ts, &vs);
    REQUIRE(read.ok());
    std::vector<std::pair<int64_t, double>> out;
    for (size_t i = 0; i < ts.size(); ++i) out.emplace_back(ts[i], vs[i]);
    return out;
  }
  std::vector<RollupPoint> Rollups(SeriesId id, Resolution r, int64_t from, int64_t to) {
    std::vector<RollupPoint> points;
    REQUIRE(tsdb->ReadRollups(id, r, from, to, 1'000'000, &points).ok());
    return points;
  }

  TempDir dir;
  ManualClock clock;
  TsdbOptions options;
  std::unique_ptr<Tsdb> tsdb;
  uint64_t sequence = 0;
};

// Writes one record straight into a column family of the closed store in `dir`: what a
// disk fault or a bug elsewhere could leave there.
// Writes (or, with `read`, reads) one record of a closed store directly.
void RawRecord(const std::string& dir, const std::string& cf, const std::string& key,
               std::string* value, bool read) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    if (h->GetName() == cf) target = h;
  }
  REQUIRE(target != nullptr);
  if (read) {
    rocksdb::Status got = db->Get(rocksdb::ReadOptions(), target, key, value);
    if (got.IsNotFound()) value->clear();
  } else {
    REQUIRE(db->Put(rocksdb::WriteOptions(), target, key, *value).ok());
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
  delete db;
}

void PutRaw(const std::string& dir, const std::string& cf, const std::string& key,
            std::string value) {
  RawRecord(dir, cf, key, &value, /*read=*/false);
}

std::string GetRaw(const std::string& dir, const std::string& cf, const std::string& key) {
  std::string value;
  RawRecord(dir, cf, key, &value, /*read=*/true);
  return value;
}

std::vector<SeriesId> Select(Tsdb& tsdb, const std::string& selector, size_t max = 1'000'000) {
  auto matchers = query::ParseSelector(selector);
  REQUIRE(matchers.ok());
  auto ids = tsdb.index().Select(*matchers, max);
  REQUIRE(ids.ok());
  return *ids;
}

TEST_CASE("samples read back in order across head and closed windows", "[storage]") {
  Store s;
  const SeriesId id = s.Id("node_load1", {{"instance", "a"}});
  const SeriesId other = s.Id("node_load1", {{"instance", "b"}});
  // 25 minutes at 1 s: windows [0,10m) and [10m,20m) close, [20m,30m) stays in the head.
  std::vector<std::pair<int64_t, double>> expected;
  for (int i = 0; i < 1500; ++i) {
    const int64_t t = kT0 + i * 1000;
    s.Write(id, {t}, {i * 0.5});
    expected.emplace_back(t, i * 0.5);
  }
  CHECK(s.tsdb->counters().chunks_written == 2);
  // A window that ended 15 minutes ago: straight to its chunk, not into the head.
  CHECK(s.Write(other, {kT0 + 1500}, {99}).backfilled == 1);
  CHECK(s.Read(id) == expected);
  CHECK(s.Read(id, kT0 + 599'000, kT0 + 601'000) ==
        std::vector<std::pair<int64_t, double>>(expected.begin() + 599, expected.begin() + 602));
  CHECK(s.Read(id, kT0 - 10'000, kT0 - 1).empty());
  CHECK(s.Read(other) == std::vector<std::pair<int64_t, double>>{{kT0 + 1500, 99}});

  std::vector<int64_t> ts;
  std::vector<double> vs;
  absl::Status limited = s.tsdb->ReadRange(id, kT0, kT0 + kDayMs, 100, &ts, &vs);
  CHECK(limited.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(limited.message()).find("query.max_samples") != std::string::npos);
}

TEST_CASE("a read reports the samples it decoded, and max_samples limits those", "[storage]") {
  Store s;
  const SeriesId id = s.Id("node_load1");
  // Window [0, 10m) at 1 s closes into a 600-sample chunk; [10m, 20m) holds 300 in the head.
  std::vector<int64_t> all_ts;
  std::vector<double> all_vs;
  for (int i = 0; i < 900; ++i) {
    all_ts.push_back(kT0 + i * 1000);
    all_vs.push_back(i);
  }
  s.Write(id, all_ts, all_vs);
  REQUIRE(s.tsdb->counters().chunks_written == 1);

  struct Case {
    int64_t from, to;
    size_t kept, decoded, chunks;
  };
  const std::vector<Case> cases = {
      {kT0 + 5000, kT0 + 5000, 1, 600, 1},        // one sample of the chunk
      {kT0 + 599'000, kT0 + 600'000, 2, 900, 1},  // the chunk's last and the head's first
      {kT0 + 700'000, kT0 + 700'000, 1, 900, 1},  // the head's, and the chunk before the range
      {kT0 - 5000, kT0 + kDayMs, 900, 900, 1},    // everything
      {kT0 - 10'000, kT0 - 5000, 0, 0, 0},        // before the data
  };
  for (const Case& c : cases) {
    INFO("[" << c.from - kT0 << ", " << c.to - kT0 << "]");
    std::vector<int64_t> ts;
    std::vector<double> vs;
    ReadCost cost;
    REQUIRE(s.tsdb->ReadRange(id, c.from, c.to, c.decoded, &ts, &vs, &cost).ok());
    CHECK(ts.size() == c.kept);
    CHECK(cost.samples_decoded == c.decoded);
    CHECK(cost.chunks_decoded == c.chunks);
    // One sample fewer than decoded is over the limit, however few are kept.
    if (c.decoded > 0) {
      ts.clear();
      vs.clear();
      ReadCost over;
      absl::Status limited = s.tsdb->ReadRange(id, c.from, c.to, c.decoded - 1, &ts, &vs, &over);
      CHECK(limited.code() == absl::StatusCode::kResourceExhausted);
      CHECK(std::string(limited.message()).find("query.max_samples") != std::string::npos);
      CHECK(ts.empty());
    }
  }
  // Costs add up over reads.
  std::vector<int64_t> ts;
  std::vector<double> vs;
  ReadCost cost;
  REQUIRE(s.tsdb->ReadRange(id, kT0, kT0, 1000, &ts, &vs, &cost).ok());
  REQUIRE(s.tsdb->ReadRange(id, kT0 + 1000, kT0 + 1000, 1000, &ts, &vs, &cost).ok());
  CHECK(ts == std::vector<int64_t>{kT0, kT0 + 1000});
  CHECK(cost.samples_decoded == 1200);
  CHECK(cost.chunks_decoded == 2);
}

TEST_CASE("late, duplicate, backfilled and refused samples", "[storage]") {
  Store s;
  s.clock.Set(absl::FromUnixMillis(kT0 + kHourMs));
  const SeriesId id = s.Id("m");
  // Open window [1h, 1h10m).
  CommitResult r = s.Write(id, {kT0 + kHourMs + 10'000, kT0 + kHourMs + 30'000}, {1, 3});
  CHECK(r.stored == 2);

  SECTION("a late sample inside the head's window is accepted") {
    r = s.Write(id, {kT0 + kHourMs + 20'000}, {2});
    CHECK(r.stored == 1);
    CHECK(s.Read(id) == std::vector<std::pair<int64_t, double>>{{kT0 + kHourMs + 10'000, 1},
                                                                {kT0 + kHourMs + 20'000, 2},
                                                                {kT0 + kHourMs + 30'000, 3}});
  }
  SECTION("a sample at a stored timestamp is a duplicate and dropped") {
    r = s.Write(id, {kT0 + kHourMs + 10'000, kT0 + kHourMs + 30'000}, {7, 7});
    CHECK(r.duplicates == 2);
    CHECK(r.stored == 0);
    CHECK(s.Read(id).front().second == 1);
  }
  SECTION("a sample older than the head's window goes into its window's chunk, merged") {
    r = s.Write(id, {kT0 + 60'000}, {10});
    CHECK(r.backfilled == 1);
    r = s.Write(id, {kT0 + 30'000, kT0 + 60'000, kT0 + 90'000}, {9, 99, 11});
    CHECK(r.backfilled == 2);
    CHECK(r.duplicates == 1);
    CHECK(s.Read(id, kT0, kT0 + 120'000) ==
          std::vector<std::pair<int64_t, double>>{
              {kT0 + 30'000, 9}, {kT0 + 60'000, 10}, {kT0 + 90'000, 11}});
  }
  SECTION("samples older than the raw retention or too far ahead are refused") {
    const int64_t now = s.clock.NowMs();
    r = s.WriteNow(id, {now - s.options.retention.raw_ms - 1, now + s.options.max_future_ms + 1},
                   {1, 2});
    CHECK(r.too_old == 1);
    CHECK(r.too_new == 1);
    CHECK(r.stored == 0);
    CHECK(s.tsdb->counters().samples_too_old == 1);
    CHECK(s.tsdb->counters().samples_too_new == 1);
  }
}

TEST_CASE("an agent's backlog closes every window it spans in one commit", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  s.Write(id, {kT0 + kHourMs - 1000}, {-1});  // the series' window is open
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 3600; ++i) {
    ts.push_back(kT0 + kHourMs + i * 1000);
    vs.push_back(i);
  }
  const CommitResult r = s.Write(id, ts, vs);
  CHECK(r.stored == 3600);
  // The open window [50m, 60m) and five of the hour's six close; the sixth stays open.
  CHECK(s.tsdb->counters().chunks_written == 6);
  const auto read = s.Read(id);
  REQUIRE(read.size() == 3601);
  CHECK(read.back() == std::pair<int64_t, double>{ts.back(), 3599});
}

TEST_CASE("a run's durable sequences: a resend writes nothing, a gap is filled later",
          "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  auto commit = [&](int64_t t, uint64_t first, uint64_t last, const std::string& run = "run") {
    const std::vector<int64_t> ts = {t};
    const std::vector<double> vs = {1};
    SeriesWrite w{id, ts, vs};
    absl::StatusOr<CommitResult> result =
        s.tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"h", run, first, 0, last});
    REQUIRE(result.ok());
    return *result;
  };
  CHECK(!commit(kT0 + 5000, 5, 0).duplicate_batch);  // live, ahead of a backlog 1..4
  CHECK(commit(kT0 + 5000, 5, 0).duplicate_batch);   // resent: nothing written
  CommitResult backlog = commit(kT0 + 1000, 1, 3);   // three batches packed in one
  CHECK(!backlog.duplicate_batch);
  CHECK(backlog.stored == 1);
  CHECK(backlog.durable_through == 3);
  CHECK(commit(kT0 + 1000, 2, 3).duplicate_batch);
  // Partly durable (4 is new, 5 is not): stored; the sample already there is a duplicate.
  CommitResult partial = commit(kT0 + 5000, 4, 5);
  CHECK(!partial.duplicate_batch);
  CHECK(partial.duplicates == 1);
  CHECK(partial.durable_through == 5);
  // Another run of the same host has its own set (the sample itself is a duplicate).
  CommitResult other = commit(kT0 + 5000, 1, 0, "other-run");
  CHECK(!other.duplicate_batch);
  CHECK(other.duplicates == 1);
  v1::Hello hello;
  hello.set_run_id("run");
  CHECK(s.tsdb->RecordHello("h", hello, "p", 0)->through() == 5);
  commit(kT0 + 9000, 9, 0);
  s.Reopen();
  absl::StatusOr<SequenceSet> progress = s.tsdb->RunProgress("h", "run");
  REQUIRE(progress.ok());
  CHECK(progress->through() == 5);
  REQUIRE(progress->above().size() == 1);
  CHECK(progress->above()[0] == SequenceRange{9, 9});
}

TEST_CASE("a run may not leave more than kMaxSequenceRanges gaps", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  const std::vector<int64_t> ts = {kT0};
  const std::vector<double> vs = {1};
  SeriesWrite w{id, ts, vs};
  for (uint64_t k = 1; k <= kMaxSequenceRanges; ++k) {
    REQUIRE(s.tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"h", "run", 2 * k, 0}).ok());
  }
  absl::StatusOr<CommitResult> result = s.tsdb->Commit(std::span<const SeriesWrite>(&w, 1),
                                                       {"h", "run", 2 * kMaxSequenceRanges + 2, 0});
  REQUIRE(result.status().code() == absl::StatusCode::kFailedPrecondition);
  // Filling a gap is always allowed.
  CHECK(s.tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"h", "run", 1, 0}).ok());
}

TEST_CASE("special values are stored exactly, in the head and in chunks", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  const std::vector<double> special = {NAN,  INFINITY, -INFINITY,
                                       -0.0, 5e-324,   1.7976931348623157e308};
  for (size_t i = 0; i < special.size(); ++i)
    s.Write(id, {kT0 + static_cast<int64_t>(i)}, {special[i]});
  auto check = [&] {
    const auto read = s.Read(id, kT0, kT0 + 10);
    REQUIRE(read.size() == special.size());
    CHECK(std::isnan(read[0].second));
    CHECK(read[1].second == INFINITY);
    CHECK(read[2].second == -INFINITY);
    CHECK((read[3].second == 0 && std::signbit(read[3].second)));
    CHECK(read[4].second == 5e-324);
    CHECK(read[5].second == 1.7976931348623157e308);
  };
  check();
  s.Write(id, {kT0 + 20 * kMinuteMs}, {1});  // closes the window: now from a chunk
  CHECK(s.tsdb->counters().chunks_written == 1);
  check();
}

TEST_CASE("the series index selects by every kind of matcher", "[storage]") {
  Store s;
  const SeriesId idle0 = s.Id("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}});
  const SeriesId user0 = s.Id("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}});
  const SeriesId idle1 = s.Id("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "idle"}});
  const SeriesId load = s.Id("node_load1");
  CHECK(s.Id("node_load1") == load);

  Tsdb& t = *s.tsdb;
  CHECK(Select(t, "node_cpu_seconds_total") == std::vector<SeriesId>{idle0, user0, idle1});
  CHECK(Select(t, "node_cpu_seconds_total{mode=\"idle\"}") == std::vector<SeriesId>{idle0, idle1});
  CHECK(Select(t, "node_cpu_seconds_total{mode!=\"idle\"}") == std::vector<SeriesId>{user0});
  CHECK(Select(t, "node_cpu_seconds_total{cpu=~\"1|2\"}") == std::vector<SeriesId>{idle1});
  CHECK(Select(t, "node_cpu_seconds_total{cpu!~\"0\"}") == std::vector<SeriesId>{idle1});
  CHECK(Select(t, "{__name__=~\"node_.*\",cpu=\"\"}") == std::vector<SeriesId>{load});
  CHECK(Select(t, "{__name__=~\"node_.*\",cpu=~\"0|\"}") ==
        std::vector<SeriesId>{idle0, user0, load});
  CHECK(Select(t, "{mode=\"idle\"}") == std::vector<SeriesId>{idle0, idle1});
  CHECK(Select(t, "node_load5").empty());

  auto matchers = query::ParseSelector("{cpu!=\"0\"}");
  REQUIRE(matchers.ok());
  CHECK(t.index().Select(*matchers, 100).status().code() == absl::StatusCode::kInvalidArgument);
  matchers = query::ParseSelector("node_cpu_seconds_total");
  CHECK(t.index().Select(*matchers, 2).status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("the series index lists label names and values, capped", "[storage]") {
  Store s;
  s.Id("node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}});
  s.Id("node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "user"}});
  s.Id("node_load1", {{"instance", "db1"}});
  s.Id("node_load1", {{"instance", "db10"}});
  s.Id("node_load1", {{"instance", "db2"}});
  // A value that is a prefix of others.
  s.Id("m", {{"instance", "db"}});
  const SeriesIndex& index = s.tsdb->index();
  bool truncated = true;

  absl::StatusOr<std::vector<std::string>> names = index.LabelNames(100, &truncated);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"__name__", "cpu", "instance", "mode"});
  CHECK_FALSE(truncated);
  names = index.LabelNames(2, &truncated);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"__name__", "cpu"});
  CHECK(truncated);

  absl::StatusOr<std::vector<std::string>> values = index.LabelValues("instance", 100, &truncated);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<std::string>{"db", "db1", "db10", "db2"});
  CHECK_FALSE(truncated);
  values = index.LabelValues("__name__", 100, &truncated);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<std::string>{"m", "node_cpu_seconds_total", "node_load1"});
  values = index.LabelValues("instance", 3, &truncated);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<std::string>{"db", "db1", "db10"});
  CHECK(truncated);
  values = index.LabelValues("nope", 100, &truncated);
  REQUIRE(values.ok());
  CHECK(values->empty());
  // "cpu" is not read as a prefix of another name ("cpu" 0x00 ...).
  values = index.LabelValues("cp", 100, &truncated);
  REQUIRE(values.ok());
  CHECK(values->empty());
}

TEST_CASE("selectors over many series agree with matching every label set", "[storage]") {
  Store s;
  std::mt19937_64 rng(42);
  struct Known {
    SeriesId id;
    LabelSet labels;
  };
  std::vector<Known> all;
  const char* metrics[] = {"node_cpu_seconds_total", "node_disk_read_bytes_total",
                           "node_filesystem_avail_bytes", "node_network_receive_bytes_total"};
  for (int host = 0; host < 40; ++host) {
    for (int k = 0; k < 100; ++k) {
      std::vector<Label> labels = {{"instance", absl::StrCat("db", host)}};
      if (k % 3 != 0)
        labels.push_back({"device", std::string("sd") + static_cast<char>('a' + k % 7)});
      if (k % 5 == 0) labels.push_back({"mode", k % 10 == 0 ? "idle" : "user"});
      labels.push_back({"k", absl::StrCat(k)});
      const std::string metric = metrics[rng() % 4];
      LabelSet set = Series(metric, labels);
      all.push_back({s.Id(metric, labels), set});
    }
  }
  const std::vector<std::string> selectors = {
      "node_cpu_seconds_total",
      "node_cpu_seconds_total{instance=\"db7\"}",
      "{instance=~\"db1.*\",device=\"sdb\"}",
      "node_disk_read_bytes_total{device!=\"sda\",mode!~\"idle\"}",
      "{__name__=~\"node_(cpu|disk).*\",instance!~\"db[0-3]\",device=~\"sd[c-e]\"}",
      "{instance=\"db3\",mode=~\"|user\"}",
      "{k=~\"1.\",instance=~\"db2.\"}",
  };
  for (const std::string& selector : selectors) {
    auto matchers = query::ParseSelector(selector);
    REQUIRE(matchers.ok());
    std::vector<SeriesId> expected;
    for (const Known& k : all) {
      bool ok = true;
      for (const LabelMatcher& m : *matchers) ok = ok && m.Matches(k.labels.Get(m.name()));
      if (ok) expected.push_back(k.id);
    }
    std::sort(expected.begin(), expected.end());
    INFO(selector);
    CHECK(Select(*s.tsdb, selector) == expected);
  }
}

TEST_CASE("series, samples, hosts and sequence marks survive a clean reopen", "[storage]") {
  Store s;
  v1::Hello hello;
  hello.set_run_id("run-1");
  hello.set_agent_version("9.9");
  hello.mutable_facts()->set_kernel_release("6.1.0");
  CHECK(s.tsdb->RecordHello("db1", hello, "ipv4:127.0.0.1:1", 1000)->through() == 0);
  const SeriesId id = s.Id("node_load1", {{"instance", "db1"}});
  const std::vector<int64_t> ts = {kT0 + 1000};
  const std::vector<double> vs = {0.5};
  SeriesWrite w{id, ts, vs};
  REQUIRE(s.tsdb->Commit(std::span<const SeriesWrite>(&w, 1), {"db1", "run-1", 7, 2000}).ok());
  s.Reopen();
  CHECK(s.tsdb->counters().replayed_records == 0);  // the clean close snapshotted the head
  CHECK(s.Id("node_load1", {{"instance", "db1"}}) == id);
  CHECK(s.Id("node_load5") > id);
  CHECK(s.Read(id) == std::vector<std::pair<int64_t, double>>{{kT0 + 1000, 0.5}});
  const std::vector<v1::HostInfo> hosts = s.tsdb->Hosts();
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0].agent_version() == "9.9");
  CHECK(hosts[0].facts().kernel_release() == "6.1.0");
  CHECK(hosts[0].first_seen_ms() == 1000);
  CHECK(hosts[0].last_seen_ms() == 2000);
  v1::Hello again;
  again.set_run_id("run-1");
  CHECK(s.tsdb->RecordHello("db1", again, "p", 3000)->Contains(7));
}

TEST_CASE("after a crash the head is rebuilt from the snapshot and the WAL", "[storage]") {
  Store s;
  const SeriesId a = s.Id("a");
  const SeriesId b = s.Id("b");
  std::vector<std::pair<int64_t, double>> expected_a, expected_b;
  auto write = [&](int i) {
    const int64_t t = kT0 + i * 1000;
    s.Write(a, {t}, {static_cast<double>(i)});
    expected_a.emplace_back(t, i);
    if (i % 3 == 0) {
      s.Write(b, {t}, {-i * 0.25});
      expected_b.emplace_back(t, -i * 0.25);
    }
  };
  for (int i = 0; i < 700; ++i) write(i);  // a window closed, the next one open
  SECTION("WAL only") {}
  SECTION("snapshot, then more WAL") {
    REQUIRE(s.tsdb->SnapshotHead().ok());
    // A late sample and more in-order ones after the snapshot.
    s.Write(a, {kT0 + 650'500}, {0.5});
    expected_a.insert(expected_a.begin() + 651, {kT0 + 650'500, 0.5});
    for (int i = 700; i < 1300; ++i) write(i);
  }
  s.Crash();
  CHECK(s.tsdb->counters().replayed_records > 0);
  CHECK(s.Read(a) == expected_a);
  CHECK(s.Read(b) == expected_b);
  // And the rebuilt head keeps working: appends, a duplicate, a window close.
  const int64_t next = expected_a.back().first + 1000;
  CHECK(s.Write(a, {expected_a.back().first}, {1}).duplicates == 1);
  s.Write(a, {next, next + kHourMs}, {1, 2});
  CHECK(s.Read(a).size() == expected_a.size() + 2);
}

TEST_CASE("silent series leave the head and stay readable", "[storage]") {
  Store s;
  const SeriesId id = s.Id("fs_avail", {{"mountpoint", "/mnt/usb"}});
  for (int i = 0; i < 10; ++i) s.Write(id, {kT0 + i * 1000}, {1.0 * i});
  CHECK(s.tsdb->HeadSeriesCount() == 1);
  CHECK(s.tsdb->index().cached() == 1);
  REQUIRE(s.tsdb->Maintain().ok());
  CHECK(s.tsdb->HeadSeriesCount() == 1);  // its window has not ended yet
  s.clock.Set(absl::FromUnixMillis(kT0 + 2 * s.options.chunk_span_ms));
  REQUIRE(s.tsdb->Maintain().ok());
  CHECK(s.tsdb->HeadSeriesCount() == 0);
  CHECK(s.tsdb->index().cached() == 0);
  CHECK(s.tsdb->counters().series_evicted == 1);
  CHECK(s.Read(id).size() == 10);
  // It comes back under the same id.
  CHECK(s.Id("fs_avail", {{"mountpoint", "/mnt/usb"}}) == id);
  s.Crash();
  CHECK(s.Read(id).size() == 10);
}

TEST_CASE("1-minute and 1-hour rollups hold min, max, sum, count and last", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  // 90 minutes at 10 s: value = minute * 100 + second.
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int i = 0; i < 540; ++i) {
    ts.push_back(kT0 + i * 10'000);
    vs.push_back((i / 6) * 100 + (i % 6) * 10);
  }
  // Committed at 90m: the older windows are written straight to chunks, the recent ones
  // enter the head and all but the last one [80m, 90m) close.
  s.Write(id, ts, vs);
  const std::vector<RollupPoint> minutes =
      s.Rollups(id, Resolution::kMinute, kT0, kT0 + 2 * kHourMs);
  REQUIRE(minutes.size() == 90);
  for (int m = 0; m < 90; ++m) {
    INFO("minute " << m);
    CHECK(minutes[m].start_ms == kT0 + m * kMinuteMs);
    CHECK(minutes[m].count == 6);
    CHECK(minutes[m].min == m * 100);
    CHECK(minutes[m].max == m * 100 + 50);
    CHECK(minutes[m].last == m * 100 + 50);
    CHECK(minutes[m].sum == 6 * m * 100 + 150);
  }
  const std::vector<RollupPoint> hours = s.Rollups(id, Resolution::kHour, kT0, kT0 + 2 * kHourMs);
  REQUIRE(hours.size() == 2);
  CHECK(hours[0].count == 360);
  CHECK(hours[0].min == 0);
  CHECK(hours[0].max == 5950);
  CHECK(hours[1].count == 180);  // closed windows of the second hour plus the head's
  CHECK(hours[1].min == 6000);
  CHECK(hours[1].last == 8950);
  double sum = 0;
  for (int i = 360; i < 540; ++i) sum += vs[i];
  CHECK(hours[1].sum == sum);

  SECTION("a late sample updates its window's rollups") {
    s.WriteNow(id, {kT0 + 5}, {-1});
    const auto first = s.Rollups(id, Resolution::kMinute, kT0, kT0);
    REQUIRE(first.size() == 1);
    CHECK(first[0].count == 7);
    CHECK(first[0].min == -1);
    CHECK(s.Rollups(id, Resolution::kHour, kT0, kT0)[0].count == 361);
  }
}

TEST_CASE("rollups leave staleness markers out, as Prometheus' range vectors do", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  const double stale = DoubleFromBits(kStaleMarkerBits);
  // Minute 0: 1, NaN, a marker, 4. Minute 1: only a marker. Minute 2: 7.
  s.Write(id, {kT0, kT0 + 10'000, kT0 + 20'000, kT0 + 30'000, kT0 + 70'000, kT0 + 130'000},
          {1, std::nan(""), stale, 4, stale, 7});
  for (int pass = 0; pass < 2; ++pass) {
    INFO((pass == 0 ? "head" : "written windows"));
    const std::vector<RollupPoint> minutes = s.Rollups(id, Resolution::kMinute, kT0, kT0 + kHourMs);
    REQUIRE(minutes.size() == 2);
    CHECK(minutes[0].count == 3);  // the NaN is a sample, the marker is not
    CHECK(minutes[0].last == 4);
    CHECK(minutes[0].max == 4);
    CHECK(std::isnan(minutes[0].sum));
    CHECK(minutes[1].start_ms == kT0 + 2 * kMinuteMs);
    CHECK(minutes[1].count == 1);
    const std::vector<RollupPoint> hours = s.Rollups(id, Resolution::kHour, kT0, kT0 + kHourMs);
    REQUIRE(hours.size() == 1);
    CHECK(hours[0].count == 4);
    CHECK(hours[0].last == 7);
    s.clock.Set(absl::FromUnixMillis(kT0 + kHourMs));
    REQUIRE(s.tsdb->Maintain().ok());
  }
}

TEST_CASE("retention hides and then removes expired data per resolution", "[storage]") {
  TsdbOptions options;
  options.retention = {.raw_ms = 2 * kDayMs, .minute_ms = 10 * kDayMs, .hour_ms = 40 * kDayMs};
  Store s(options);
  const SeriesId id = s.Id("m");
  for (int i = 0; i < 130; ++i) s.Write(id, {kT0 + i * 10'000}, {1.0 * i});
  s.clock.Set(absl::FromUnixMillis(kT0 + kHourMs));
  REQUIRE(s.tsdb->Maintain().ok());  // closes the last window
  REQUIRE(s.tsdb->CompactAll().ok());
  CHECK(s.tsdb->DiskBytes(Resolution::kRaw) > 0);
  CHECK(s.Read(id).size() == 130);

  s.clock.Set(absl::FromUnixMillis(kT0 + 3 * kDayMs));
  CHECK(s.Read(id).empty());  // hidden at once
  CHECK(s.Rollups(id, Resolution::kMinute, kT0, kT0 + kHourMs).size() == 22);
  REQUIRE(s.tsdb->CompactAll().ok());
  CHECK(s.tsdb->DiskBytes(Resolution::kRaw) == 0);  // and gone from disk
  CHECK(s.tsdb->DiskBytes(Resolution::kMinute) > 0);

  s.clock.Set(absl::FromUnixMillis(kT0 + 11 * kDayMs));
  REQUIRE(s.tsdb->CompactAll().ok());
  CHECK(s.tsdb->DiskBytes(Resolution::kMinute) == 0);
  CHECK(s.Rollups(id, Resolution::kHour, kT0, kT0 + kHourMs).size() == 1);

  s.clock.Set(absl::FromUnixMillis(kT0 + 41 * kDayMs));
  REQUIRE(s.tsdb->CompactAll().ok());
  CHECK(s.tsdb->DiskBytes(Resolution::kHour) == 0);
  CHECK(s.Rollups(id, Resolution::kHour, kT0, kT0 + kHourMs).empty());
}

TEST_CASE("a sample of a window written before its series fell silent is merged, not reopened",
          "[storage]") {
  Store s;
  const SeriesId id = s.Id("fs_avail", {{"mountpoint", "/mnt/usb"}});
  for (int i = 1; i <= 5; ++i) s.Write(id, {kT0 + i * 1000}, {1.0 * i});
  // 25 minutes later the window [0, 10m) has been written and the series left the head.
  s.clock.Set(absl::FromUnixMillis(kT0 + 25 * kMinuteMs));
  REQUIRE(s.tsdb->Maintain().ok());
  REQUIRE(s.tsdb->counters().series_evicted == 1);

  // Another run of the agent sends one of those samples again, and a new late one.
  const CommitResult r = s.WriteNow(id, {kT0 + 3000, kT0 + 7000}, {9, 7});
  CHECK(r.duplicates == 1);
  CHECK(r.stored == 1);
  CHECK(r.backfilled == 1);
  const auto read = s.Read(id);
  REQUIRE(read.size() == 6);
  CHECK(read[2] == std::pair<int64_t, double>{kT0 + 3000, 3});
  const auto minutes = s.Rollups(id, Resolution::kMinute, kT0, kT0);
  REQUIRE(minutes.size() == 1);
  CHECK(minutes[0].count == 6);
  CHECK(minutes[0].sum == 1 + 2 + 3 + 4 + 5 + 7);
  const auto hours = s.Rollups(id, Resolution::kHour, kT0, kT0);
  REQUIRE(hours.size() == 1);
  CHECK(hours[0].count == 6);
}

TEST_CASE("rollups after a crash count a replayed window that was already written once",
          "[storage]") {
  TsdbOptions options;
  options.head_snapshot_interval_ms = kDayMs;  // no snapshot but the explicit one
  Store s(options);
  const SeriesId id = s.Id("m");
  for (int i = 0; i < 5; ++i) s.Write(id, {kT0 + i * 1000}, {1.0 * i});
  REQUIRE(s.tsdb->SnapshotHead().ok());
  for (int i = 5; i < 10; ++i) s.Write(id, {kT0 + i * 1000}, {1.0 * i});
  // The series falls silent: its window is written and its head snapshot deleted; the WAL
  // still holds the records after the snapshot when the collector is killed, so the
  // replay puts half of the written window back in the head.
  s.clock.Set(absl::FromUnixMillis(kT0 + 25 * kMinuteMs));
  REQUIRE(s.tsdb->Maintain().ok());
  REQUIRE(s.tsdb->counters().series_evicted == 1);
  s.Crash();
  CHECK(s.tsdb->counters().replayed_records == 5);

  CHECK(s.Read(id).size() == 10);
  const auto minutes = s.Rollups(id, Resolution::kMinute, kT0, kT0 + kHourMs);
  REQUIRE(minutes.size() == 1);
  CHECK(minutes[0].count == 10);
  CHECK(minutes[0].sum == 45);
  const auto hours = s.Rollups(id, Resolution::kHour, kT0, kT0 + kHourMs);
  REQUIRE(hours.size() == 1);
  CHECK(hours[0].count == 10);
  // The next sweep writes the replayed window again, which changes nothing.
  REQUIRE(s.tsdb->Maintain().ok());
  CHECK(s.Rollups(id, Resolution::kMinute, kT0, kT0 + kHourMs) == minutes);
  CHECK(s.Rollups(id, Resolution::kHour, kT0, kT0 + kHourMs) == hours);
}

TEST_CASE("rollups read while windows close count every sample once", "[storage]") {
  TsdbOptions options;
  options.chunk_span_ms = kMinuteMs;  // every commit below closes a window
  options.sync_writes = false;
  Store s(options);
  const SeriesId id = s.Id("m");
  s.Write(id, {kT0}, {1});
  std::atomic<int64_t> newest{kT0};
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, miscounted{0}, failed{0};
  std::thread reader([&] {
    std::vector<RollupPoint> points;
    while (!done.load()) {
      const int64_t t = newest.load();
      points.clear();
      const absl::Status read = s.tsdb->ReadRollups(id, Resolution::kMinute, t - 3 * kMinuteMs,
                                                    t + kMinuteMs, 1'000'000, &points);
      if (!read.ok()) ++failed;
      for (const RollupPoint& p : points) {
        if (p.count != 1) ++miscounted;  // one sample a minute
      }
      ++reads;
    }
  });
  for (int i = 1; i < 3000 || reads.load() < 100; ++i) {
    const int64_t t = kT0 + i * kMinuteMs;
    s.Write(id, {t}, {1});
    newest = t;
  }
  done = true;
  reader.join();
  CHECK(failed == 0);
  CHECK(miscounted == 0);
}

TEST_CASE("a malformed posting key is skipped, not read as a label value", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m", {{"a", "x"}});
  s.tsdb.reset();
  // "p" "a" 0x00 and eight bytes: one byte too short for a value, its 0x00 and an id.
  std::string key = PostingNamePrefix("a");
  PutBigEndian64(&key, 999);
  PutRaw(s.options.dir, "series_index", key, "");
  s.Open();
  CHECK(Select(*s.tsdb, "{a!=\"\"}") == std::vector<SeriesId>{id});
  CHECK(Select(*s.tsdb, "{a=\"x\"}") == std::vector<SeriesId>{id});
  bool truncated = false;
  absl::StatusOr<std::vector<std::string>> values =
      s.tsdb->index().LabelValues("a", 100, &truncated);
  REQUIRE(values.ok());
  CHECK(*values == std::vector<std::string>{"x"});
}

TEST_CASE("a corrupt stored chunk is set aside, and its window rewritten and served", "[storage]") {
  Store s;
  const SeriesId a = s.Id("a");
  const SeriesId b = s.Id("b");
  s.Write(a, {kT0 + 1000}, {1});
  s.Write(b, {kT0 + 1000}, {2});
  s.tsdb.reset();
  PutRaw(s.options.dir, "chunks", ChunkKey(a, kT0), "not a chunk");
  s.Open();  // the WAL puts both windows back in the head
  REQUIRE(s.tsdb->HeadSeriesCount() == 2);

  s.clock.Set(absl::FromUnixMillis(kT0 + 25 * kMinuteMs));
  REQUIRE(s.tsdb->Maintain().ok());
  CHECK(s.tsdb->HeadSeriesCount() == 0);
  CHECK(s.tsdb->counters().series_evicted == 2);
  CHECK(s.tsdb->counters().head_snapshots == 1);
  CHECK(s.tsdb->counters().records_quarantined == 1);
  CHECK(s.Read(a) == std::vector<std::pair<int64_t, double>>{{kT0 + 1000, 1}});
  CHECK(s.Read(b) == std::vector<std::pair<int64_t, double>>{{kT0 + 1000, 2}});
  s.tsdb.reset();
  // Nothing is lost: the undecodable bytes are kept for a human.
  CHECK(GetRaw(s.options.dir, "default", "quarantine/chunks/" + ChunkKey(a, kT0)) == "not a chunk");
}

TEST_CASE("a sample for a window whose stored chunk is corrupt is still stored", "[storage]") {
  Store s;
  const SeriesId id = s.Id("m");
  s.Write(id, {kT0 + kHourMs}, {5});  // the open window is an hour later
  s.tsdb.reset();
  PutRaw(s.options.dir, "chunks", ChunkKey(id, kT0), std::string("\x03\xff\xff", 3));
  s.Open();
  const CommitResult r = s.WriteNow(id, {kT0 + 1000}, {1});
  CHECK(r.backfilled == 1);
  CHECK(s.tsdb->counters().records_quarantined == 1);
  CHECK(s.Read(id) == std::vector<std::pair<int64_t, double>>{{kT0 + 1000, 1}, {kT0 + kHourMs, 5}});
}

}  // namespace
}  // namespace vigil::storage
