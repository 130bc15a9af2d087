#include "agent/spool/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent::spool {
namespace {

constexpr absl::string_view kSegmentSuffix = ".seg";

std::string SegmentPath(const std::string& dir, uint64_t index) {
  return absl::StrFormat("%s/%020d%s", dir, index, kSegmentSuffix);
}

// Creates `dir` and its missing parents with mode 0700.
absl::Status MakeDirs(const std::string& dir) {
  std::string path;
  for (size_t at = 0; at != std::string::npos;) {
    const size_t next = dir.find('/', at + 1);
    path = dir.substr(0, next);
    at = next;
    if (path.empty() || path == "/") continue;
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, absl::StrCat("create spool directory ", path));
    }
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return ErrnoStatus(errno, absl::StrCat("spool directory ", dir));
  if (!S_ISDIR(st.st_mode))
    return absl::FailedPreconditionError(
        absl::StrCat("spool directory ", dir, ": not a directory"));
  return absl::OkStatus();
}

}  // namespace

size_t BatchSamples(const v1::Batch& batch) {
  size_t n = 0;
  for (const v1::SampleGroup& g : batch.groups()) n += g.values_size();
  return n;
}

uint64_t SegmentBytes(const SpoolOptions& options) {
  if (options.segment_bytes > 0) return options.segment_bytes;
  return std::clamp<uint64_t>(options.max_bytes / 16, 16 << 10, 16 << 20);
}

absl::Duration SegmentSpan(const SpoolOptions& options) {
  if (options.segment_span > absl::ZeroDuration()) return options.segment_span;
  return std::clamp(options.max_age / 28, absl::Minutes(1), absl::Hours(6));
}

Spool::Spool(SpoolOptions options, std::string run_id, int lock_fd)
    : options_(std::move(options)), run_id_(std::move(run_id)), lock_fd_(lock_fd) {}

Spool::~Spool() {
  if (writer_ != nullptr) {
    absl::Status synced = writer_->Sync();
    if (!synced.ok()) LogError("spool: ", synced.message());
  }
  close(lock_fd_);
}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options,
                                                   std::string run_id) {
  if (options.dir.empty()) return absl::InvalidArgumentError("spool directory not set");
  if (absl::Status made = MakeDirs(options.dir); !made.ok()) return made;
  const std::string lock_path = options.dir + "/lock";
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("spool lock ", lock_path));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat("spool directory ", options.dir,
                                                        " is in use by another vigil-agent (",
                                                        lock_path, " is locked)"));
    }
    return ErrnoStatus(err, absl::StrCat("lock ", lock_path));
  }
  std::unique_ptr<Spool> spool(new Spool(options, std::move(run_id), fd));
  if (absl::Status recovered = spool->Recover(); !recovered.ok()) return recovered;
  return spool;
}

absl::Status Spool::Recover() {
  DIR* dir = opendir(options_.dir.c_str());
  if (dir == nullptr) return ErrnoStatus(errno, absl::StrCat("list ", options_.dir));
  std::vector<uint64_t> indexes;
  while (dirent* entry = readdir(dir)) {
    absl::string_view name = entry->d_name;
    uint64_t index = 0;
    if (absl::ConsumeSuffix(&name, kSegmentSuffix) && absl::SimpleAtoi(name, &index)) {
      indexes.push_back(index);
    }
  }
  closedir(dir);
  std::sort(indexes.begin(), indexes.end());

  for (uint64_t index : indexes) {
    next_index_ = std::max(next_index_, index + 1);
    const std::string path = SegmentPath(options_.dir, index);
    absl::StatusOr<std::unique_ptr<SegmentReader>> reader = SegmentReader::Open(path);
    if (!reader.ok()) {
      LogError("spool: ", reader.status().message(), "; set aside as ", path, ".corrupt");
      if (rename(path.c_str(), (path + ".corrupt").c_str()) != 0) unlink(path.c_str());
      ++stats_.segments_set_aside;
      continue;
    }
    SegmentInfo info;
    info.index = index;
    info.path = path;
    info.run_id = (*reader)->header().run_id;
    info.first_sequence = (*reader)->header().first_sequence;
    info.created_ms = (*reader)->header().created_ms;
    uint64_t expected = info.first_sequence;
    v1::Batch batch;
    while (true) {
      absl::StatusOr<std::optional<SegmentRecord>> record = (*reader)->Next();
      if (!record.ok()) return record.status();
      if (!record->has_value()) break;
      if (!batch.ParseFromString((*record)->batch_bytes) || batch.sequence() < expected) {
        // A record that checks but does not make sense: treat as corrupt.
        stats_.corrupt_bytes += (*record)->size;
        ++stats_.corrupt_regions;
        continue;
      }
      if (batch.sequence() > expected) {
        recovery_gaps_.push_back(DroppedBatches{info.run_id, expected, batch.sequence() - 1, 0});
      }
      expected = batch.sequence() + 1;
      const int64_t tick = batch.groups_size() > 0 ? batch.groups(0).timestamp_ms() : 0;
      if (info.records == 0) info.oldest_ms = tick;
      info.newest_ms = std::max(info.newest_ms, tick);
      info.last_sequence = batch.sequence();
      ++info.records;
    }
    stats_.corrupt_bytes += (*reader)->skipped_bytes();
    stats_.corrupt_regions += (*reader)->skipped_regions();
    if ((*reader)->skipped_bytes() > 0) {
      LogWarning("spool: ", path, ": skipped ", (*reader)->skipped_bytes(),
                 " bytes of torn or corrupt records (", (*reader)->skipped_regions(), " regions)");
    }
    info.bytes = (*reader)->offset();
    if (info.records == 0) {
      unlink(path.c_str());  // nothing in it to send
      continue;
    }
    stats_.records_recovered += info.records;
    segments_.push_back(std::move(info));
  }
  // Sequences between the segments of one run were lost too.
  for (size_t i = 1; i < segments_.size(); ++i) {
    const SegmentInfo& a = segments_[i - 1];
    const SegmentInfo& b = segments_[i];
    if (a.run_id == b.run_id && b.first_sequence > a.last_sequence + 1) {
      recovery_gaps_.push_back(
          DroppedBatches{a.run_id, a.last_sequence + 1, b.first_sequence - 1, 0});
    }
  }
  if (!segments_.empty()) {
    LogInfo("spool: ", options_.dir, ": ", stats_.records_recovered, " batches of ",
            BacklogRuns().size(), " earlier runs to send (", segments_.size(), " segments)");
  }
  return absl::OkStatus();
}

absl::Status Spool::Rotate(uint64_t first_sequence, int64_t now_ms) {
  if (writer_ != nullptr) {
    absl::Status synced = writer_->Sync();
    writer_.reset();
    segments_.back().active = false;
    if (!synced.ok()) LogError("spool: ", synced.message());
  }
  const uint64_t index = next_index_;
  SegmentInfo info;
  info.index = index;
  info.path = SegmentPath(options_.dir, index);
  info.run_id = run_id_;
  info.first_sequence = first_sequence;
  info.created_ms = now_ms;
  info.active = true;
  absl::StatusOr<std::unique_ptr<SegmentWriter>> writer =
      SegmentWriter::Create(info.path, SegmentHeader{run_id_, first_sequence, now_ms});
  if (!writer.ok()) return writer.status();
  ++next_index_;
  writer_ = *std::move(writer);
  info.bytes = writer_->size();
  segments_.push_back(std::move(info));
  defined_in_segment_.clear();
  return absl::OkStatus();
}

absl::Status Spool::Append(const v1::Batch& batch, int64_t tick_ms, const DefineFn& define,
                           int64_t now_ms) {
  if (writer_ == nullptr || writer_->size() >= SegmentBytes(options_) ||
      now_ms - segments_.back().created_ms >= absl::ToInt64Milliseconds(SegmentSpan(options_))) {
    if (absl::Status rotated = Rotate(batch.sequence(), now_ms); !rotated.ok()) return rotated;
  }
  // The definitions travel as a second message appended to the batch's bytes: parsing
  // the concatenation merges them (repeated fields append), without copying the batch.
  v1::Batch definitions;
  std::vector<uint64_t> newly_defined;  // taken back if the write fails
  for (const v1::SampleGroup& group : batch.groups()) {
    for (uint64_t id : group.series_ids()) {
      if (!defined_in_segment_.insert(id).second) continue;
      if (define(id, definitions.add_definitions())) {
        newly_defined.push_back(id);
      } else {
        definitions.mutable_definitions()->RemoveLast();
        defined_in_segment_.erase(id);
      }
    }
  }
  batch.SerializeToString(&batch_bytes_);
  if (definitions.definitions_size() > 0) definitions.AppendToString(&batch_bytes_);
  record_.clear();
  encoder_.Append(batch_bytes_, &record_);
  if (absl::Status written = writer_->Append(record_); !written.ok()) {
    for (uint64_t id : newly_defined) defined_in_segment_.erase(id);
    return written;
  }

  SegmentInfo& info = segments_.back();
  if (info.records == 0) {
    info.first_sequence = std::min(info.first_sequence, batch.sequence());
    info.oldest_ms = tick_ms;
  }
  info.last_sequence = batch.sequence();
  info.newest_ms = std::max(info.newest_ms, tick_ms);
  info.bytes = writer_->size();
  ++info.records;
  if (options_.sync_interval <= absl::ZeroDuration()) return writer_->Sync();
  return absl::OkStatus();
}

absl::Status Spool::Sync() { return writer_ != nullptr ? writer_->Sync() : absl::OkStatus(); }

void Spool::Remove(size_t i) {
  if (unlink(segments_[i].path.c_str()) != 0 && errno != ENOENT) {
    LogError("spool: ", ErrnoStatus(errno, absl::StrCat("delete ", segments_[i].path)).message());
  }
  segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Spool::Release(const AckedFn& acked) {
  for (size_t i = 0; i < segments_.size();) {
    const SegmentInfo& s = segments_[i];
    const SequenceSet* done = s.active ? nullptr : acked(s.run_id);
    if (done != nullptr && s.records > 0 && done->ContainsAll(s.first_sequence, s.last_sequence)) {
      Remove(i);
      ++stats_.segments_released;
    } else {
      ++i;
    }
  }
}

std::vector<DroppedBatches> Spool::Unacknowledged(const SegmentInfo& segment,
                                                  const AckedFn& acked) {
  std::vector<DroppedBatches> out;
  const SequenceSet* done = acked(segment.run_id);
  absl::StatusOr<std::unique_ptr<SegmentReader>> reader = SegmentReader::Open(segment.path);
  if (!reader.ok()) {
    LogError("spool: ", reader.status().message());
    return out;
  }
  v1::Batch batch;
  while (true) {
    absl::StatusOr<std::optional<SegmentRecord>> record = (*reader)->Next(segment.bytes);
    if (!record.ok() || !record->has_value()) break;
    if (!batch.ParseFromString((*record)->batch_bytes)) continue;
    const uint64_t s = batch.sequence();
    if (done != nullptr && done->Contains(s)) continue;
    if (!out.empty() && out.back().last + 1 == s) {
      out.back().last = s;
      out.back().samples += BatchSamples(batch);
    } else {
      out.push_back(DroppedBatches{segment.run_id, s, s, BatchSamples(batch)});
    }
  }
  return out;
}

std::vector<DroppedBatches> Spool::EnforceBounds(int64_t now_ms, const AckedFn& acked) {
  std::vector<DroppedBatches> dropped;
  const int64_t oldest_allowed = now_ms - absl::ToInt64Milliseconds(options_.max_age);
  while (!segments_.empty()) {
    uint64_t total = 0;
    for (const SegmentInfo& s : segments_) total += s.bytes;
    SegmentInfo& oldest = segments_.front();
    const bool too_big = total > options_.max_bytes;
    const bool too_old = oldest.records > 0 && oldest.newest_ms < oldest_allowed;
    if (!too_big && !too_old) break;
    if (oldest.active) {
      // The active segment alone is over a bound: close it, a new one starts next time.
      writer_.reset();
      oldest.active = false;
    }
    std::vector<DroppedBatches> lost = Unacknowledged(oldest, acked);
    uint64_t samples = 0;
    for (const DroppedBatches& d : lost) samples += d.samples;
    if (!lost.empty()) {
      LogWarning("spool: dropped ", oldest.path, " (",
                 too_big ? "spool over max_bytes" : "older than max_age", "): ", samples,
                 " samples never acknowledged by the collector are lost");
    }
    dropped.insert(dropped.end(), lost.begin(), lost.end());
    Remove(0);
    ++stats_.segments_dropped;
  }
  return dropped;
}

std::vector<std::string> Spool::BacklogRuns() const {
  std::vector<std::string> runs;
  for (const SegmentInfo& s : segments_) {
    if (s.run_id != run_id_ && std::find(runs.begin(), runs.end(), s.run_id) == runs.end()) {
      runs.push_back(s.run_id);
    }
  }
  return runs;
}

SpoolStats Spool::stats() const {
  SpoolStats out = stats_;
  out.segments = segments_.size();
  out.bytes = 0;
  for (const SegmentInfo& s : segments_) out.bytes += s.bytes;
  return out;
}

}  // namespace vigil::agent::spool
