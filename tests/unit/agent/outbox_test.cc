#include "agent/transport/outbox.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

namespace vigil::agent {
namespace {

using testing::TempDir;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

struct Fixture {
  explicit Fixture(const std::string& run = "run-1") : clock(kT0) {
    for (int i = 0; i < 50; ++i) {
      const std::string cpu = std::to_string(i);
      const LabelPair labels[] = {{"cpu", cpu}};
      ids.push_back(registry.Intern("node_cpu_seconds_total", labels));
    }
    options.spool.dir = dir.Path("spool");
    options.spool.segment_bytes = 8 << 10;
    options.replay_message_bytes = 16 << 10;
    outbox = std::make_unique<Outbox>(options, run, &registry, &clock);
  }
  // One batch a second, the clock following.
  void Push(int n) {
    for (int i = 0; i < n; ++i) {
      clock.Advance(absl::Seconds(1));
      v1::Batch batch;
      v1::SampleGroup* g = batch.add_groups();
      g->set_timestamp_ms(clock.NowMs());
      for (uint64_t id : ids) {
        g->add_series_ids(id);
        g->add_values(static_cast<double>(clock.NowMs() % 100000) / static_cast<double>(id));
      }
      outbox->Push(std::move(batch), clock.NowMs());
    }
  }
  void Ack(const v1::Batch& message) {
    v1::BatchAck ack;
    ack.set_sequence(message.sequence());
    ack.set_last_sequence(message.last_sequence());
    ack.set_run_id(message.run_id());
    ack.set_collector_time_ms(clock.NowMs());
    outbox->Acknowledge(ack);
  }

  TempDir dir;
  ManualClock clock;
  SeriesRegistry registry;
  std::vector<uint64_t> ids;
  OutboxOptions options;
  std::unique_ptr<Outbox> outbox;
};

uint64_t Last(const v1::Batch& m) { return std::max(m.sequence(), m.last_sequence()); }

TEST_CASE("live batches go first; the backlog follows oldest first, packed, a window at a time",
          "[outbox]") {
  Fixture f;
  f.Push(300);  // five minutes without a collector
  CHECK(f.outbox->stats().unacknowledged == 300);
  f.outbox->StartStream(v1::HelloAck(), f.clock.NowMs());

  // The last ten seconds are live: one message each, in order, defined once.
  for (uint64_t s = 290; s <= 300; ++s) {
    std::optional<v1::Batch> m = f.outbox->Next(absl::ZeroDuration());
    REQUIRE(m.has_value());
    CHECK(m->sequence() == s);
    CHECK(m->last_sequence() == 0);
    CHECK(m->definitions_size() == (s == 290 ? 50 : 0));
    f.Ack(*m);
  }
  // Then the backlog from the oldest, several batches a message, two messages in flight.
  std::optional<v1::Batch> first = f.outbox->Next(absl::ZeroDuration());
  REQUIRE(first.has_value());
  CHECK(first->sequence() == 1);
  REQUIRE(first->last_sequence() > 1);
  CHECK(first->groups_size() == static_cast<int>(Last(*first)));
  CHECK(first->groups(0).timestamp_ms() < first->groups(1).timestamp_ms());
  std::optional<v1::Batch> second = f.outbox->Next(absl::ZeroDuration());
  REQUIRE(second.has_value());
  CHECK(second->sequence() == Last(*first) + 1);
  CHECK_FALSE(f.outbox->Next(absl::ZeroDuration()).has_value());  // window full

  // The present does not wait for the replay.
  f.Push(1);
  std::optional<v1::Batch> live = f.outbox->Next(absl::ZeroDuration());
  REQUIRE(live.has_value());
  CHECK(live->sequence() == 301);
  f.Ack(*live);

  // Acknowledgements open the window; everything is sent exactly once.
  SequenceSet sent;
  sent.Insert(290, 301);
  sent.Insert(first->sequence(), Last(*first));
  sent.Insert(second->sequence(), Last(*second));
  std::deque<v1::Batch> in_flight = {*first, *second};
  while (!in_flight.empty()) {
    f.Ack(in_flight.front());
    in_flight.pop_front();
    while (std::optional<v1::Batch> m = f.outbox->Next(absl::ZeroDuration())) {
      REQUIRE_FALSE(sent.ContainsAll(m->sequence(), Last(*m)));
      REQUIRE(m->sequence() == sent.through() + 1);  // oldest first, no gap
      sent.Insert(m->sequence(), Last(*m));
      in_flight.push_back(*m);
    }
  }
  CHECK(sent.through() == 301);
  const OutboxStats stats = f.outbox->stats();
  CHECK(stats.unacknowledged == 0);
  CHECK(stats.batches_sent == 12);
  CHECK(stats.batches_resent == 289);
  CHECK(stats.spool_segments <= 1);  // acknowledged segments are deleted
  CHECK(stats.clock_offset_known);
}

TEST_CASE("a broken stream's unacknowledged batches are sent again on the next", "[outbox]") {
  Fixture f;
  f.outbox->StartStream(v1::HelloAck(), f.clock.NowMs());
  f.Push(3);
  for (int i = 0; i < 3; ++i) REQUIRE(f.outbox->Next(absl::ZeroDuration()).has_value());
  // The collector stored batch 1 and 2, then the connection dropped before acking 2.
  v1::HelloAck hello;
  hello.set_last_durable_sequence(2);
  f.outbox->StartStream(hello, f.clock.NowMs());
  std::optional<v1::Batch> m = f.outbox->Next(absl::ZeroDuration());
  REQUIRE(m.has_value());
  CHECK(m->sequence() == 3);
  CHECK(m->definitions_size() == 50);  // a new stream defines again
  CHECK_FALSE(f.outbox->Next(absl::ZeroDuration()).has_value());
}

TEST_CASE("after an agent restart the earlier run is replayed under its own run id", "[outbox]") {
  Fixture f;
  f.Push(50);
  f.outbox.reset();  // the agent stops with 50 batches unacknowledged
  f.outbox = std::make_unique<Outbox>(f.options, "run-2", &f.registry, &f.clock);
  REQUIRE(f.outbox->BacklogRuns() == std::vector<std::string>{"run-1"});
  CHECK(f.outbox->stats().unacknowledged == 50);

  // The collector had stored run-1 up to 20.
  v1::HelloAck hello;
  v1::RunProgress* progress = hello.add_backlog_runs();
  progress->set_run_id("run-1");
  progress->set_durable_through(20);
  f.outbox->StartStream(hello, f.clock.NowMs());
  std::vector<v1::Batch> messages;
  while (std::optional<v1::Batch> m = f.outbox->Next(absl::ZeroDuration())) {
    messages.push_back(*m);
    f.Ack(*m);
  }
  REQUIRE(!messages.empty());
  CHECK(messages.front().run_id() == "run-1");
  CHECK(messages.front().sequence() == 21);
  CHECK(messages.front().definitions_size() == 50);  // from the spool, not this run's registry
  CHECK(messages.front().definitions(0).metric() == "node_cpu_seconds_total");
  CHECK(Last(messages.back()) == 50);
  CHECK(f.outbox->BacklogRuns().empty());  // all acknowledged: its segments are gone
  CHECK(f.outbox->stats().unacknowledged == 0);
}

TEST_CASE("batches lost to the spool's bound are counted and told to the collector", "[outbox]") {
  Fixture f;
  f.options.spool.max_bytes = 16 << 10;
  f.options.spool.segment_bytes = 4 << 10;
  f.outbox.reset();  // releases the spool's lock
  f.outbox = std::make_unique<Outbox>(f.options, "run-1", &f.registry, &f.clock);
  f.Push(400);
  const OutboxStats stats = f.outbox->stats();
  CHECK(stats.samples_dropped > 0);
  CHECK(stats.samples_dropped % 50 == 0);
  f.outbox->StartStream(v1::HelloAck(), f.clock.NowMs());
  std::optional<v1::Batch> notice = f.outbox->Next(absl::ZeroDuration());
  REQUIRE(notice.has_value());
  CHECK(notice->sequence() == 1);
  CHECK(notice->groups_size() == 0);
  CHECK(notice->samples_dropped() == stats.samples_dropped);
  CHECK(notice->samples_dropped() == 50 * Last(*notice));
}

TEST_CASE("without a usable spool batches stay in memory, bounded, and are still sent",
          "[outbox]") {
  Fixture f;
  f.dir.WriteFile("not-a-dir", "x");
  f.options.spool.dir = f.dir.Path("not-a-dir/spool");
  f.options.memory_max_bytes = 64 << 10;
  f.outbox = std::make_unique<Outbox>(f.options, "run-1", &f.registry, &f.clock);
  f.Push(200);
  OutboxStats stats = f.outbox->stats();
  CHECK_FALSE(stats.spool_ok);
  CHECK(stats.spool_write_errors >= 1);
  CHECK(stats.memory_bytes <= (64 << 10));
  CHECK(stats.samples_dropped > 0);
  f.outbox->StartStream(v1::HelloAck(), f.clock.NowMs());
  uint64_t newest = 0;
  while (std::optional<v1::Batch> m = f.outbox->Next(absl::ZeroDuration())) {
    newest = std::max(newest, Last(*m));
    f.Ack(*m);
  }
  CHECK(newest == 200);
  CHECK(f.outbox->stats().unacknowledged == 0);
  CHECK(f.outbox->stats().memory_bytes == 0);
}

}  // namespace
}  // namespace vigil::agent
