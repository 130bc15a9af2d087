// Time source for everything that reads the wall clock. Production code takes a
// Clock& so that tests can drive time (for: 5m, retention, backoff) without sleeping.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vigil {

// Thread-safe: implementations may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  int64_t NowMs() const { return absl::ToUnixMillis(Now()); }

  // The process-wide real clock. Never null, never destroyed.
  static Clock& Real();
};

// CLOCK_MONOTONIC as an absl::Time (its epoch is arbitrary: compare and subtract only).
// For durations, deadlines and schedules that a wall-clock step (NTP, `date -s`) must
// not move.
absl::Time MonotonicNow();

// A clock that only moves when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_ns_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(now_ns_.load()); }
  void Advance(absl::Duration d) { now_ns_ += absl::ToInt64Nanoseconds(d); }
  void Set(absl::Time t) { now_ns_ = absl::ToUnixNanos(t); }

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace vigil
