// A daemon's own metrics (samples ingested, batches refused, storage size, ...), kept in
// memory and rendered on request in the Prometheus text exposition format 0.0.4:
//
//   # HELP vigil_collector_samples_refused_total Samples not stored, by reason.
//   # TYPE vigil_collector_samples_refused_total counter
//   vigil_collector_samples_refused_total{reason="too_old"} 3
//
// A MetricsRegistry owns every metric registered in it; the pointers it returns stay valid
// as long as the registry. Registration checks names (Prometheus rules) and is meant for
// start-up; a metric is never removed. The hot path then only touches atomics: look up a
// labelled child once (MetricFamily::WithLabels) and keep the pointer.
//
// Values computed at scrape time (RocksDB properties, disk usage) are callbacks
// (MetricsRegistry::AddCallback), called by Render() on the rendering thread.
//
// Thread-safety: everything here is thread-safe. Counter, Gauge and Histogram updates
// are lock-free (relaxed atomics; a double is added with a compare-and-swap loop), so
// a scrape may see one update of a histogram in its buckets and not yet in its sum.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace vigil {

namespace metrics_internal {

static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// target += delta, lock-free: a compare-and-swap loop.
inline void AtomicAdd(std::atomic<double>& target, double delta) {
  double old = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
  }
}

}  // namespace metrics_internal

enum class MetricType { kCounter, kGauge, kHistogram };

// A value that only goes up. Whole increments (Inc, Add of an integer) are one atomic
// integer add; fractional ones (Add of a double, e.g. seconds) go to a separate double.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Inc() { whole_.fetch_add(1, std::memory_order_relaxed); }
  // A negative `n` is ignored: a counter never decreases.
  template <std::integral T>
  void Add(T n) {
    if constexpr (std::is_signed_v<T>) {
      if (n < 0) return;
    }
    whole_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
  // A negative or NaN `value` is ignored.
  void Add(double value) {
    if (value >= 0) metrics_internal::AtomicAdd(fraction_, value);
  }

  double Value() const {
    return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
           fraction_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<uint64_t> whole_{0};
  std::atomic<double> fraction_{0};
};

// A value that goes up and down (queue length, connected agents, bytes on disk).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { metrics_internal::AtomicAdd(value_, delta); }
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets, as Prometheus histograms: bucket i counts the
// observations <= bounds[i]; the last bucket (+Inf) counts the rest, NaN included.
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, finite and strictly increasing, without +Inf
  // (the registry checks this before it constructs one).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value) {
    const auto bucket = std::partition_point(bounds_.begin(), bounds_.end(),
                                             [value](double bound) { return !(value <= bound); });
    counts_[static_cast<size_t>(bucket - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    metrics_internal::AtomicAdd(sum_, value);
  }

  struct Snapshot {
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf (= count)
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// `count` bounds start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// `count` bounds start, start+width, start+2*width, ... (width > 0).
std::vector<double> LinearBuckets(double start, double width, int count);

namespace metrics_internal {

// One registered family as the registry keeps it.
class Family {
 public:
  virtual ~Family() = default;
  // Appends the family's sample lines (not its HELP and TYPE) to `out`.
  virtual void AppendSamples(std::string* out) const = 0;
};

void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Counter& counter,
                   std::string* out);
void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Gauge& gauge,
                   std::string* out);
void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Histogram& histogram,
                   std::string* out);

// Aborts: a caller passed a number of label values that differs from the family's
// number of label names, a bug in the caller.
[[noreturn]] void DieOfLabelCount(absl::string_view family, size_t want, size_t got);

class CallbackFamily;

}  // namespace metrics_internal

// A metric with label names, e.g. samples refused by `reason`: one child metric (Counter,
// Gauge or Histogram) per tuple of label values. Children are created on first use and
// rendered sorted by their label values; create the ones that must be exported from the
// start (with 0) at start-up.
template <typename Metric>
class MetricFamily final : public metrics_internal::Family {
 public:
  // The child for `label_values` (one per label name, in the family's order), created on
  // first use; the same pointer on every call. Takes a lock: call it once and keep the
  // pointer. Aborts if the number of values is wrong.
  Metric* WithLabels(absl::Span<const absl::string_view> label_values) ABSL_LOCKS_EXCLUDED(mu_) {
    if (label_values.size() != label_names_.size()) {
      metrics_internal::DieOfLabelCount(name_, label_names_.size(), label_values.size());
    }
    std::vector<std::string> key(label_values.begin(), label_values.end());
    absl::MutexLock lock(&mu_);
    std::unique_ptr<Metric>& child = children_[std::move(key)];
    if (child == nullptr) child = make_child_();
    return child.get();
  }

  void AppendSamples(std::string* out) const override {
    absl::MutexLock lock(&mu_);
    for (const auto& [values, child] : children_) {
      metrics_internal::AppendSamples(name_, label_names_, values, *child, out);
    }
  }

 private:
  friend class MetricsRegistry;
  MetricFamily(std::string name, std::vector<std::string> label_names,
               std::function<std::unique_ptr<Metric>()> make_child)
      : name_(std::move(name)),
        label_names_(std::move(label_names)),
        make_child_(std::move(make_child)) {}

  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_child_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// What a callback writes its samples to. Each tuple of label values should be emitted
// at most once per call; samples are rendered sorted by label values.
class MetricEmitter {
 public:
  // One sample; `label_values` in the order of the callback's label names. Aborts if the
  // number of values is wrong.
  void Emit(absl::Span<const absl::string_view> label_values, double value);
  // One sample of a callback without labels.
  void Emit(double value) { Emit({}, value); }

 private:
  friend class metrics_internal::CallbackFamily;
  MetricEmitter(absl::string_view family, size_t label_count)
      : family_(family), label_count_(label_count) {}

  const absl::string_view family_;
  const size_t label_count_;
  std::vector<std::pair<std::vector<std::string>, double>> samples_;
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each Add* registers one family. Fails with kInvalidArgument if `name` is not a valid
  // Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), a label name is not valid
  // ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", no repeats, not "le" on a
  // histogram), or bucket bounds are not finite and strictly increasing (a trailing +Inf
  // is dropped); with kAlreadyExists if `name` is taken. Names are compared as given:
  // a histogram "x" and a counter "x_count" are not detected as a clash.
  absl::StatusOr<Counter*> AddCounter(absl::string_view name, absl::string_view help);
  absl::StatusOr<Gauge*> AddGauge(absl::string_view name, absl::string_view help);
  absl::StatusOr<Histogram*> AddHistogram(absl::string_view name, absl::string_view help,
                                          std::vector<double> bounds);
  absl::StatusOr<CounterFamily*> AddCounterFamily(absl::string_view name, absl::string_view help,
                                                  std::vector<std::string> label_names);
  absl::StatusOr<GaugeFamily*> AddGaugeFamily(absl::string_view name, absl::string_view help,
                                              std::vector<std::string> label_names);
  absl::StatusOr<HistogramFamily*> AddHistogramFamily(absl::string_view name,
                                                      absl::string_view help,
                                                      std::vector<std::string> label_names,
                                                      std::vector<double> bounds);

  // A counter or gauge family (kHistogram is refused) whose samples `emit` writes each
  // time the registry is rendered, on the rendering thread and without the registry's
  // lock held. `emit` must be thread-safe if Render() is called from several threads.
  absl::Status AddCallback(absl::string_view name, absl::string_view help, MetricType type,
                           std::vector<std::string> label_names,
                           std::function<void(MetricEmitter&)> emit);

  // Every family with at least one sample, sorted by name: "# HELP" (unless the help is
  // empty), "# TYPE", then its samples sorted by label values. Label values are escaped
  // (\\, \", \n) and made valid UTF-8; values are written by FormatSampleValue.
  std::string Render() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::string help;
    MetricType type;
    std::unique_ptr<metrics_internal::Family> family;
  };

  // Checks the names and reserves `name`; on success the caller fills the entry.
  absl::StatusOr<Entry*> Reserve(absl::string_view name, MetricType type, absl::string_view help,
                                 absl::Span<const std::string> label_names)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename F>
  static F* Keep(Entry* entry, std::unique_ptr<F> family);

  mutable absl::Mutex mu_;
  // std::map: sorted for Render, and entries never move.
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vigil
