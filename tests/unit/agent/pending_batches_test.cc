#include "agent/transport/pending_batches.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

namespace vigil::agent {
namespace {

v1::Batch BatchOf(int samples) {
  v1::Batch b;
  for (int i = 0; i < samples; ++i) {
    v1::SampleGroup* g = b.add_groups();
    g->set_timestamp_ms(i);
    g->add_series_ids(1);
    g->add_values(i);
  }
  return b;
}

TEST_CASE("pending batches get increasing sequences and leave when acknowledged", "[transport]") {
  PendingBatches pending(1 << 20);
  pending.Push(BatchOf(1));
  pending.Push(BatchOf(1));
  pending.Push(BatchOf(1));
  CHECK(pending.size() == 3);
  CHECK(pending.last_sequence() == 3);
  CHECK(pending.NextAfter(0, absl::ZeroDuration())->sequence() == 1);
  CHECK(pending.NextAfter(2, absl::ZeroDuration())->sequence() == 3);
  CHECK_FALSE(pending.NextAfter(3, absl::ZeroDuration()).has_value());
  pending.Acknowledge(2);
  CHECK(pending.size() == 1);
  CHECK(pending.NextAfter(0, absl::ZeroDuration())->sequence() == 3);
  pending.Acknowledge(3);
  CHECK(pending.size() == 0);
  CHECK(pending.bytes() == 0);
}

TEST_CASE("a full buffer drops the oldest batches and counts their samples", "[transport]") {
  const size_t one = BatchOf(100).ByteSizeLong() + 4;
  PendingBatches pending(one * 3);
  for (int i = 0; i < 5; ++i) pending.Push(BatchOf(100));
  CHECK(pending.size() <= 3);
  CHECK(pending.dropped_samples() == 100 * (5 - pending.size()));
  // What remains is the newest.
  CHECK(pending.NextAfter(0, absl::ZeroDuration())->sequence() == 5 - pending.size() + 1);
}

TEST_CASE("a waiting sender wakes when a batch arrives or the queue closes", "[transport]") {
  PendingBatches pending(1 << 20);
  std::thread producer([&] { pending.Push(BatchOf(1)); });
  std::optional<v1::Batch> got = pending.NextAfter(0, absl::Seconds(30));
  producer.join();
  REQUIRE(got.has_value());
  CHECK(got->sequence() == 1);

  std::thread closer([&] { pending.Close(); });
  CHECK_FALSE(pending.NextAfter(1, absl::Seconds(30)).has_value());
  closer.join();
}

}  // namespace
}  // namespace vigil::agent

namespace vigil::agent {
namespace {

TEST_CASE("an interrupt wakes a waiting sender once, without closing the queue", "[transport]") {
  PendingBatches pending(1 << 20);
  pending.Interrupt();
  // An interrupt before the wait began does not affect it: it times out normally.
  CHECK_FALSE(pending.NextAfter(0, absl::Milliseconds(50)).has_value());

  std::atomic<bool> returned{false};
  std::thread sender([&] {
    CHECK_FALSE(pending.NextAfter(0, absl::Seconds(60)).has_value());
    returned = true;
  });
  while (!returned) {
    pending.Interrupt();
    std::this_thread::yield();
  }
  sender.join();
  pending.Push(BatchOf(1));
  CHECK(pending.NextAfter(0, absl::ZeroDuration())->sequence() == 1);
}

}  // namespace
}  // namespace vigil::agent
