// Chunk windows: every series' samples are cut into windows aligned to multiples of the
// chunk span since the Unix epoch (10 minutes by default), one chunk per (series,
// window). Aligned windows make 1-minute and 1-hour rollups exact per chunk and make a
// late sample's chunk a single key to read, merge and rewrite.
#pragma once

#include <cstdint>

namespace vigil::storage {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 3'600'000;
inline constexpr int64_t kDayMs = 86'400'000;

// The start of the span-aligned window holding t (floor division, also for t < 0).
// T is int64_t, or absl::int128 where t - span could overflow (query bucket bounds).
template <typename T>
T AlignDown(T t, int64_t span) {
  T q = t / span;
  if (t % span != 0 && t < 0) --q;
  return q * span;
}

}  // namespace vigil::storage
