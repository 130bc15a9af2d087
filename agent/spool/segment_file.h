// One spool segment file: written by a SegmentWriter (append-only, the agent's current
// segment), read back sequentially by a SegmentReader (recovery at start, backlog
// replay). The byte format is in record_format.h.
//
// Not thread-safe, except that SegmentWriter::Sync() may run on another thread than
// Append() (a background fdatasync). A reader may read a segment that
// a writer (in the same process) appends to, up to a `limit` taken from the writer:
// whole records only, since the writer never leaves a partial record behind.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agent/spool/record_format.h"

namespace vigil::agent::spool {

class SegmentWriter {
 public:
  // Creates `path` (which must not exist) and writes `header`.
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Create(const std::string& path,
                                                               const SegmentHeader& header);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends whole records. On a failed or short write (a full disk) the file is cut back
  // to its previous size, so it never ends in a torn record, and the error names the
  // path and errno.
  absl::Status Append(absl::string_view records);
  // fdatasync.
  absl::Status Sync();

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  SegmentWriter(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
  uint64_t size_ = 0;
  std::atomic<bool> dirty_{false};
};

struct SegmentRecord {
  uint64_t offset = 0;      // in the file
  uint64_t size = 0;        // on disk, framing included
  std::string batch_bytes;  // a serialized v1::Batch
};

class SegmentReader {
 public:
  // Opens `path` and checks its header.
  static absl::StatusOr<std::unique_ptr<SegmentReader>> Open(const std::string& path);
  ~SegmentReader();
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const SegmentHeader& header() const { return header_; }
  const std::string& path() const { return path_; }

  // The next valid record that ends at or before `limit` (a file offset), or nullopt at
  // the end. Corrupt or torn bytes on the way are skipped and counted; only an I/O
  // error fails.
  absl::StatusOr<std::optional<SegmentRecord>> Next(uint64_t limit = UINT64_MAX);

  uint64_t offset() const { return offset_; }
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  uint64_t skipped_regions() const { return skipped_regions_; }

 private:
  SegmentReader(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Reads up to `size` bytes at `offset`; fewer only at the end of the file.
  absl::StatusOr<std::string> ReadAt(uint64_t offset, size_t size) const;
  // Tries to read a valid record at `offset` (ending at or before `limit`).
  absl::StatusOr<std::optional<SegmentRecord>> TryRecord(uint64_t offset, uint64_t limit);

  const std::string path_;
  const int fd_;
  SegmentHeader header_;
  uint64_t offset_ = 0;
  uint64_t skipped_bytes_ = 0;
  uint64_t skipped_regions_ = 0;
  RecordDecoder decoder_;
};

}  // namespace vigil::agent::spool
