// How the time-series store is configured (the collector's `storage:` section).
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"

namespace vigil::storage {

// How long each resolution is kept. Defaults: raw 30 days, 1 minute 400 days, 1 hour
// 5 years.
struct RetentionOptions {
  int64_t raw_ms = 30LL * 86'400'000;
  int64_t minute_ms = 400LL * 86'400'000;
  int64_t hour_ms = 5LL * 365 * 86'400'000;
};

struct TsdbOptions {
  std::string dir;
  // fsync the RocksDB WAL before a batch is acknowledged (power-loss safe). Off only for
  // benchmarks on throwaway data.
  bool sync_writes = true;
  // Chunk window: a whole number of minutes that divides an hour. At 1 s sampling the
  // default 10 minutes makes 600-sample chunks.
  int64_t chunk_span_ms = 10 * 60'000;
  // Samples more than this ahead of the collector's clock are refused.
  int64_t max_future_ms = 10 * 60'000;
  // How often Maintain() snapshots the head (bounds the WAL replayed after a crash).
  int64_t head_snapshot_interval_ms = 2 * 60'000;
  RetentionOptions retention;
  // RocksDB block cache shared by all column families.
  size_t block_cache_bytes = 256 << 20;
  // Snapshot the head when the Tsdb is destroyed (so the next start replays little).
  // false only to imitate a crash in tests and benchmarks of recovery.
  bool snapshot_on_close = true;
  // Never null; outlives the Tsdb. Tests inject a ManualClock.
  const Clock* clock = &Clock::Real();
};

}  // namespace vigil::storage
