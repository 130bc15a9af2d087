// SeriesIndex::Select on label sets with many values and many series per value: the
// answers (checked against every label set) and what they cost (SelectCost).
#include "collector/storage/series_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "collector/storage/tsdb.h"
#include "common/clock.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

using testing::TempDir;
using Type = LabelMatcher::Type;

constexpr int kHosts = 120;
constexpr int kSeriesPerHost = 50;  // each `instance` value has this many postings

struct Known {
  SeriesId id;
  LabelSet labels;
};

// A Tsdb holding kHosts x kSeriesPerHost series (no samples): instance="host-NNN", two
// metrics, and labels whose values are prefixes of one another or absent.
struct Index {
  Index() : clock(absl::FromUnixMillis(1'793'491'200'000)) {
    options.dir = dir.Path("db");
    options.clock = &clock;
    Open();
    const char* variants[] = {"a", "a ", "a\x01", "ab", nullptr};
    for (int host = 0; host < kHosts; ++host) {
      for (int k = 0; k < kSeriesPerHost; ++k) {
        std::vector<Label> labels = {{"__name__", k % 2 == 0 ? "node_a" : "node_b"},
                                     {"instance", absl::StrFormat("host-%03d", host)},
                                     {"k", absl::StrCat(k)}};
        if (const char* v = variants[(host + k) % 5]; v != nullptr) labels.push_back({"v", v});
        LabelSet set(std::move(labels));
        absl::StatusOr<SeriesId> id = tsdb->index().GetOrCreate(set);
        REQUIRE(id.ok());
        all.push_back({*id, std::move(set)});
      }
    }
  }
  void Open() {
    tsdb.reset();
    absl::StatusOr<std::unique_ptr<Tsdb>> opened = Tsdb::Open(options);
    REQUIRE(opened.ok());
    tsdb = std::move(*opened);
  }
  std::vector<SeriesId> Expected(const std::vector<LabelMatcher>& matchers) const {
    std::vector<SeriesId> ids;
    for (const Known& k : all) {
      bool ok = true;
      for (const LabelMatcher& m : matchers) ok = ok && m.Matches(k.labels.Get(m.name()));
      if (ok) ids.push_back(k.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::vector<SeriesId> Select(const std::vector<LabelMatcher>& matchers, SelectCost* cost) const {
    absl::StatusOr<std::vector<SeriesId>> ids = tsdb->index().Select(matchers, 1'000'000, cost);
    REQUIRE(ids.ok());
    return *ids;
  }

  TempDir dir;
  ManualClock clock;
  TsdbOptions options;
  std::unique_ptr<Tsdb> tsdb;
  std::vector<Known> all;
};

LabelMatcher M(Type type, std::string name, std::string value) {
  absl::StatusOr<LabelMatcher> m = LabelMatcher::Create(type, std::move(name), std::move(value));
  REQUIRE(m.ok());
  return *m;
}

TEST_CASE("a regex runs once per distinct value and skips the postings of values it rejects",
          "[storage]") {
  Index index;
  constexpr size_t kPerRejectedValue = SeriesIndex::kPostingsSteppedOver + 1;
  static_assert(kSeriesPerHost > kPerRejectedValue);

  // Alone, the regex reads its label's postings: 10 of the 120 values are kept.
  const std::vector<LabelMatcher> regex = {M(Type::kRegex, "instance", "host-00.")};
  SelectCost cost;
  CHECK(index.Select(regex, &cost) == index.Expected(regex));
  CHECK(index.Select(regex, nullptr).size() == 10 * kSeriesPerHost);
  CHECK(cost.values_matched == kHosts);
  CHECK(cost.postings_read == 10 * kSeriesPerHost + (kHosts - 10) * kPerRejectedValue);
  CHECK(cost.label_sets_checked == 0);

  // A negative matcher after a large intersection (over kCheckLabelsBelow series)
  // subtracts the postings of the values it rejects: 20 hosts' worth.
  const std::vector<LabelMatcher> negative = {M(Type::kRegex, "__name__", "node_.+"),
                                              M(Type::kNotRegex, "instance", "host-0[0-1].")};
  static_assert(kHosts * kSeriesPerHost >= SeriesIndex::kCheckLabelsBelow);
  cost = {};
  const std::vector<SeriesId> selected = index.Select(negative, &cost);
  CHECK(selected == index.Expected(negative));
  CHECK(selected.size() == (kHosts - 20) * kSeriesPerHost);
  CHECK(cost.values_matched == 2 + kHosts);
  CHECK(cost.postings_read ==
        kHosts * kSeriesPerHost + 20 * kSeriesPerHost + (kHosts - 20) * kPerRejectedValue);
  CHECK(cost.label_sets_checked == 0);
}

TEST_CASE("once few series are left, the other matchers are checked on their label sets",
          "[storage]") {
  Index index;
  // instance="host-007" leaves 50 series: the regexes read no postings.
  const std::vector<LabelMatcher> matchers = {
      M(Type::kRegex, "k", "1.*"), M(Type::kEqual, "instance", "host-007"),
      M(Type::kNotEqual, "v", "a"), M(Type::kRegex, "__name__", "node_a")};
  SelectCost cost;
  const std::vector<SeriesId> selected = index.Select(matchers, &cost);
  CHECK(selected == index.Expected(matchers));
  CHECK_FALSE(selected.empty());
  CHECK(cost.postings_read == kSeriesPerHost);
  CHECK(cost.label_sets_checked == kSeriesPerHost);
  CHECK(cost.values_matched == 0);

  // Label sets no longer cached (series without samples are not in the head after a
  // restart) are read from RocksDB.
  index.Open();
  REQUIRE(index.tsdb->index().cached() == 0);
  CHECK(index.Select(matchers, nullptr) == selected);
}

TEST_CASE("postings and label-set checks agree with every label set on values that prefix others",
          "[storage]") {
  Index index;
  const std::vector<std::vector<LabelMatcher>> selectors = {
      {M(Type::kRegex, "v", "a")},
      {M(Type::kRegex, "v", "a.")},
      {M(Type::kEqual, "__name__", "node_a"), M(Type::kRegex, "v", "a.+|")},
      {M(Type::kEqual, "__name__", "node_b"), M(Type::kNotRegex, "v", "a")},
      {M(Type::kEqual, "__name__", "node_b"), M(Type::kNotEqual, "v", "a ")},
      {M(Type::kRegex, "__name__", "node_.*"), M(Type::kNotRegex, "v", "a|ab")},
      {M(Type::kRegex, "__name__", "node_.*"), M(Type::kNotEqual, "v", "")},
      {M(Type::kRegex, "__name__", "node_.*"), M(Type::kRegex, "v", "")},
      {M(Type::kRegex, "instance", "host-0.*"), M(Type::kRegex, "v", "a\x01|ab")},
      {M(Type::kRegex, "instance", "host-1.*"), M(Type::kNotRegex, "k", "[0-3]."),
       M(Type::kEqual, "v", "a")},
      {M(Type::kRegex, "instance", "nothing.*")},
  };
  for (bool reopened : {false, true}) {
    if (reopened) index.Open();
    for (const std::vector<LabelMatcher>& matchers : selectors) {
      std::string text;
      for (const LabelMatcher& m : matchers) absl::StrAppend(&text, m.ToString(), " ");
      INFO(text << (reopened ? "(reopened)" : ""));
      CHECK(index.Select(matchers, nullptr) == index.Expected(matchers));
    }
  }
}

}  // namespace
}  // namespace vigil::storage
