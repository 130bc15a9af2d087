// The write-ahead record of one committed ingest batch: the samples that went into the
// in-memory head (samples that went straight into chunks are durable in the same
// RocksDB write and are not repeated here). Replayed at start to rebuild the head.
//
// Layout (all integers LEB128 varints, zigzag where signed):
//   byte   format (1)
//   varint host name length, host name bytes
//   varint series count
//   per series: varint series id, varint sample count n (>= 1),
//               zigzag first timestamp ms, n-1 zigzag timestamp deltas,
//               n values as 8-byte little-endian IEEE doubles
// Parsing is separate from I/O: the Tsdb reads and writes the bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "collector/storage/series_write.h"

namespace vigil::storage {

std::string EncodeWalRecord(absl::string_view host, std::span<const SeriesWrite> series);

// A decoded record. Owns its samples; series() spans point into this object.
class WalRecord {
 public:
  // Fails with kDataLoss on any malformed or truncated input; `this` is then empty.
  absl::Status Decode(absl::string_view bytes);

  const std::string& host() const { return host_; }
  std::span<const SeriesWrite> series() const { return writes_; }
  size_t samples() const { return timestamps_.size(); }

 private:
  std::string host_;
  std::vector<int64_t> timestamps_;
  std::vector<double> values_;
  std::vector<SeriesWrite> writes_;
};

}  // namespace vigil::storage
