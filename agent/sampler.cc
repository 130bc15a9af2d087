#include "agent/sampler.h"

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

// Forwards to two sinks.
class TeeSink : public SampleSink {
 public:
  TeeSink(SampleSink* a, SampleSink* b) : a_(a), b_(b) {}
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const LabelPair> labels, double value) override {
    a_->Add(metric, labels, value);
    if (b_ != nullptr) b_->Add(metric, labels, value);
  }
  void AddEvent(Event event) override {
    if (b_ != nullptr) b_->AddEvent(event);
    a_->AddEvent(std::move(event));
  }

 private:
  SampleSink* a_;
  SampleSink* b_;
};

// Passes a source's samples on, and at most `limit` of its events per tick: a storm of
// ORA- lines or failed logins must not turn one batch into megabytes. What is dropped
// is counted (the source's own counters still count every occurrence).
class EventBound : public SampleSink {
 public:
  EventBound(SampleSink* next, size_t limit) : next_(next), limit_(limit) {}
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const LabelPair> labels, double value) override {
    next_->Add(metric, labels, value);
  }
  void AddEvent(Event event) override {
    if (passed_ >= limit_) {
      ++dropped_;
      return;
    }
    ++passed_;
    next_->AddEvent(std::move(event));
  }
  uint64_t passed() const { return passed_; }
  uint64_t dropped() const { return dropped_; }

 private:
  SampleSink* const next_;
  const size_t limit_;
  uint64_t passed_ = 0;
  uint64_t dropped_ = 0;
};

constexpr size_t kMaxEventsPerSourceTick = 200;
constexpr int kFailuresBeforeSlowRetry = 5;

}  // namespace

Sampler::Sampler(std::vector<ScheduledSource> sources, const std::string& proc_root,
                 absl::Duration base_interval, SeriesRegistry* registry, Outbox* outbox,
                 SelfMetricsFn self_metrics)
    : processes_(proc_root),
      base_interval_(base_interval),
      registry_(registry),
      outbox_(outbox),
      self_metrics_(std::move(self_metrics)) {
  for (ScheduledSource& s : sources) sources_.push_back(State{std::move(s)});
}

void Sampler::AwaitFirstResults(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (State& state : sources_) {
    state.scheduled.source->AwaitFirstResults(
        std::max(deadline - absl::Now(), absl::ZeroDuration()));
  }
}

void Sampler::Tick(absl::Time tick, SampleSink* also) {
  v1::Batch batch;
  BatchBuilder builder(registry_, absl::ToUnixMillis(tick), &batch);
  TeeSink sink(&builder, also);
  processes_.Invalidate();
  TickContext context{tick, &processes_};
  const int64_t tick_ms = absl::ToUnixMillis(tick);

  for (State& state : sources_) {
    Source& source = *state.scheduled.source;
    const int64_t every_ms = absl::ToInt64Milliseconds(state.scheduled.interval);
    const bool due = !state.ran || every_ms <= 0 ||
                     tick_ms % every_ms < absl::ToInt64Milliseconds(base_interval_);
    if (due && tick >= state.retry_after) {
      const absl::Time start = MonotonicNow();
      EventBound bounded(&sink, kMaxEventsPerSourceTick);
      absl::Status status = source.Collect(context, bounded);
      state.last_duration_s = absl::ToDoubleSeconds(MonotonicNow() - start);
      state.events += bounded.passed();
      state.events_dropped += bounded.dropped();
      if (bounded.dropped() > 0) {
        LogWarning("source ", source.name(), ": ", bounded.dropped(), " events over ",
                   kMaxEventsPerSourceTick, " in one tick dropped (counted)");
      }
      state.ran = true;
      state.up = status.ok();
      if (status.ok()) {
        if (state.consecutive_failures >= kFailuresBeforeSlowRetry) {
          LogInfo("source ", source.name(), " works again");
        }
        state.consecutive_failures = 0;
        state.retry_after = absl::InfinitePast();
      } else {
        ++state.errors;
        ++state.consecutive_failures;
        if (state.consecutive_failures == 1) {
          LogWarning("source ", source.name(), ": ", status.message());
        } else if (state.consecutive_failures == kFailuresBeforeSlowRetry) {
          LogWarning("source ", source.name(), " failed ", kFailuresBeforeSlowRetry,
                     " times in a row; retrying once a minute: ", status.message());
        }
        if (state.consecutive_failures >= kFailuresBeforeSlowRetry) {
          state.retry_after = tick + absl::Minutes(1);
        }
      }
    }
    const std::string name(source.name());
    sink.Add("vigil_agent_source_up", {{"source", name}}, state.up ? 1 : 0);
    sink.Add("vigil_agent_source_errors_total", {{"source", name}},
             static_cast<double>(state.errors));
    sink.Add("vigil_agent_source_duration_seconds", {{"source", name}}, state.last_duration_s);
    if (state.events > 0 || state.events_dropped > 0) {
      sink.Add("vigil_agent_events_total", {{"source", name}}, static_cast<double>(state.events));
      sink.Add("vigil_agent_events_dropped_total", {{"source", name}},
               static_cast<double>(state.events_dropped));
    }
  }
  if (self_metrics_) self_metrics_(sink);
  outbox_->Push(std::move(batch), tick_ms);
}

}  // namespace vigil::agent
