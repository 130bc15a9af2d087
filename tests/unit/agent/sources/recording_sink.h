// A SampleSink that keeps every sample, for tests of agent sources.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::testing {

struct RecordedSample {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
  double value = 0;
};

class RecordingSink : public agent::SampleSink {
 public:
  using agent::SampleSink::Add;
  void Add(absl::string_view metric, std::span<const agent::LabelPair> labels,
           double value) override {
    RecordedSample sample{std::string(metric), {}, value};
    for (const agent::LabelPair& label : labels) {
      sample.labels.emplace_back(std::string(label.name), std::string(label.value));
    }
    std::sort(sample.labels.begin(), sample.labels.end());
    samples_.push_back(std::move(sample));
  }
  void AddEvent(agent::Event event) override { events_.push_back(std::move(event)); }

  // The events added, in order.
  const std::vector<agent::Event>& events() const { return events_; }
  // The events of `kind`.
  std::vector<agent::Event> EventsOf(absl::string_view kind) const {
    std::vector<agent::Event> found;
    for (const agent::Event& e : events_) {
      if (e.kind == kind) found.push_back(e);
    }
    return found;
  }

  // The value of the first sample of `metric` whose labels are exactly `labels` (in any
  // order); nullopt if there is none.
  std::optional<double> Find(absl::string_view metric,
                             std::initializer_list<agent::LabelPair> labels = {}) const {
    std::vector<std::pair<std::string, std::string>> wanted;
    for (const agent::LabelPair& label : labels) {
      wanted.emplace_back(std::string(label.name), std::string(label.value));
    }
    std::sort(wanted.begin(), wanted.end());
    for (const RecordedSample& sample : samples_) {
      if (sample.metric == metric && sample.labels == wanted) return sample.value;
    }
    return std::nullopt;
  }

  // How many samples of `metric` were added.
  size_t Count(absl::string_view metric) const {
    return std::count_if(samples_.begin(), samples_.end(),
                         [&](const RecordedSample& s) { return s.metric == metric; });
  }

  // The distinct values of label `name` across the samples of `metric`, sorted.
  std::vector<std::string> LabelValues(absl::string_view metric, absl::string_view name) const {
    std::set<std::string> values;
    for (const RecordedSample& sample : samples_) {
      if (sample.metric != metric) continue;
      for (const auto& [label, value] : sample.labels) {
        if (label == name) values.insert(value);
      }
    }
    return {values.begin(), values.end()};
  }

  // Series (metric + labels) added more than once, as Prometheus text; empty if none.
  std::vector<std::string> DuplicateSeries() const {
    std::set<std::string> seen;
    std::vector<std::string> duplicates;
    for (const RecordedSample& sample : samples_) {
      std::string series = absl::StrCat(
          sample.metric, "{",
          absl::StrJoin(sample.labels, ",",
                        [](std::string* out, const std::pair<std::string, std::string>& l) {
                          absl::StrAppend(out, l.first, "=\"", l.second, "\"");
                        }),
          "}");
      if (!seen.insert(series).second) duplicates.push_back(std::move(series));
    }
    return duplicates;
  }

  const std::vector<RecordedSample>& samples() const { return samples_; }
  void Clear() {
    samples_.clear();
    events_.clear();
  }

 private:
  std::vector<RecordedSample> samples_;
  std::vector<agent::Event> events_;
};

// The samples of `metric` whose labels include all of `subset` (the host may run other
// database processes: assertions look at the test's own instances only).
inline std::vector<RecordedSample> Matching(const RecordingSink& sink, const std::string& metric,
                                            const std::map<std::string, std::string>& subset) {
  std::vector<RecordedSample> found;
  for (const RecordedSample& sample : sink.samples()) {
    if (sample.metric != metric) continue;
    const std::map<std::string, std::string> labels(sample.labels.begin(), sample.labels.end());
    bool match = true;
    for (const auto& [name, value] : subset) {
      auto it = labels.find(name);
      match = match && it != labels.end() && it->second == value;
    }
    if (match) found.push_back(sample);
  }
  return found;
}

// The value of the one sample matching; nullopt if none or several.
inline std::optional<double> ValueOf(const RecordingSink& sink, const std::string& metric,
                                     const std::map<std::string, std::string>& subset) {
  const std::vector<RecordedSample> found = Matching(sink, metric, subset);
  if (found.size() != 1) return std::nullopt;
  return found[0].value;
}

}  // namespace vigil::testing
