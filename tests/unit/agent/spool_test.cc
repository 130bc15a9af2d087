#include "agent/spool/spool.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "agent/spool/record_format.h"
#include "tests/support/temp_dir.h"

namespace vigil::agent::spool {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1'800'000'000'000;

// A batch of `series` samples at tick `sequence` seconds after kT0.
v1::Batch MakeBatch(uint64_t sequence, int series = 50) {
  v1::Batch batch;
  batch.set_sequence(sequence);
  v1::SampleGroup* group = batch.add_groups();
  group->set_timestamp_ms(kT0 + static_cast<int64_t>(sequence) * 1000);
  for (int i = 1; i <= series; ++i) {
    group->add_series_ids(static_cast<uint64_t>(i));
    group->add_values(static_cast<double>(sequence * 100 + static_cast<uint64_t>(i)) / 7);
  }
  return batch;
}

bool Define(uint64_t id, v1::SeriesDefinition* def) {
  def->set_series_id(id);
  def->set_metric("m" + std::to_string(id));
  return true;
}

std::unique_ptr<Spool> OpenSpool(const SpoolOptions& options, const std::string& run) {
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(options, run);
  INFO(spool.status().message());
  REQUIRE(spool.ok());
  return *std::move(spool);
}

void Append(Spool& spool, uint64_t first, uint64_t last) {
  for (uint64_t s = first; s <= last; ++s) {
    const int64_t tick = kT0 + static_cast<int64_t>(s) * 1000;
    REQUIRE(spool.Append(MakeBatch(s), tick, Define, tick).ok());
  }
}

// Every batch in the spool's segments, in order.
std::vector<v1::Batch> ReadAll(const Spool& spool) {
  std::vector<v1::Batch> out;
  for (const SegmentInfo& s : spool.segments()) {
    auto reader = SegmentReader::Open(s.path);
    REQUIRE(reader.ok());
    while (true) {
      auto record = (*reader)->Next(s.bytes);
      REQUIRE(record.ok());
      if (!record->has_value()) break;
      v1::Batch batch;
      REQUIRE(batch.ParseFromString((*record)->batch_bytes));
      out.push_back(batch);
    }
  }
  return out;
}

SpoolOptions Options(const TempDir& dir) {
  SpoolOptions options;
  options.dir = dir.Path("spool");
  options.segment_bytes = 4 << 10;
  options.sync_interval = absl::ZeroDuration();
  return options;
}

TEST_CASE("a spool keeps batches across a restart; segments define their series", "[spool]") {
  TempDir dir;
  const SpoolOptions options = Options(dir);
  {
    auto spool = OpenSpool(options, "run-1");
    Append(*spool, 1, 100);
    CHECK(spool->segments().size() > 2);  // rotated at 4 KiB
  }
  auto spool = OpenSpool(options, "run-2");
  CHECK(spool->BacklogRuns() == std::vector<std::string>{"run-1"});
  CHECK(spool->stats().records_recovered == 100);
  CHECK(spool->stats().corrupt_bytes == 0);
  const std::vector<v1::Batch> batches = ReadAll(*spool);
  REQUIRE(batches.size() == 100);
  for (size_t i = 0; i < batches.size(); ++i) {
    CHECK(batches[i].sequence() == i + 1);
    CHECK(batches[i].groups(0).values_size() == 50);
  }
  // The first batch of each segment carries the definitions of its series, later ones none.
  for (const SegmentInfo& s : spool->segments()) {
    auto reader = SegmentReader::Open(s.path);
    REQUIRE(reader.ok());
    auto first = (*reader)->Next();
    REQUIRE(first.ok());
    v1::Batch batch;
    REQUIRE(batch.ParseFromString((*first)->batch_bytes));
    CHECK(batch.definitions_size() == 50);
    auto second = (*reader)->Next();
    if (second.ok() && second->has_value()) {
      REQUIRE(batch.ParseFromString((*second)->batch_bytes));
      CHECK(batch.definitions_size() == 0);
    }
  }
}

TEST_CASE("records are compressed and checksummed", "[spool]") {
  std::string record;
  const std::string bytes = MakeBatch(7, 200).SerializeAsString();
  RecordEncoder().Append(bytes, &record);
  CHECK(record.size() < bytes.size());
  auto header = ParseRecordHeader(record);
  REQUIRE(header.has_value());
  RecordDecoder decoder;
  auto decoded = decoder.Decode(*header, record);
  REQUIRE(decoded.ok());
  CHECK(*decoded == bytes);
  record[record.size() / 2] ^= 0x40;
  CHECK(decoder.Decode(*header, record).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("a torn tail and a corrupt record are skipped and counted, never fatal", "[spool]") {
  TempDir dir;
  SpoolOptions options = Options(dir);
  options.segment_bytes = 1 << 20;  // one segment
  std::string path;
  uint64_t size = 0;
  {
    auto spool = OpenSpool(options, "run-1");
    Append(*spool, 1, 20);
    path = spool->segments().back().path;
    size = spool->segments().back().bytes;
  }
  // A power cut mid-write: the last record is cut short; then garbage.
  REQUIRE(truncate(path.c_str(), static_cast<off_t>(size - 40)) == 0);
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << std::string(100, '\xAB');
  }
  // A bad sector in the middle: one byte of a record flipped.
  {
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    io.read(&c, 1);
    io.seekp(static_cast<std::streamoff>(size / 2));
    c = static_cast<char>(c ^ 0x01);
    io.write(&c, 1);
  }
  auto spool = OpenSpool(options, "run-2");
  const SpoolStats stats = spool->stats();
  CHECK(stats.corrupt_bytes > 100);
  CHECK(stats.corrupt_regions == 2);
  CHECK(stats.records_recovered == 18);  // the torn 20th and the flipped one are gone
  const std::vector<v1::Batch> batches = ReadAll(*spool);
  REQUIRE(batches.size() == 18);
  CHECK(batches.front().sequence() == 1);
  CHECK(batches.back().sequence() == 19);
  // The batch lost in the middle is reported, so the collector stops waiting for it.
  const std::vector<DroppedBatches> gaps = spool->TakeRecoveryGaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].run_id == "run-1");
  CHECK(gaps[0].first == gaps[0].last);
}

TEST_CASE("a segment with an unreadable header is set aside", "[spool]") {
  TempDir dir;
  const SpoolOptions options = Options(dir);
  {
    auto spool = OpenSpool(options, "run-1");
    Append(*spool, 1, 5);
  }
  dir.WriteFile("spool/00000000000000000099.seg", "not a segment at all");
  auto spool = OpenSpool(options, "run-2");
  CHECK(spool->stats().segments_set_aside == 1);
  CHECK(std::filesystem::exists(dir.Path("spool/00000000000000000099.seg.corrupt")));
  CHECK(spool->stats().records_recovered == 5);
}

TEST_CASE("acknowledged segments are deleted, never the active one", "[spool]") {
  TempDir dir;
  auto spool = OpenSpool(Options(dir), "run-1");
  Append(*spool, 1, 100);
  const size_t segments = spool->segments().size();
  REQUIRE(segments > 2);
  SequenceSet acked;
  acked.Insert(1, spool->segments()[1].last_sequence);  // the first two segments
  spool->Release([&](const std::string&) { return &acked; });
  CHECK(spool->segments().size() == segments - 2);
  acked.Insert(1, 100);
  spool->Release([&](const std::string&) { return &acked; });
  REQUIRE(spool->segments().size() == 1);
  CHECK(spool->segments()[0].active);
}

TEST_CASE("past max_bytes the oldest segments go, and their unacknowledged samples are reported",
          "[spool]") {
  TempDir dir;
  SpoolOptions options = Options(dir);
  options.max_bytes = 16 << 10;
  auto spool = OpenSpool(options, "run-1");
  SequenceSet acked;
  acked.Insert(1, 3);  // the collector had these before it went away
  auto lookup = [&](const std::string&) { return &acked; };
  std::vector<DroppedBatches> dropped;
  for (uint64_t s = 1; s <= 300; ++s) {
    const int64_t tick = kT0 + static_cast<int64_t>(s) * 1000;
    REQUIRE(spool->Append(MakeBatch(s), tick, Define, tick).ok());
    for (const DroppedBatches& d : spool->EnforceBounds(tick, lookup)) dropped.push_back(d);
    REQUIRE(spool->stats().bytes <= options.max_bytes + options.segment_bytes);
  }
  REQUIRE(!dropped.empty());
  CHECK(dropped.front().first == 4);  // 1-3 were acknowledged: not lost
  for (size_t i = 1; i < dropped.size(); ++i) CHECK(dropped[i].first == dropped[i - 1].last + 1);
  const uint64_t lost = dropped.back().last - dropped.front().first + 1;
  uint64_t samples = 0;
  for (const DroppedBatches& d : dropped) samples += d.samples;
  CHECK(samples == lost * 50);
  CHECK(ReadAll(*spool).front().sequence() == dropped.back().last + 1);
}

TEST_CASE("batches older than max_age are dropped", "[spool]") {
  TempDir dir;
  SpoolOptions options = Options(dir);
  options.max_age = absl::Minutes(10);
  options.segment_span = absl::Minutes(1);
  auto spool = OpenSpool(options, "run-1");
  Append(*spool, 1, 120);  // two minutes of batches
  auto none = [](const std::string&) -> const SequenceSet* { return nullptr; };
  CHECK(spool->EnforceBounds(kT0 + 130'000, none).empty());
  const std::vector<DroppedBatches> dropped = spool->EnforceBounds(kT0 + 11 * 60'000 + 5'000, none);
  REQUIRE(!dropped.empty());
  CHECK(dropped.front().first == 1);
  // What is left is younger than ten minutes at that time.
  for (const SegmentInfo& s : spool->segments()) CHECK(s.newest_ms >= kT0 + 60'000);
}

TEST_CASE("a second agent cannot use the same spool; an unusable directory is a clear error",
          "[spool]") {
  TempDir dir;
  const SpoolOptions options = Options(dir);
  auto spool = OpenSpool(options, "run-1");
  absl::StatusOr<std::unique_ptr<Spool>> second = Spool::Open(options, "run-2");
  REQUIRE(!second.ok());
  CHECK(absl::StrContains(second.status().message(), "in use by another vigil-agent"));

  dir.WriteFile("file", "x");
  SpoolOptions bad = options;
  bad.dir = dir.Path("file/spool");
  absl::StatusOr<std::unique_ptr<Spool>> unusable = Spool::Open(bad, "run-1");
  REQUIRE(!unusable.ok());
  CHECK(absl::StrContains(unusable.status().message(), dir.Path("file")));
}

}  // namespace
}  // namespace vigil::agent::spool
