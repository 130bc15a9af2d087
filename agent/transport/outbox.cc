#include "agent/transport/outbox.h"

#include <malloc.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

void InsertProgress(SequenceSet* set, uint64_t through,
                    const google::protobuf::RepeatedPtrField<v1::SequenceRange>& ranges) {
  if (through > 0) set->Insert(1, through);
  for (const v1::SequenceRange& r : ranges) {
    if (r.first() > 0 && r.last() >= r.first()) set->Insert(r.first(), r.last());
  }
}

// Live batches kept in memory beyond the live window are on disk anyway.
constexpr size_t kMaxRecent = 64;
// A clock-offset estimate is replaced by a less precise one only once it is this old.
constexpr int64_t kOffsetRefreshMs = 60'000;

}  // namespace

Outbox::Outbox(OutboxOptions options, std::string run_id, const SeriesRegistry* registry,
               const Clock* clock)
    : options_(std::move(options)), run_id_(std::move(run_id)), registry_(registry), clock_(clock) {
  {
    absl::MutexLock lock(&mu_);
    acked_[run_id_];
    TryOpenSpool(clock_->NowMs());
  }
  if (!options_.spool.dir.empty() && options_.spool.sync_interval > absl::ZeroDuration()) {
    syncer_ = std::thread([this] { RunSyncer(); });
  }
}

Outbox::~Outbox() {
  stop_syncer_.Notify();
  if (syncer_.joinable()) syncer_.join();
  Sync();
}

void Outbox::RunSyncer() {
  std::string last_error;
  while (!stop_syncer_.WaitForNotificationWithTimeout(options_.spool.sync_interval)) {
    std::shared_ptr<spool::SegmentWriter> writer;
    {
      absl::MutexLock lock(&mu_);
      if (spool_ != nullptr) writer = spool_->ActiveWriter();
    }
    if (writer == nullptr) continue;
    absl::Status synced = writer->Sync();
    if (!synced.ok() && std::string(synced.message()) != last_error) {
      LogError("spool: ", synced.message());
    }
    last_error = synced.ok() ? "" : std::string(synced.message());
  }
}

void Outbox::TryOpenSpool(int64_t now_ms) {
  if (options_.spool.dir.empty() || spool_ != nullptr) return;
  spool_retry_at_ms_ = now_ms + absl::ToInt64Milliseconds(options_.spool_retry);
  absl::StatusOr<std::unique_ptr<spool::Spool>> opened =
      spool::Spool::Open(options_.spool, run_id_);
  if (!opened.ok()) {
    ++spool_write_errors_;
    const std::string error(opened.status().message());
    if (error != last_spool_error_ || now_ms - last_spool_error_log_ms_ >= 60'000) {
      LogError("spool unavailable: ", error, "; keeping up to ", options_.memory_max_bytes >> 10,
               " KiB of batches in memory and trying again every ",
               absl::FormatDuration(options_.spool_retry));
      last_spool_error_ = error;
      last_spool_error_log_ms_ = now_ms;
    }
    return;
  }
  spool_ = *std::move(opened);
  if (!last_spool_error_.empty()) LogInfo("spool ", options_.spool.dir, " works again");
  last_spool_error_.clear();
  for (const spool::SegmentInfo& s : spool_->segments()) {
    if (s.run_id == run_id_) continue;
    uint64_t& max = run_max_[s.run_id];
    max = std::max(max, s.last_sequence);
    acked_[s.run_id];
  }
  for (const spool::DroppedBatches& gap : spool_->TakeRecoveryGaps()) RecordDropped(gap);
}

void Outbox::Push(v1::Batch batch, int64_t tick_ms) {
  const int64_t now_ms = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  const uint64_t sequence = next_sequence_++;
  batch.set_sequence(sequence);
  auto entry = std::make_shared<Entry>();
  entry->sequence = sequence;
  entry->tick_ms = tick_ms;
  entry->samples = spool::BatchSamples(batch);
  entry->bytes = batch.ByteSizeLong();

  if (spool_ == nullptr && now_ms >= spool_retry_at_ms_) TryOpenSpool(now_ms);
  if (spool_ != nullptr) {
    absl::Status appended = spool_->Append(
        batch, tick_ms,
        [this](uint64_t id, v1::SeriesDefinition* def) { return registry_->Define(id, def); },
        now_ms);
    entry->spooled = appended.ok();
    if (!appended.ok()) {
      ++spool_write_errors_;
      const std::string error(appended.message());
      if (error != last_spool_error_ || now_ms - last_spool_error_log_ms_ >= 60'000) {
        LogError("spool: cannot write: ", error, "; batches stay in memory (up to ",
                 options_.memory_max_bytes >> 10, " KiB) and are sent as usual");
        last_spool_error_ = error;
        last_spool_error_log_ms_ = now_ms;
      }
    } else if (!last_spool_error_.empty()) {
      LogInfo("spool: writing again");
      last_spool_error_.clear();
    }
  }
  entry->batch = std::move(batch);
  std::shared_ptr<const Entry> shared = std::move(entry);
  if (!shared->spooled) KeepInMemory(shared);
  recent_.push_back(std::move(shared));
  const int64_t live_ms = absl::ToInt64Milliseconds(options_.live_window);
  while (!recent_.empty() &&
         (recent_.size() > kMaxRecent || recent_.front()->tick_ms < tick_ms - live_ms)) {
    recent_.pop_front();
  }
  if (spool_ != nullptr) {
    auto acked = [this](const std::string& run) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = acked_.find(run);
      return it == acked_.end() ? nullptr : &it->second;
    };
    for (const spool::DroppedBatches& d : spool_->EnforceBounds(now_ms, acked)) RecordDropped(d);
  }
}

void Outbox::KeepInMemory(std::shared_ptr<const Entry> entry) {
  memory_bytes_ += entry->bytes;
  memory_.push_back(std::move(entry));
  while (memory_bytes_ > options_.memory_max_bytes && memory_.size() > 1) {
    const Entry& oldest = *memory_.front();
    RecordDropped(spool::DroppedBatches{run_id_, oldest.sequence, oldest.sequence, oldest.samples});
    memory_bytes_ -= oldest.bytes;
    memory_.pop_front();
  }
}

void Outbox::RecordDropped(const spool::DroppedBatches& dropped) {
  samples_dropped_ += dropped.samples;
  acked_[dropped.run_id].Insert(dropped.first, dropped.last);
  if (!notices_.empty()) {
    spool::DroppedBatches& last = notices_.back().dropped;
    if (!notices_.back().sent && last.run_id == dropped.run_id && last.last + 1 == dropped.first) {
      last.last = dropped.last;
      last.samples += dropped.samples;
      return;
    }
  }
  // A bounded list: if the collector is away for long, the oldest notices are merged
  // into one per run (the collector only needs the sequences; the samples add up).
  if (notices_.size() >= 1024) {
    Notice merged = notices_.front();
    notices_.pop_front();
    while (!notices_.empty() && notices_.front().dropped.run_id == merged.dropped.run_id &&
           !notices_.front().sent) {
      merged.dropped.last = std::max(merged.dropped.last, notices_.front().dropped.last);
      merged.dropped.samples += notices_.front().dropped.samples;
      notices_.pop_front();
    }
    notices_.push_front(merged);
  }
  notices_.push_back(Notice{dropped, false});
}

void Outbox::Sync() {
  absl::MutexLock lock(&mu_);
  if (spool_ == nullptr) return;
  absl::Status synced = spool_->Sync();
  if (!synced.ok()) LogError("spool: ", synced.message());
}

std::vector<std::string> Outbox::BacklogRuns() const {
  absl::MutexLock lock(&mu_);
  return RunsInOrder();
}

std::vector<std::string> Outbox::RunsInOrder() const {
  std::vector<std::string> runs;
  if (spool_ != nullptr) runs = spool_->BacklogRuns();
  for (const Notice& n : notices_) {
    if (n.dropped.run_id != run_id_ &&
        std::find(runs.begin(), runs.end(), n.dropped.run_id) == runs.end()) {
      runs.push_back(n.dropped.run_id);
    }
  }
  return runs;
}

void Outbox::StartStream(const v1::HelloAck& ack, int64_t hello_sent_ms) {
  const int64_t now_ms = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  InsertProgress(&acked_[run_id_], ack.last_durable_sequence(), ack.durable_ranges());
  for (const v1::RunProgress& run : ack.backlog_runs()) {
    InsertProgress(&acked_[run.run_id()], run.durable_through(), run.durable_ranges());
  }
  streaming_ = true;
  sent_.clear();
  position_.clear();
  defined_.clear();
  in_flight_.clear();
  backlog_in_flight_ = 0;
  for (Notice& n : notices_) n.sent = false;
  // The hello's round trip bounds the offset's error; it starts a fresh estimate.
  if (ack.collector_time_ms() > 0) {
    clock_offset_seconds_ =
        static_cast<double>(ack.collector_time_ms() - (hello_sent_ms + now_ms) / 2) / 1000.0;
    clock_offset_known_ = true;
    best_offset_rtt_ms_ = now_ms - hello_sent_ms;
    best_offset_at_ms_ = now_ms;
  }
  ReleaseAcknowledged();
}

void Outbox::ReleaseAcknowledged() {
  while (!memory_.empty()) {
    // Acknowledged entries are erased wherever they are; the deque is short.
    auto it = std::find_if(memory_.begin(), memory_.end(),
                           [this](const auto& e) { return acked_[run_id_].Contains(e->sequence); });
    if (it == memory_.end()) break;
    memory_bytes_ -= (*it)->bytes;
    memory_.erase(it);
  }
  if (spool_ != nullptr) {
    spool_->Release([this](const std::string& run) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = acked_.find(run);
      return it == acked_.end() ? nullptr : &it->second;
    });
  }
  // Earlier runs with nothing left to send are forgotten.
  for (auto it = run_max_.begin(); it != run_max_.end();) {
    const bool left =
        spool_ != nullptr &&
        std::any_of(spool_->segments().begin(), spool_->segments().end(),
                    [&](const spool::SegmentInfo& s) { return s.run_id == it->first; });
    const bool noticed = std::any_of(notices_.begin(), notices_.end(), [&](const Notice& n) {
      return n.dropped.run_id == it->first;
    });
    if (!left && !noticed) {
      acked_.erase(it->first);
      sent_.erase(it->first);
      position_.erase(it->first);
      defined_.erase(it->first);
      run_max_.erase(it++);
    } else {
      ++it;
    }
  }
}

uint64_t Outbox::RunMax(const std::string& run) const {
  if (run == run_id_) return next_sequence_ - 1;
  auto it = run_max_.find(run);
  return it == run_max_.end() ? 0 : it->second;
}

uint64_t Outbox::FirstUnhandled(const std::string& run) {
  uint64_t s = position_[run];
  const SequenceSet& acked = acked_[run];
  const SequenceSet& sent = sent_[run];
  while (true) {
    const uint64_t next = sent.FirstAbsentFrom(acked.FirstAbsentFrom(s));
    if (next == s) break;
    s = next;
  }
  position_[run] = s;
  return s;
}

const Outbox::Entry* Outbox::FindInMemory(uint64_t sequence) const {
  for (const auto* list : {&memory_, &recent_}) {
    auto it = std::lower_bound(list->begin(), list->end(), sequence,
                               [](const auto& e, uint64_t s) { return e->sequence < s; });
    if (it != list->end() && (*it)->sequence == sequence) return it->get();
  }
  return nullptr;
}

static std::vector<std::string> RunsWithCurrentLast(std::vector<std::string> runs,
                                                    const std::string& current) {
  runs.push_back(current);
  return runs;
}

bool Outbox::HasWork(int64_t now_ms) {
  for (const Notice& n : notices_) {
    if (!n.sent) return true;
  }
  const int64_t live_from = now_ms - absl::ToInt64Milliseconds(options_.live_window);
  for (const auto& e : recent_) {
    if (e->tick_ms >= live_from && !acked_[run_id_].Contains(e->sequence) &&
        !sent_[run_id_].Contains(e->sequence)) {
      return true;
    }
  }
  if (backlog_in_flight_ >= options_.replay_window) return false;
  for (const std::string& run : RunsWithCurrentLast(RunsInOrder(), run_id_)) {
    if (FirstUnhandled(run) <= RunMax(run)) return true;
  }
  return false;
}

std::optional<v1::Batch> Outbox::NextNotice() {
  for (Notice& n : notices_) {
    if (n.sent) continue;
    n.sent = true;
    v1::Batch message;
    message.set_sequence(n.dropped.first);
    if (n.dropped.last > n.dropped.first) message.set_last_sequence(n.dropped.last);
    if (n.dropped.run_id != run_id_) message.set_run_id(n.dropped.run_id);
    message.set_samples_dropped(
        static_cast<uint32_t>(std::min<uint64_t>(n.dropped.samples, UINT32_MAX)));
    return message;
  }
  return std::nullopt;
}

std::optional<v1::Batch> Outbox::NextLive(int64_t now_ms) {
  const int64_t live_from = now_ms - absl::ToInt64Milliseconds(options_.live_window);
  for (const auto& e : recent_) {
    if (e->tick_ms < live_from || acked_[run_id_].Contains(e->sequence) ||
        sent_[run_id_].Contains(e->sequence)) {
      continue;
    }
    v1::Batch message = e->batch;
    MarkSent(run_id_, e->sequence, e->sequence, e->tick_ms, /*backlog=*/false);
    AddDefinitions(run_id_, &message);
    ++batches_sent_;
    return message;
  }
  return std::nullopt;
}

void Outbox::MarkSent(const std::string& run, uint64_t first, uint64_t last, int64_t tick_ms,
                      bool backlog) {
  sent_[run].Insert(first, last);
  in_flight_.push_back(
      InFlight{run == run_id_ ? "" : run, first, last, tick_ms, clock_->NowMs(), backlog});
  if (backlog) {
    ++backlog_in_flight_;
    batches_resent_ += last - first + 1;
  }
}

void Outbox::AddDefinitions(const std::string& run, v1::Batch* message) {
  absl::flat_hash_set<uint64_t>& defined = defined_[run];
  for (const v1::SampleGroup& group : message->groups()) {
    for (uint64_t id : group.series_ids()) {
      if (defined.contains(id)) continue;
      if (run == run_id_) {
        if (!registry_->Define(id, message->add_definitions())) {
          message->mutable_definitions()->RemoveLast();
          continue;
        }
      } else {
        auto it = reader_definitions_.find(id);
        if (it == reader_definitions_.end()) continue;  // the collector rejects the samples
        *message->add_definitions() = it->second;
      }
      defined.insert(id);
    }
  }
}

std::optional<v1::Batch> Outbox::NextBacklogFromMemory(std::optional<DiskPlan>* plan) {
  for (const std::string& run : RunsWithCurrentLast(RunsInOrder(), run_id_)) {
    const uint64_t max = RunMax(run);
    uint64_t s = FirstUnhandled(run);
    while (s <= max) {
      // Everything up to the next sequence already handled may go in one message.
      const uint64_t handled =
          std::min(acked_[run].FirstPresentFrom(s), sent_[run].FirstPresentFrom(s));
      const uint64_t last_allowed = std::min(max, handled - 1);
      if (run == run_id_) {
        if (const Entry* e = FindInMemory(s); e != nullptr) {
          v1::Batch message = e->batch;
          message.clear_definitions();
          uint64_t last = s;
          size_t bytes = e->bytes;
          const int64_t tick_ms = e->tick_ms;
          while (last < last_allowed) {
            const Entry* next = FindInMemory(last + 1);
            if (next == nullptr || bytes + next->bytes > options_.replay_message_bytes) break;
            for (const v1::SampleGroup& g : next->batch.groups()) *message.add_groups() = g;
            for (const v1::Event& e : next->batch.events()) *message.add_events() = e;
            bytes += next->bytes;
            ++last;
          }
          if (last > s) message.set_last_sequence(last);
          MarkSent(run, s, last, tick_ms, /*backlog=*/true);
          AddDefinitions(run, &message);
          return message;
        }
      }
      if (spool_ != nullptr) {
        for (const spool::SegmentInfo& seg : spool_->segments()) {
          if (seg.run_id == run && seg.records > 0 && seg.first_sequence <= s &&
              s <= seg.last_sequence) {
            *plan = DiskPlan{run, seg, s, std::min(last_allowed, seg.last_sequence)};
            return std::nullopt;
          }
        }
      }
      // Neither in memory nor on disk: lost (a record that became unreadable).
      RecordDropped(spool::DroppedBatches{run, s, s, 0});
      s = FirstUnhandled(run);
    }
  }
  return std::nullopt;
}

v1::Batch Outbox::ReadFromDisk(const DiskPlan& plan, uint64_t* missing_from, uint64_t* missing_to) {
  absl::MutexLock lock(&reader_mu_);
  v1::Batch message;
  *missing_from = *missing_to = 0;
  const bool earlier_run = plan.run != run_id_;
  // The reader only goes forward: a sequence behind what it can produce next (the held
  // record, else the one after the last read) needs a fresh pass.
  const uint64_t can_produce_from =
      held_.has_value() ? held_->batch.sequence() : reader_last_sequence_ + 1;
  if (reader_ == nullptr || reader_segment_ != plan.segment.index ||
      plan.first < can_produce_from) {
    reader_.reset();
    reader_definitions_.clear();
    held_.reset();
    reader_last_sequence_ = 0;
    absl::StatusOr<std::unique_ptr<spool::SegmentReader>> reader =
        spool::SegmentReader::Open(plan.segment.path);
    if (!reader.ok()) {
      LogError("spool: replay: ", reader.status().message());
      *missing_from = plan.first;
      *missing_to = plan.segment.last_sequence;
      return message;
    }
    reader_ = *std::move(reader);
    reader_segment_ = plan.segment.index;
  }
  uint64_t expected = plan.first;
  size_t bytes = 0;
  while (expected <= plan.last_allowed) {
    if (!held_.has_value()) {
      absl::StatusOr<std::optional<spool::SegmentRecord>> next = reader_->Next(plan.segment.bytes);
      if (!next.ok()) {
        LogError("spool: replay: ", next.status().message());
        break;
      }
      if (!next->has_value()) break;
      v1::Batch record;
      if (!record.ParseFromString((*next)->batch_bytes)) continue;
      reader_last_sequence_ = record.sequence();
      if (earlier_run) {
        for (const v1::SeriesDefinition& def : record.definitions()) {
          reader_definitions_[def.series_id()] = def;
        }
      }
      held_ = HeldRecord{(*next)->batch_bytes.size(), std::move(record)};
    }
    const uint64_t sequence = held_->batch.sequence();
    if (sequence < expected) {
      held_.reset();
      continue;
    }
    if (sequence > expected) {
      if (message.sequence() == 0) {  // unreadable (skipped as corrupt): lost
        *missing_from = expected;
        *missing_to = std::min(sequence - 1, plan.last_allowed);
      }
      break;  // the held record starts the next message
    }
    if (bytes > 0 && bytes + held_->bytes > options_.replay_message_bytes) break;
    if (message.sequence() == 0) message.set_sequence(expected);
    for (v1::SampleGroup& g : *held_->batch.mutable_groups()) *message.add_groups() = std::move(g);
    for (v1::Event& e : *held_->batch.mutable_events()) *message.add_events() = std::move(e);
    bytes += held_->bytes;
    held_.reset();
    ++expected;
  }
  if (message.sequence() != 0 && expected - 1 > message.sequence()) {
    message.set_last_sequence(expected - 1);
  }
  // A finished segment read to its last batch has nothing more to give: close it, or
  // the file (deleted once acknowledged) would keep its disk space until the next replay.
  if (!plan.segment.active && !held_.has_value() &&
      reader_last_sequence_ >= plan.segment.last_sequence) {
    reader_.reset();
  }
  return message;
}

std::optional<v1::Batch> Outbox::Next(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::optional<DiskPlan> plan;
    {
      absl::MutexLock lock(&mu_);
      const uint64_t interrupts = interrupts_;
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return closed_ || interrupts_ != interrupts || HasWork(clock_->NowMs());
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline)) return std::nullopt;
      if (closed_ || interrupts_ != interrupts) return std::nullopt;
      if (std::optional<v1::Batch> notice = NextNotice()) return notice;
      if (std::optional<v1::Batch> live = NextLive(clock_->NowMs())) return live;
      if (backlog_in_flight_ >= options_.replay_window) continue;
      if (std::optional<v1::Batch> memory = NextBacklogFromMemory(&plan)) return memory;
      if (!plan.has_value()) continue;
    }
    uint64_t missing_from = 0, missing_to = 0;
    v1::Batch message = ReadFromDisk(*plan, &missing_from, &missing_to);
    absl::MutexLock lock(&mu_);
    if (missing_from != 0) {
      LogWarning("spool: batches ", missing_from, "-", missing_to, " of run ", plan->run,
                 " could not be read back; counted as lost");
      RecordDropped(spool::DroppedBatches{plan->run, missing_from, missing_to, 0});
    }
    if (message.sequence() == 0) continue;
    const uint64_t last = std::max(message.sequence(), message.last_sequence());
    MarkSent(plan->run, message.sequence(), last,
             message.groups_size() > 0 ? message.groups(0).timestamp_ms() : 0, /*backlog=*/true);
    if (plan->run != run_id_) message.set_run_id(plan->run);
    {
      absl::MutexLock reader_lock(&reader_mu_);
      AddDefinitions(plan->run, &message);
    }
    return message;
  }
}

bool Outbox::BacklogLeft(int64_t now_ms) {
  const int64_t live_from = now_ms - absl::ToInt64Milliseconds(options_.live_window);
  for (const std::string& run : RunsWithCurrentLast(RunsInOrder(), run_id_)) {
    const uint64_t s = FirstUnhandled(run);
    if (s > RunMax(run)) continue;
    const Entry* e = run == run_id_ ? FindInMemory(s) : nullptr;
    if (e == nullptr || e->tick_ms < live_from) return true;  // not a live batch
  }
  return false;
}

void Outbox::Acknowledge(const v1::BatchAck& ack) {
  const int64_t now_ms = clock_->NowMs();
  bool replay_finished = false;
  uint64_t resent = 0;
  {
    absl::MutexLock lock(&mu_);
    replay_finished = AcknowledgeLocked(ack, now_ms);
    resent = batches_resent_;
  }
  if (!replay_finished) return;
  // The replay's buffers (reader, definitions of earlier runs, message-sized strings)
  // are not needed until the next one: give their memory back to the system, or glibc
  // keeps it as the agent's resident heap.
  {
    absl::MutexLock lock(&reader_mu_);
    reader_.reset();
    held_.reset();
    reader_last_sequence_ = 0;
    absl::flat_hash_map<uint64_t, v1::SeriesDefinition>().swap(reader_definitions_);
  }
  malloc_trim(0);
  LogInfo("backlog replayed (", resent, " batches resent since start)");
}

bool Outbox::AcknowledgeLocked(const v1::BatchAck& ack, int64_t now_ms) {
  bool backlog_acked = false;
  const std::string& run = ack.run_id().empty() ? run_id_ : ack.run_id();
  const uint64_t last = std::max(ack.sequence(), ack.last_sequence());
  SequenceSet& acked = acked_[run];
  if (ack.sequence() > 0) acked.Insert(ack.sequence(), last);
  if (ack.durable_through() > 0) acked.Insert(1, ack.durable_through());
  for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
    if (it->run != ack.run_id() || it->first != ack.sequence()) continue;
    if (it->backlog) {
      if (backlog_in_flight_ > 0) --backlog_in_flight_;
      backlog_acked = true;
    } else if (ack.collector_time_ms() > 0) {
      send_lag_seconds_ = static_cast<double>(now_ms - it->tick_ms) / 1000.0;
      const int64_t rtt = now_ms - it->sent_ms;
      if (rtt <= best_offset_rtt_ms_ || now_ms - best_offset_at_ms_ > kOffsetRefreshMs) {
        clock_offset_seconds_ =
            static_cast<double>(ack.collector_time_ms() - (it->sent_ms + now_ms) / 2) / 1000.0;
        clock_offset_known_ = true;
        best_offset_rtt_ms_ = rtt;
        best_offset_at_ms_ = now_ms;
      }
    }
    in_flight_.erase(it);
    break;
  }
  for (auto it = notices_.begin(); it != notices_.end(); ++it) {
    if (it->sent && it->dropped.run_id == run && it->dropped.first == ack.sequence()) {
      notices_.erase(it);
      break;
    }
  }
  ReleaseAcknowledged();
  return backlog_acked && backlog_in_flight_ == 0 && !BacklogLeft(now_ms);
}

void Outbox::Interrupt() {
  absl::MutexLock lock(&mu_);
  ++interrupts_;
}

void Outbox::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

bool Outbox::LiveDrained() const {
  absl::MutexLock lock(&mu_);
  auto acked = acked_.find(run_id_);
  for (const auto& e : recent_) {
    if (acked == acked_.end() || !acked->second.Contains(e->sequence)) return false;
  }
  return true;
}

OutboxStats Outbox::stats() const {
  const int64_t now_ms = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  OutboxStats out;
  out.spool_ok = spool_ != nullptr && last_spool_error_.empty();
  out.spool_write_errors = spool_write_errors_;
  out.memory_bytes = memory_bytes_;
  out.samples_dropped = samples_dropped_;
  out.batches_sent = batches_sent_;
  out.batches_resent = batches_resent_;
  out.send_lag_seconds = send_lag_seconds_;
  out.clock_offset_seconds = clock_offset_seconds_;
  out.clock_offset_known = clock_offset_known_;
  int64_t oldest_unacked_ms = 0;
  auto current = acked_.find(run_id_);
  const uint64_t max = next_sequence_ - 1;
  if (current != acked_.end()) {
    out.unacknowledged += max - current->second.CountUpTo(max);
    const uint64_t first = current->second.FirstAbsentFrom(1);
    if (first <= max) {
      if (const Entry* e = FindInMemory(first); e != nullptr) oldest_unacked_ms = e->tick_ms;
    }
  }
  if (spool_ != nullptr) {
    const spool::SpoolStats s = spool_->stats();
    out.spool_bytes = s.bytes;
    out.spool_segments = s.segments;
    out.spool_corrupt_bytes += s.corrupt_bytes;
    for (const spool::SegmentInfo& seg : spool_->segments()) {
      if (seg.records == 0) continue;
      if (out.spool_oldest_seconds == 0) {
        out.spool_oldest_seconds = static_cast<double>(now_ms - seg.oldest_ms) / 1000.0;
      }
      if (seg.run_id != run_id_) {
        out.unacknowledged += seg.records;
        if (oldest_unacked_ms == 0) oldest_unacked_ms = seg.oldest_ms;
      } else if (oldest_unacked_ms == 0 && current != acked_.end() &&
                 !current->second.ContainsAll(seg.first_sequence, seg.last_sequence)) {
        oldest_unacked_ms = seg.oldest_ms;
      }
    }
  }
  if (oldest_unacked_ms > 0) {
    out.backlog_age_seconds =
        std::max(0.0, static_cast<double>(now_ms - oldest_unacked_ms) / 1000.0);
  }
  return out;
}

}  // namespace vigil::agent
