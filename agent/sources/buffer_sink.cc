#include "agent/sources/buffer_sink.h"

#include <iterator>

namespace vigil::agent {

void BufferSink::Add(absl::string_view metric, std::span<const LabelPair> labels, double value) {
  BufferedSample sample{std::string(metric), {}, value};
  sample.labels.reserve(labels.size());
  for (const LabelPair& l : labels) sample.labels.emplace_back(l.name, l.value);
  samples_.push_back(std::move(sample));
}

void BufferSink::MoveTo(SampleSink& sink) {
  std::vector<LabelPair> labels;
  for (const BufferedSample& s : samples_) {
    labels.clear();
    for (const auto& [name, value] : s.labels) labels.push_back(LabelPair{name, value});
    sink.Add(s.metric, std::span<const LabelPair>(labels), s.value);
  }
  for (Event& e : events_) sink.AddEvent(std::move(e));
  Clear();
}

void BufferSink::Append(BufferSink& other) {
  samples_.insert(samples_.end(), std::make_move_iterator(other.samples_.begin()),
                  std::make_move_iterator(other.samples_.end()));
  events_.insert(events_.end(), std::make_move_iterator(other.events_.begin()),
                 std::make_move_iterator(other.events_.end()));
  other.Clear();
}

}  // namespace vigil::agent
