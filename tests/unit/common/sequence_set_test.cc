#include "common/sequence_set.h"

#include <catch2/catch.hpp>
#include <random>
#include <set>

namespace vigil {
namespace {

TEST_CASE("SequenceSet: in-order inserts advance through()") {
  SequenceSet set;
  CHECK_FALSE(set.Contains(1));
  set.Insert(1);
  set.Insert(2, 5);
  CHECK(set.through() == 5);
  CHECK(set.above().empty());
  CHECK(set.ContainsAll(1, 5));
  CHECK_FALSE(set.Contains(6));
}

TEST_CASE("SequenceSet: live batches overtaking a backlog leave a gap until it fills") {
  SequenceSet set(10);
  set.Insert(100);  // live
  set.Insert(101);
  CHECK(set.through() == 10);
  REQUIRE(set.above().size() == 1);
  CHECK(set.above()[0] == SequenceRange{100, 101});
  CHECK(set.FirstAbsentFrom(1) == 11);
  CHECK(set.FirstAbsentFrom(100) == 102);
  set.Insert(11, 50);  // backlog
  CHECK_FALSE(set.ContainsAll(40, 100));
  CHECK(set.ContainsAll(40, 50));
  set.Insert(51, 99);
  CHECK(set.through() == 101);
  CHECK(set.above().empty());
}

TEST_CASE("SequenceSet: overlapping and adjacent inserts merge") {
  SequenceSet set;
  set.Insert(10, 20);
  set.Insert(30, 40);
  set.Insert(21, 29);
  REQUIRE(set.above().size() == 1);
  CHECK(set.above()[0] == SequenceRange{10, 40});
  set.Insert(5, 45);
  CHECK(set.above()[0] == SequenceRange{5, 45});
  set.Insert(1, 3);
  CHECK(set.through() == 3);
  set.Insert(4);
  CHECK(set.through() == 45);
  CHECK(set.Max() == 45);
}

TEST_CASE("SequenceSet: matches a plain set under random inserts, and round-trips") {
  std::mt19937_64 random(7);
  SequenceSet set;
  std::set<uint64_t> model;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t first = 1 + random() % 500;
    const uint64_t last = first + random() % 4;
    set.Insert(first, last);
    for (uint64_t s = first; s <= last; ++s) model.insert(s);
    const uint64_t probe = 1 + random() % 510;
    REQUIRE(set.Contains(probe) == model.contains(probe));
    uint64_t absent = probe;
    while (model.contains(absent)) ++absent;
    REQUIRE(set.FirstAbsentFrom(probe) == absent);
    auto present = model.lower_bound(probe);
    REQUIRE(set.FirstPresentFrom(probe) == (present == model.end() ? UINT64_MAX : *present));
    REQUIRE(set.CountUpTo(probe) ==
            static_cast<uint64_t>(std::distance(model.begin(), model.upper_bound(probe))));
    absl::StatusOr<SequenceSet> decoded = SequenceSet::Decode(set.Encode());
    REQUIRE(decoded.ok());
    REQUIRE(*decoded == set);
  }
}

TEST_CASE("SequenceSet: decodes an 8-byte high-water mark and rejects malformed bytes") {
  std::string mark(8, '\0');
  mark[7] = 42;
  absl::StatusOr<SequenceSet> set = SequenceSet::Decode(mark);
  REQUIRE(set.ok());
  CHECK(set->through() == 42);
  CHECK_FALSE(SequenceSet::Decode("short").ok());
  SequenceSet overlapping(5);
  overlapping.Insert(10, 12);
  std::string bytes = overlapping.Encode();
  bytes += bytes.substr(8);  // the same range again: out of order
  CHECK_FALSE(SequenceSet::Decode(bytes).ok());
}

}  // namespace
}  // namespace vigil
