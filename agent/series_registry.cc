#include "agent/series_registry.h"

#include <algorithm>

#include "common/utf8.h"

namespace vigil::agent {

uint64_t SeriesRegistry::Intern(absl::string_view metric, std::span<const LabelPair> labels) {
  // Labels sorted by name make the key independent of the order a source used.
  LabelPair sorted[16];
  std::vector<LabelPair> spill;
  LabelPair* begin = sorted;
  if (labels.size() > std::size(sorted)) {
    spill.assign(labels.begin(), labels.end());
    begin = spill.data();
  } else {
    std::copy(labels.begin(), labels.end(), sorted);
  }
  LabelPair* end = begin + labels.size();
  std::sort(begin, end, [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });

  absl::MutexLock lock(&mu_);
  key_.assign(metric.data(), metric.size());
  for (const LabelPair* l = begin; l != end; ++l) {
    key_.push_back('\xff');
    key_.append(l->name.data(), l->name.size());
    key_.push_back('\xfe');
    key_.append(l->value.data(), l->value.size());
  }
  auto it = ids_.find(key_);
  if (it != ids_.end()) return it->second;
  Definition def;
  def.metric = std::string(metric);
  for (const LabelPair* l = begin; l != end; ++l) {
    // Values come from the kernel (paths, device names) and may be in any encoding;
    // the wire takes UTF-8 only. Done once, when the series is first seen.
    def.labels.emplace_back(std::string(l->name), ToValidUtf8(l->value));
  }
  definitions_.push_back(std::move(def));
  const uint64_t id = definitions_.size();
  ids_.emplace(key_, id);
  return id;
}

bool SeriesRegistry::Define(uint64_t id, v1::SeriesDefinition* def) const {
  absl::MutexLock lock(&mu_);
  if (id == 0 || id > definitions_.size()) return false;
  const Definition& d = definitions_[id - 1];
  def->Clear();
  def->set_series_id(id);
  def->set_metric(d.metric);
  for (const auto& [name, value] : d.labels) {
    v1::Label* l = def->add_labels();
    l->set_name(name);
    l->set_value(value);
  }
  return true;
}

size_t SeriesRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return definitions_.size();
}

BatchBuilder::BatchBuilder(SeriesRegistry* registry, int64_t timestamp_ms, v1::Batch* batch)
    : registry_(registry), batch_(batch), group_(batch->add_groups()) {
  group_->set_timestamp_ms(timestamp_ms);
  // A tick samples about as many series as the last one did.
  const int expected = registry->last_tick_samples();
  group_->mutable_series_ids()->Reserve(expected);
  group_->mutable_values()->Reserve(expected);
}

void BatchBuilder::Add(absl::string_view metric, std::span<const LabelPair> labels, double value) {
  group_->add_series_ids(registry_->Intern(metric, labels));
  group_->add_values(value);
}

void BatchBuilder::AddEvent(Event event) {
  v1::Event* e = batch_->add_events();
  e->set_event_id(registry_->NextEventId());
  e->set_timestamp_ms(absl::ToUnixMillis(event.time));
  e->set_kind(std::move(event.kind));
  e->set_severity(std::string(EventSeverityName(event.severity)));
  for (auto& [name, value] : event.labels) {
    v1::Label* l = e->add_labels();
    l->set_name(std::move(name));
    l->set_value(ToValidUtf8(value));
  }
  const std::string text = ToValidUtf8(event.message);
  e->set_message(std::string(TruncateUtf8(text, kMaxEventMessageBytes)));
}

}  // namespace vigil::agent
