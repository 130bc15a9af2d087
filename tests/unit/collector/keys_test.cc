#include "collector/storage/keys.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"

namespace vigil::storage {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Ascending times, including both ends of the range and both sides of zero.
const std::vector<int64_t> kTimes = {
    kMin, kMin + 1, -1795466815123, -86400000,     -256,     -255, -1, 0, 1,
    255,  256,      65536,          1795466815123, kMax - 1, kMax};

TEST_CASE("Big-endian integers round trip") {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0xff}, uint64_t{0x100},
                     uint64_t{0x0102030405060708}, ~uint64_t{0}}) {
    INFO(v);
    std::string out;
    PutBigEndian64(&out, v);
    REQUIRE(out.size() == 8);
    CHECK(GetBigEndian64(out.data()) == v);
  }
  std::string out;
  PutBigEndian64(&out, 0x0102030405060708);
  CHECK(out == "\x01\x02\x03\x04\x05\x06\x07\x08");
}

TEST_CASE("Timestamps are big-endian with the sign bit flipped") {
  std::string out;
  PutTimestamp(&out, 0);
  CHECK(out == std::string("\x80\x00\x00\x00\x00\x00\x00\x00", 8));
  out.clear();
  PutTimestamp(&out, -1);
  CHECK(out == std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  out.clear();
  PutTimestamp(&out, kMin);
  CHECK(out == std::string(8, '\0'));
  for (int64_t t : kTimes) {
    INFO(t);
    std::string encoded;
    PutTimestamp(&encoded, t);
    CHECK(GetTimestamp(encoded.data()) == t);
  }
}

TEST_CASE("Chunk keys of one series sort by time, negative times first") {
  for (SeriesId id : {SeriesId{0}, SeriesId{1}, SeriesId{0xff}, ~SeriesId{0}}) {
    for (size_t i = 0; i + 1 < kTimes.size(); ++i) {
      INFO("series " << id << ": " << kTimes[i] << " < " << kTimes[i + 1]);
      const std::string a = ChunkKey(id, kTimes[i]);
      const std::string b = ChunkKey(id, kTimes[i + 1]);
      CHECK(a.size() == kChunkKeySize);
      CHECK(a < b);  // std::string compares bytes as unsigned, like RocksDB's bytewise order
    }
  }
  // Pairwise, not just neighbours.
  for (size_t i = 0; i < kTimes.size(); ++i) {
    for (size_t j = 0; j < kTimes.size(); ++j) {
      INFO(kTimes[i] << " vs " << kTimes[j]);
      CHECK((ChunkKey(7, kTimes[i]) < ChunkKey(7, kTimes[j])) == (i < j));
    }
  }
}

TEST_CASE("Chunk keys group by series before time") {
  const std::vector<SeriesId> ids = {0, 1, 255, 256, 65535, 65536, uint64_t{1} << 40, ~SeriesId{0}};
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    INFO(ids[i] << " < " << ids[i + 1]);
    // The latest chunk of a series sorts before the earliest of the next series.
    CHECK(ChunkKey(ids[i], kMax) < ChunkKey(ids[i + 1], kMin));
  }
  CHECK(ChunkKey(0x0102030405060708, 0) ==
        std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x80\x00\x00\x00\x00\x00\x00\x00", 16));
}

TEST_CASE("ParseChunkKey round trips and rejects other sizes") {
  for (SeriesId id : {SeriesId{0}, SeriesId{42}, ~SeriesId{0}}) {
    for (int64_t t : kTimes) {
      INFO(id << " " << t);
      SeriesId got_id = 99;
      int64_t got_t = 99;
      REQUIRE(ParseChunkKey(ChunkKey(id, t), &got_id, &got_t));
      CHECK(got_id == id);
      CHECK(got_t == t);
    }
  }
  const std::string key = ChunkKey(1, 2);
  for (const std::string& bad :
       {std::string(), key.substr(0, 15), key + "x", std::string(8, 'a'), std::string(32, 'a')}) {
    INFO(bad.size() << " bytes");
    SeriesId id = 99;
    int64_t t = 99;
    CHECK_FALSE(ParseChunkKey(bad, &id, &t));
    CHECK(id == 99);
    CHECK(t == 99);
  }
}

TEST_CASE("Series index keys have the documented layout") {
  CHECK(LabelsKey("") == "l");
  CHECK(LabelsKey(std::string("\x01"
                              "a\x00",
                              3)) == std::string("l\x01"
                                                 "a\x00",
                                                 4));
  CHECK(SeriesKey(1) == std::string("i\x00\x00\x00\x00\x00\x00\x00\x01", 9));
  CHECK(SeriesKey(1) < SeriesKey(2));
  CHECK(SeriesKey(255) < SeriesKey(256));
  CHECK(IngestStateKey("db1", "run-7") == std::string("db1\x00run-7", 9));
}

TEST_CASE("Posting keys nest inside their value and name prefixes") {
  CHECK(PostingNamePrefix("job") == std::string("pjob\x00", 5));
  CHECK(PostingValuePrefix("job", "db") == std::string("pjob\x00"
                                                       "db\x00",
                                                       8));
  CHECK(PostingKey("job", "db", 258) == std::string("pjob\x00"
                                                    "db\x00\x00\x00\x00\x00\x00\x00\x01\x02",
                                                    16));
  CHECK(PostingValuePrefix("job", "") == std::string("pjob\x00\x00", 6));

  struct Case {
    std::string name;
    std::string value;
  };
  const std::vector<Case> cases = {{"job", "db"}, {"a", ""}, {"__name__", "up"}, {"x", "ü\xff"}};
  for (const Case& c : cases) {
    INFO(c.name << "=" << c.value);
    const std::string key = PostingKey(c.name, c.value, 42);
    CHECK(absl::StartsWith(key, PostingValuePrefix(c.name, c.value)));
    CHECK(absl::StartsWith(key, PostingNamePrefix(c.name)));
    CHECK(key.size() == PostingValuePrefix(c.name, c.value).size() + 8);
  }
}

TEST_CASE("Posting prefixes do not match longer names or values") {
  // "a" must not find postings of label "ab", nor value "b" those of value "bc".
  CHECK_FALSE(absl::StartsWith(PostingKey("ab", "x", 1), PostingNamePrefix("a")));
  CHECK_FALSE(absl::StartsWith(PostingKey("a", "bc", 1), PostingValuePrefix("a", "b")));
  CHECK_FALSE(absl::StartsWith(PostingKey("a", "b", 1), PostingValuePrefix("a", "")));
  // Postings of one name=value sort by series id.
  CHECK(PostingKey("a", "b", 1) < PostingKey("a", "b", 2));
  CHECK(PostingKey("a", "b", 255) < PostingKey("a", "b", 256));
  CHECK(PostingKey("a", "b", ~SeriesId{0}) < PostingKey("a", "c", 0));
  // All postings of a name sort together, before the next name.
  CHECK(PostingKey("a", "zzz", ~SeriesId{0}) < PostingKey("aa", "", 0));
}

TEST_CASE("The end of a value's postings lies between that value and the next") {
  // Every posting of a=b sorts before PostingValueEnd("a", "b"); every posting of a value
  // that sorts after "b" (including longer ones: "b" followed by any byte but NUL, which
  // values never hold) sorts at or after it.
  const std::string end = PostingValueEnd("a", "b");
  CHECK(end == std::string("pa\x00"
                           "b\x01",
                           5));
  CHECK(PostingKey("a", "b", 0) < end);
  CHECK(PostingKey("a", "b", ~SeriesId{0}) < end);
  for (const std::string& later : {std::string("b\x01"), std::string("b\xff"), std::string("ba"),
                                   std::string("c"), std::string("b ")}) {
    INFO(later);
    CHECK(PostingKey("a", later, 0) >= end);
  }
  CHECK(PostingKey("a", "", ~SeriesId{0}) < PostingValueEnd("a", ""));
  CHECK(PostingKey("a", "\x01", 0) >= PostingValueEnd("a", ""));
  CHECK(PostingValueEnd("a", "zzz") < PostingNamePrefix("aa"));
}

}  // namespace
}  // namespace vigil::storage
