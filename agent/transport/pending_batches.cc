#include "agent/transport/pending_batches.h"

namespace vigil::agent {

void PendingBatches::Push(v1::Batch batch) {
  absl::MutexLock lock(&mu_);
  batch.set_sequence(next_sequence_++);
  size_t samples = 0;
  for (const v1::SampleGroup& g : batch.groups()) samples += g.values_size();
  const size_t bytes = batch.ByteSizeLong();
  queue_.push_back(Entry{std::move(batch), bytes, samples});
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && queue_.size() > 1) {
    bytes_ -= queue_.front().bytes;
    dropped_samples_ += queue_.front().samples;
    queue_.pop_front();
  }
}

std::optional<v1::Batch> PendingBatches::NextAfter(uint64_t after, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const uint64_t interrupts = interrupts_;
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || interrupts_ != interrupts ||
           (!queue_.empty() && queue_.back().batch.sequence() > after);
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (closed_ || interrupts_ != interrupts) return std::nullopt;
  for (const Entry& e : queue_) {
    if (e.batch.sequence() > after) return e.batch;
  }
  return std::nullopt;
}

void PendingBatches::Acknowledge(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  while (!queue_.empty() && queue_.front().batch.sequence() <= sequence) {
    bytes_ -= queue_.front().bytes;
    queue_.pop_front();
  }
}

void PendingBatches::Interrupt() {
  absl::MutexLock lock(&mu_);
  ++interrupts_;
}

void PendingBatches::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

size_t PendingBatches::size() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

size_t PendingBatches::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

uint64_t PendingBatches::dropped_samples() const {
  absl::MutexLock lock(&mu_);
  return dropped_samples_;
}

uint64_t PendingBatches::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return next_sequence_ - 1;
}

}  // namespace vigil::agent
