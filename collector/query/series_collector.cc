#include "collector/query/series_collector.h"

namespace vigil::query {

size_t SeriesCollector::Resolve(LabelSet labels) {
  auto [it, inserted] = by_labels_.try_emplace(labels.Canonical(), slots_.size());
  if (inserted) slots_.push_back(Slot{std::move(labels), -1});
  return it->second;
}

}  // namespace vigil::query
