#include "collector/ingest/series_runs.h"

#include <catch2/catch.hpp>

namespace vigil::ingest {
namespace {

void AddGroup(v1::Batch* batch, int64_t t, std::vector<uint64_t> ids, std::vector<double> values) {
  v1::SampleGroup* g = batch->add_groups();
  g->set_timestamp_ms(t);
  for (uint64_t id : ids) g->add_series_ids(id);
  for (double v : values) g->add_values(v);
}

TEST_CASE("sample groups become one ascending run per stored series", "[ingest]") {
  const absl::flat_hash_map<uint64_t, storage::SeriesId> series = {{1, 100}, {2, 200}};
  v1::Batch batch;
  AddGroup(&batch, 1000, {1, 2}, {1.5, 2.5});
  AddGroup(&batch, 2000, {2, 1}, {2.6, 1.6});
  SeriesRuns runs;
  runs.Build(batch, series);
  CHECK(runs.stored() == 4);
  CHECK(runs.rejected() == 0);
  REQUIRE(runs.writes().size() == 2);
  const storage::SeriesWrite& a = runs.writes()[0];
  CHECK(a.id == 100);
  CHECK(std::vector<int64_t>(a.timestamps_ms.begin(), a.timestamps_ms.end()) ==
        std::vector<int64_t>{1000, 2000});
  CHECK(std::vector<double>(a.values.begin(), a.values.end()) == std::vector<double>{1.5, 1.6});
  CHECK(runs.writes()[1].id == 200);
  CHECK(std::vector<double>(runs.writes()[1].values.begin(), runs.writes()[1].values.end()) ==
        std::vector<double>{2.5, 2.6});
}

TEST_CASE("malformed samples are rejected and counted, the rest kept", "[ingest]") {
  const absl::flat_hash_map<uint64_t, storage::SeriesId> series = {{1, 100}};
  v1::Batch batch;
  AddGroup(&batch, 2000, {1, 9}, {1.0, 9.0});  // 9 is not defined on this stream
  AddGroup(&batch, 3000, {1}, {});             // ids without values
  AddGroup(&batch, 1000, {1}, {0.5});          // earlier than the previous group
  AddGroup(&batch, 4000, {1, 1}, {4.0, 4.1});  // the same series twice at one instant
  SeriesRuns runs;
  runs.Build(batch, series);
  CHECK(runs.stored() == 2);
  CHECK(runs.rejected() == 4);
  REQUIRE(runs.writes().size() == 1);
  CHECK(std::vector<int64_t>(runs.writes()[0].timestamps_ms.begin(),
                             runs.writes()[0].timestamps_ms.end()) ==
        std::vector<int64_t>{2000, 4000});
  CHECK(runs.writes()[0].values[1] == 4.0);

  SECTION("reused for the next batch, nothing of the previous one remains") {
    v1::Batch next;
    AddGroup(&next, 5000, {1}, {5.0});
    runs.Build(next, series);
    CHECK(runs.stored() == 1);
    CHECK(runs.rejected() == 0);
    REQUIRE(runs.writes().size() == 1);
    CHECK(runs.writes()[0].timestamps_ms.size() == 1);
    CHECK(runs.writes()[0].values[0] == 5.0);
  }
}

}  // namespace
}  // namespace vigil::ingest
