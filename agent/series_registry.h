// Agent-local series ids. The first time a (metric, labels) pair is sampled it gets
// the next id; the definition (id -> metric + labels) travels to the collector once per
// stream and later batches carry only ids and values.
//
// Thread-safe: the sampling thread interns, the transport thread reads definitions.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "agent/sources/source.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::agent {

class SeriesRegistry {
 public:
  // The id of metric{labels}, assigned on first use (ids start at 1).
  uint64_t Intern(absl::string_view metric, std::span<const LabelPair> labels);
  // Fills `def` for a known id; false if unknown.
  bool Define(uint64_t id, v1::SeriesDefinition* def) const;
  size_t size() const;
  // Samples in the last finished tick (BatchBuilder records it), to size the next one.
  int last_tick_samples() const { return last_tick_samples_.load(); }
  void set_last_tick_samples(int n) { last_tick_samples_ = n; }
  // The next event id of this run (1, 2, 3, ...): with the run it identifies an event,
  // so a resent batch stores its events once.
  uint64_t NextEventId() { return next_event_id_.fetch_add(1) + 1; }

 private:
  struct Definition {
    std::string metric;
    std::vector<std::pair<std::string, std::string>> labels;
  };
  mutable absl::Mutex mu_;
  std::string key_ ABSL_GUARDED_BY(mu_);  // scratch, reused across calls
  absl::flat_hash_map<std::string, uint64_t> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<Definition> definitions_ ABSL_GUARDED_BY(mu_);  // index = id - 1
  std::atomic<int> last_tick_samples_{0};
  std::atomic<uint64_t> next_event_id_{0};
};

// A SampleSink that appends one tick's samples, stamped with one timestamp, to a new
// SampleGroup of a Batch.
class BatchBuilder : public SampleSink {
 public:
  BatchBuilder(SeriesRegistry* registry, int64_t timestamp_ms, v1::Batch* batch);
  ~BatchBuilder() { registry_->set_last_tick_samples(group_->values_size()); }
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const LabelPair> labels, double value) override;
  // Appends the event to the batch with the run's next event id.
  void AddEvent(Event event) override;

 private:
  SeriesRegistry* const registry_;
  v1::Batch* const batch_;
  v1::SampleGroup* const group_;
};

}  // namespace vigil::agent
