#include "bench/query_bench.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "tests/support/temp_dir.h"

namespace vigil::bench {
namespace {

QueryBenchOptions Tiny(const std::string& dir) {
  QueryBenchOptions o;
  o.data_dir = dir;
  o.shape.hosts = 3;
  o.shape.series = 20;
  o.shape.days = 0.1;  // 2.4 hours of node_load1
  o.runs = 2;
  o.warmups = 0;
  return o;
}

TEST_CASE("vigil-bench query answers its queries on a small data set, then reuses the set",
          "[query_bench]") {
  testing::TempDir dir;
  const QueryBenchOptions options = Tiny(dir.path());
  absl::StatusOr<nlohmann::json> first = RunQueryBench(options);
  REQUIRE(first.ok());
  INFO(first->dump(2));
  CHECK((*first)["mode"] == "query");
  CHECK((*first)["hosts"] == 3);
  CHECK((*first)["generated"] == true);
  CHECK((*first)["series"].get<uint64_t>() >= 3 * 20);
  CHECK((*first)["samples_stored"].get<uint64_t>() > 3 * 8640);
  CHECK(std::filesystem::exists(dir.Path("dataset.json")));

  const nlohmann::json& queries = (*first)["queries"];
  std::set<std::string> names;
  for (const auto& [name, q] : queries.items()) {
    INFO(name);
    names.insert(name);
    CHECK(q["expr"].is_string());
    CHECK(q["series"] == 3);
    CHECK(q["points"].get<uint64_t>() >= 3);
    CHECK(q["samples_decoded"].get<uint64_t>() > 0);
    CHECK(q["runs"] == 2);
    for (const char* key : {"p50_ms", "p99_ms", "max_ms"}) {
      CHECK(q[key].is_number());
      CHECK(q[key].get<double>() >= 0);
    }
    CHECK(q["p50_ms"].get<double>() <= q["max_ms"].get<double>());
  }
  CHECK(names == std::set<std::string>{"rate", "sum_rate", "max_30d", "avg_1h_7d"});
  CHECK(queries["rate"]["kind"] == "range");
  CHECK(queries["rate"]["points"] == 3 * 241);  // the last hour at step 15 s
  CHECK(queries["max_30d"]["kind"] == "instant");
  CHECK(queries["max_30d"]["expr"] ==
        R"(max_over_time(node_load1{instance=~"bench-host-00.."}[2h24m]))");

  // The same shape again: the data set is reused, the answers are the same.
  absl::StatusOr<nlohmann::json> second = RunQueryBench(options);
  REQUIRE(second.ok());
  CHECK((*second)["generated"] == false);
  CHECK((*second)["generate_s"] == (*first)["generate_s"]);
  for (const auto& [name, q] : queries.items()) {
    INFO(name);
    CHECK((*second)["queries"][name]["points"] == q["points"]);
    CHECK((*second)["queries"][name]["samples_decoded"] == q["samples_decoded"]);
  }

  // A subset by name; an unknown name is refused with the list.
  QueryBenchOptions some = options;
  some.only = {"max_30d"};
  absl::StatusOr<nlohmann::json> one = RunQueryBench(some);
  REQUIRE(one.ok());
  CHECK((*one)["queries"].size() == 1);
  CHECK((*one)["queries"]["max_30d"]["series"] == 3);
  some.only = {"rate", "nope"};
  absl::StatusOr<nlohmann::json> unknown = RunQueryBench(some);
  REQUIRE(!unknown.ok());
  CHECK(absl::StrContains(unknown.status().message(), "rate, sum_rate, max_30d, avg_1h_7d"));

  // Another shape in the same directory is refused, unless made fresh.
  QueryBenchOptions other = options;
  other.shape.hosts = 4;
  absl::StatusOr<nlohmann::json> refused = RunQueryBench(other);
  REQUIRE(!refused.ok());
  CHECK(absl::StrContains(refused.status().message(), "--fresh"));
  other.fresh = true;
  absl::StatusOr<nlohmann::json> fresh = RunQueryBench(other);
  REQUIRE(fresh.ok());
  CHECK((*fresh)["generated"] == true);
  CHECK((*fresh)["queries"]["rate"]["series"] == 4);
}

TEST_CASE("vigil-bench query fails instead of timing a wrong answer", "[query_bench]") {
  testing::TempDir dir;
  const QueryBenchOptions options = Tiny(dir.path());
  REQUIRE(RunQueryBench(options).ok());
  // The mark says complete, but the store is gone: every query answers nothing.
  std::filesystem::remove_all(dir.Path("tsdb"));
  absl::StatusOr<nlohmann::json> empty = RunQueryBench(options);
  REQUIRE(!empty.ok());
  CHECK(absl::StrContains(empty.status().message(), "0 series returned, expected 3"));
}

}  // namespace
}  // namespace vigil::bench
