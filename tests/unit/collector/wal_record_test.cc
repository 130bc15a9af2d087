#include "collector/storage/wal_record.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>

#include "collector/storage/head_series.h"

namespace vigil::storage {
namespace {

TEST_CASE("a WAL record round-trips host, series and samples bit-exactly", "[storage]") {
  const std::vector<int64_t> ts_a = {-5, 0, 1'793'491'200'000};
  const std::vector<double> vs_a = {NAN, -0.0, 1e308};
  const std::vector<int64_t> ts_b = {42};
  const std::vector<double> vs_b = {-INFINITY};
  const std::vector<SeriesWrite> writes = {{7, ts_a, vs_a}, {1ull << 60, ts_b, vs_b}, {9, {}, {}}};
  const std::string bytes = EncodeWalRecord("db-01", writes);
  WalRecord record;
  REQUIRE(record.Decode(bytes).ok());
  CHECK(record.host() == "db-01");
  REQUIRE(record.series().size() == 2);  // the empty write is not recorded
  CHECK(record.series()[0].id == 7);
  CHECK(std::vector<int64_t>(record.series()[0].timestamps_ms.begin(),
                             record.series()[0].timestamps_ms.end()) == ts_a);
  CHECK(std::isnan(record.series()[0].values[0]));
  CHECK(std::signbit(record.series()[0].values[1]));
  CHECK(record.series()[1].id == (1ull << 60));
  CHECK(record.series()[1].values[0] == -INFINITY);
  CHECK(record.samples() == 4);
}

TEST_CASE("a damaged WAL record is refused whole", "[storage]") {
  const std::vector<int64_t> ts = {1000, 2000, 3000};
  const std::vector<double> vs = {1, 2, 3};
  const std::vector<SeriesWrite> writes = {{3, ts, vs}};
  const std::string bytes = EncodeWalRecord("h", writes);
  WalRecord record;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    INFO("truncated to " << cut);
    CHECK(record.Decode(bytes.substr(0, cut)).code() == absl::StatusCode::kDataLoss);
    CHECK(record.series().empty());
  }
  CHECK(record.Decode(bytes + "x").code() == absl::StatusCode::kDataLoss);
  std::string unordered = EncodeWalRecord("h", writes);
  // Make the second timestamp delta negative: the record is no longer ascending.
  std::vector<int64_t> back = {1000, 500};
  std::vector<double> two = {1, 2};
  std::vector<SeriesWrite> bad = {{3, back, two}};
  CHECK(record.Decode(EncodeWalRecord("h", bad)).code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("a head snapshot restores the series so that appending continues identically",
          "[storage]") {
  std::mt19937_64 rng(7);
  HeadSeries original(5, "db-02");
  absl::MutexLock lock(&original.mu);
  original.Open(600'000);
  int64_t t = 600'000;
  for (int i = 0; i < 300; ++i) {
    t += 1000 + static_cast<int64_t>(rng() % 3);
    original.Append(t, static_cast<double>(rng() % 1000) / 100);
  }
  original.AddLate(600'500, 3.25);
  original.last_wal_seq = 99;
  const std::string snapshot = original.Serialize();
  absl::StatusOr<std::unique_ptr<HeadSeries>> restored = HeadSeries::Deserialize(5, snapshot);
  REQUIRE(restored.ok());
  HeadSeries& copy = **restored;
  absl::MutexLock copy_lock(&copy.mu);
  CHECK(copy.host() == "db-02");
  CHECK(copy.last_wal_seq == 99);
  CHECK(copy.window_start() == 600'000);
  original.Append(t + 1000, 1.5);
  copy.Append(t + 1000, 1.5);
  std::vector<int64_t> ts_a, ts_b;
  std::vector<double> vs_a, vs_b;
  original.Samples(&ts_a, &vs_a);
  copy.Samples(&ts_b, &vs_b);
  CHECK(ts_a == ts_b);
  CHECK(vs_a == vs_b);
  CHECK(ts_a.size() == 302);
  CHECK(copy.Serialize() == original.Serialize());

  for (size_t cut = 0; cut < snapshot.size(); ++cut) {
    CHECK(!HeadSeries::Deserialize(5, snapshot.substr(0, cut)).ok());
  }
}

}  // namespace
}  // namespace vigil::storage
