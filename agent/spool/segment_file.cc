#include "agent/spool/segment_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/file.h"

namespace vigil::agent::spool {
namespace {

constexpr size_t kScanWindow = 64 << 10;

}  // namespace

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(const std::string& path,
                                                                     const SegmentHeader& header) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("create ", path));
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(path, fd));
  absl::Status written = writer->Append(EncodeSegmentHeader(header));
  if (!written.ok()) {
    unlink(path.c_str());
    return written;
  }
  return writer;
}

SegmentWriter::~SegmentWriter() { close(fd_); }

absl::Status SegmentWriter::Append(absl::string_view records) {
  size_t done = 0;
  while (done < records.size()) {
    const ssize_t n =
        pwrite(fd_, records.data() + done, records.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      // Leave no torn record behind: cut back to the last whole one.
      if (ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        return ErrnoStatus(err, absl::StrCat("write ", path_, " (and could not cut it back)"));
      }
      return ErrnoStatus(err, absl::StrCat("write ", path_));
    }
    done += static_cast<size_t>(n);
  }
  size_ += records.size();
  dirty_ = true;
  return absl::OkStatus();
}

absl::Status SegmentWriter::Sync() {
  // Cleared first: an Append() racing with the fdatasync sets it again.
  if (!dirty_.exchange(false)) return absl::OkStatus();
  if (fdatasync(fd_) != 0) {
    dirty_ = true;
    return ErrnoStatus(errno, absl::StrCat("fdatasync ", path_));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SegmentReader>> SegmentReader::Open(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("open ", path));
  std::unique_ptr<SegmentReader> reader(new SegmentReader(path, fd));
  absl::StatusOr<std::string> front = reader->ReadAt(0, 4096);
  if (!front.ok()) return front.status();
  size_t size = 0;
  absl::StatusOr<SegmentHeader> header = ParseSegmentHeader(*front, &size);
  if (!header.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", header.status().message()));
  }
  reader->header_ = *std::move(header);
  reader->offset_ = size;
  return reader;
}

SegmentReader::~SegmentReader() { close(fd_); }

absl::StatusOr<std::string> SegmentReader::ReadAt(uint64_t offset, size_t size) const {
  std::string out(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd_, out.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("read ", path_));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

absl::StatusOr<std::optional<SegmentRecord>> SegmentReader::TryRecord(uint64_t offset,
                                                                      uint64_t limit) {
  if (offset + kRecordHeaderBytes > limit) return std::nullopt;
  absl::StatusOr<std::string> head = ReadAt(offset, kRecordHeaderBytes);
  if (!head.ok()) return head.status();
  std::optional<RecordHeader> header = ParseRecordHeader(*head);
  if (!header.has_value() || offset + header->total_size() > limit) return std::nullopt;
  absl::StatusOr<std::string> whole = ReadAt(offset, header->total_size());
  if (!whole.ok()) return whole.status();
  absl::StatusOr<std::string> batch = decoder_.Decode(*header, *whole);
  if (!batch.ok() && batch.status().code() != absl::StatusCode::kDataLoss) return batch.status();
  if (!batch.ok()) return std::nullopt;
  return SegmentRecord{offset, header->total_size(), *std::move(batch)};
}

absl::StatusOr<std::optional<SegmentRecord>> SegmentReader::Next(uint64_t limit) {
  struct stat st {};
  if (fstat(fd_, &st) != 0) return ErrnoStatus(errno, absl::StrCat("stat ", path_));
  limit = std::min<uint64_t>(limit, static_cast<uint64_t>(st.st_size));
  if (offset_ >= limit) return std::nullopt;
  absl::StatusOr<std::optional<SegmentRecord>> record = TryRecord(offset_, limit);
  if (!record.ok() || record->has_value()) {
    if (record.ok()) offset_ += (*record)->size;
    return record;
  }
  // Corrupt or torn: look for the next valid record, a window at a time.
  const uint64_t bad = offset_;
  for (uint64_t window = bad + 1; window < limit; window += kScanWindow) {
    absl::StatusOr<std::string> bytes = ReadAt(window, kScanWindow + 3);
    if (!bytes.ok()) return bytes.status();
    for (size_t at = ScanForRecord(*bytes, 0); at != absl::string_view::npos;
         at = ScanForRecord(*bytes, at + 1)) {
      if (at >= kScanWindow) break;  // the next window looks there
      record = TryRecord(window + at, limit);
      if (!record.ok()) return record.status();
      if (record->has_value()) {
        skipped_bytes_ += window + at - bad;
        ++skipped_regions_;
        offset_ = window + at + (*record)->size;
        return record;
      }
    }
  }
  skipped_bytes_ += limit - bad;
  ++skipped_regions_;
  offset_ = limit;
  return std::nullopt;
}

}  // namespace vigil::agent::spool
