#include "common/metrics.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "common/log.h"
#include "common/sample_value.h"
#include "common/utf8.h"

namespace vigil {
namespace {

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline (not quotes).
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// name_suffix{l1="v1",l2="v2",le="bound"} value
void AppendLine(absl::string_view name, absl::string_view suffix,
                absl::Span<const std::string> label_names,
                absl::Span<const std::string> label_values, absl::string_view le, double value,
                std::string* out) {
  absl::StrAppend(out, name, suffix);
  if (!label_names.empty() || !le.empty()) {
    out->push_back('{');
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, label_names[i], "=\"", EscapeLabelValue(ToValidUtf8(label_values[i])),
                      "\"");
    }
    if (!le.empty()) {
      absl::StrAppend(out, label_names.empty() ? "" : ",", "le=\"", le, "\"");
    }
    out->push_back('}');
  }
  absl::StrAppend(out, " ", FormatSampleValue(value), "\n");
}

// Finite, strictly increasing; a trailing +Inf is dropped (it is always there).
absl::StatusOr<std::vector<double>> CheckBounds(absl::string_view name,
                                                std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", name, ": bucket bound ", FormatSampleValue(bounds[i]), " is not finite"));
    }
    if (i > 0 && !(bounds[i] > bounds[i - 1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", name, ": bucket bounds must increase, but ", FormatSampleValue(bounds[i]),
          " follows ", FormatSampleValue(bounds[i - 1])));
    }
  }
  return bounds;
}

}  // namespace

namespace metrics_internal {

void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Counter& counter,
                   std::string* out) {
  AppendLine(name, "", label_names, label_values, "", counter.Value(), out);
}

void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Gauge& gauge,
                   std::string* out) {
  AppendLine(name, "", label_names, label_values, "", gauge.Value(), out);
}

void AppendSamples(absl::string_view name, absl::Span<const std::string> label_names,
                   absl::Span<const std::string> label_values, const Histogram& histogram,
                   std::string* out) {
  const Histogram::Snapshot snapshot = histogram.Read();
  const std::vector<double>& bounds = histogram.bounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    AppendLine(name, "_bucket", label_names, label_values, FormatSampleValue(bounds[i]),
               static_cast<double>(snapshot.cumulative_counts[i]), out);
  }
  const double count = static_cast<double>(snapshot.cumulative_counts.back());
  AppendLine(name, "_bucket", label_names, label_values, "+Inf", count, out);
  AppendLine(name, "_sum", label_names, label_values, "", snapshot.sum, out);
  AppendLine(name, "_count", label_names, label_values, "", count, out);
}

void DieOfLabelCount(absl::string_view family, size_t want, size_t got) {
  LogError("metric ", family, ": ", got, " label values given for ", want, " label names");
  std::abort();
}

// A family whose samples a callback writes at render time.
class CallbackFamily final : public Family {
 public:
  CallbackFamily(std::string name, std::vector<std::string> label_names,
                 std::function<void(MetricEmitter&)> emit)
      : name_(std::move(name)), label_names_(std::move(label_names)), emit_(std::move(emit)) {}

  void AppendSamples(std::string* out) const override {
    MetricEmitter emitter(name_, label_names_.size());
    emit_(emitter);
    std::stable_sort(emitter.samples_.begin(), emitter.samples_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [values, value] : emitter.samples_) {
      AppendLine(name_, "", label_names_, values, "", value, out);
    }
  }

 private:
  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::function<void(MetricEmitter&)> emit_;
};

}  // namespace metrics_internal

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.cumulative_counts.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> bounds;
  for (int i = 0; i < count; ++i) bounds.push_back(start + i * width);
  return bounds;
}

void MetricEmitter::Emit(absl::Span<const absl::string_view> label_values, double value) {
  if (label_values.size() != label_count_) {
    metrics_internal::DieOfLabelCount(family_, label_count_, label_values.size());
  }
  samples_.emplace_back(std::vector<std::string>(label_values.begin(), label_values.end()), value);
}

// Hands `family` to `entry` and returns it, now owned by the registry.
template <typename F>
F* MetricsRegistry::Keep(Entry* entry, std::unique_ptr<F> family) {
  F* kept = family.get();
  entry->family = std::move(family);
  return kept;
}

absl::StatusOr<MetricsRegistry::Entry*> MetricsRegistry::Reserve(
    absl::string_view name, MetricType type, absl::string_view help,
    absl::Span<const std::string> label_names) {
  if (!IsValidMetricName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric name \"", name, "\" is not valid (want [a-zA-Z_:][a-zA-Z0-9_:]*)"));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label) || absl::StartsWith(label, "__")) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"", label,
                       "\" is not valid (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": \"le\" is reserved for histogram buckets"));
    }
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"", label, "\" appears twice"));
    }
  }
  auto [it, inserted] = entries_.try_emplace(std::string(name));
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("metric ", name, " is already registered"));
  }
  it->second.help = std::string(help);
  it->second.type = type;
  return &it->second;
}

absl::StatusOr<CounterFamily*> MetricsRegistry::AddCounterFamily(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> entry = Reserve(name, MetricType::kCounter, help, label_names);
  if (!entry.ok()) return entry.status();
  std::unique_ptr<CounterFamily> family(new CounterFamily(
      std::string(name), std::move(label_names), [] { return std::make_unique<Counter>(); }));
  return Keep(*entry, std::move(family));
}

absl::StatusOr<GaugeFamily*> MetricsRegistry::AddGaugeFamily(absl::string_view name,
                                                             absl::string_view help,
                                                             std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> entry = Reserve(name, MetricType::kGauge, help, label_names);
  if (!entry.ok()) return entry.status();
  std::unique_ptr<GaugeFamily> family(new GaugeFamily(std::string(name), std::move(label_names),
                                                      [] { return std::make_unique<Gauge>(); }));
  return Keep(*entry, std::move(family));
}

absl::StatusOr<HistogramFamily*> MetricsRegistry::AddHistogramFamily(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
    std::vector<double> bounds) {
  absl::StatusOr<std::vector<double>> checked = CheckBounds(name, std::move(bounds));
  if (!checked.ok()) return checked.status();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> entry = Reserve(name, MetricType::kHistogram, help, label_names);
  if (!entry.ok()) return entry.status();
  std::unique_ptr<HistogramFamily> family(new HistogramFamily(
      std::string(name), std::move(label_names),
      [bounds = std::move(*checked)] { return std::make_unique<Histogram>(bounds); }));
  return Keep(*entry, std::move(family));
}

absl::StatusOr<Counter*> MetricsRegistry::AddCounter(absl::string_view name,
                                                     absl::string_view help) {
  absl::StatusOr<CounterFamily*> family = AddCounterFamily(name, help, {});
  if (!family.ok()) return family.status();
  return (*family)->WithLabels({});
}

absl::StatusOr<Gauge*> MetricsRegistry::AddGauge(absl::string_view name, absl::string_view help) {
  absl::StatusOr<GaugeFamily*> family = AddGaugeFamily(name, help, {});
  if (!family.ok()) return family.status();
  return (*family)->WithLabels({});
}

absl::StatusOr<Histogram*> MetricsRegistry::AddHistogram(absl::string_view name,
                                                         absl::string_view help,
                                                         std::vector<double> bounds) {
  absl::StatusOr<HistogramFamily*> family = AddHistogramFamily(name, help, {}, std::move(bounds));
  if (!family.ok()) return family.status();
  return (*family)->WithLabels({});
}

absl::Status MetricsRegistry::AddCallback(absl::string_view name, absl::string_view help,
                                          MetricType type, std::vector<std::string> label_names,
                                          std::function<void(MetricEmitter&)> emit) {
  if (type == MetricType::kHistogram) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric ", name, ": a callback gives a counter or a gauge"));
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Entry*> entry = Reserve(name, type, help, label_names);
  if (!entry.ok()) return entry.status();
  (*entry)->family = std::make_unique<metrics_internal::CallbackFamily>(
      std::string(name), std::move(label_names), std::move(emit));
  return absl::OkStatus();
}

std::string MetricsRegistry::Render() const {
  // Entries are never removed or changed once registered: render them without the lock,
  // so that a slow callback does not hold up registration.
  std::vector<std::pair<absl::string_view, const Entry*>> entries;
  {
    absl::MutexLock lock(&mu_);
    entries.reserve(entries_.size());
    for (const auto& [name, entry] : entries_) entries.emplace_back(name, &entry);
  }
  std::string out;
  std::string samples;
  for (const auto& [name, entry] : entries) {
    samples.clear();
    entry->family->AppendSamples(&samples);
    if (samples.empty()) continue;
    if (!entry->help.empty())
      absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(entry->help), "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", TypeName(entry->type), "\n", samples);
  }
  return out;
}

}  // namespace vigil
