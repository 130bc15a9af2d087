// A SampleSink that keeps what it is given, to hand it on later (BackgroundJobs) or to
// look at it (tests, vigil-bench). Owns copies of every string.
//
// Not thread-safe: the owner synchronises.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/sources/source.h"

namespace vigil::agent {

struct BufferedSample {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

class BufferSink : public SampleSink {
 public:
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const LabelPair> labels, double value) override;
  void AddEvent(Event event) override { events_.push_back(std::move(event)); }

  // Adds everything held to `sink` (samples first, then events) and empties this one.
  void MoveTo(SampleSink& sink);
  // Appends everything held by `other` and empties it.
  void Append(BufferSink& other);

  const std::vector<BufferedSample>& samples() const { return samples_; }
  const std::vector<Event>& events() const { return events_; }
  bool empty() const { return samples_.empty() && events_.empty(); }
  void Clear() {
    samples_.clear();
    events_.clear();
  }

 private:
  std::vector<BufferedSample> samples_;
  std::vector<Event> events_;
};

}  // namespace vigil::agent
