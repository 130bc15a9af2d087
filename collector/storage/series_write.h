// The samples of one series that one ingest batch (or one WAL record) carries.
#pragma once

#include <cstdint>
#include <span>

#include "collector/storage/keys.h"

namespace vigil::storage {

// Spans point into the caller's buffers. Timestamps are strictly ascending.
struct SeriesWrite {
  SeriesId id = 0;
  std::span<const int64_t> timestamps_ms;
  std::span<const double> values;
};

}  // namespace vigil::storage
