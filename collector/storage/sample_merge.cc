#include "collector/storage/sample_merge.h"

#include <algorithm>
#include <numeric>

namespace vigil::storage {

size_t MergeSamples(std::span<const int64_t> a_ts, std::span<const double> a_vs,
                    std::span<const int64_t> b_ts, std::span<const double> b_vs,
                    std::vector<int64_t>* out_ts, std::vector<double>* out_vs) {
  out_ts->clear();
  out_vs->clear();
  out_ts->reserve(a_ts.size() + b_ts.size());
  out_vs->reserve(a_ts.size() + b_ts.size());
  size_t i = 0, j = 0, duplicates = 0;
  while (i < a_ts.size() || j < b_ts.size()) {
    if (j == b_ts.size() || (i < a_ts.size() && a_ts[i] < b_ts[j])) {
      out_ts->push_back(a_ts[i]);
      out_vs->push_back(a_vs[i]);
      ++i;
    } else if (i == a_ts.size() || b_ts[j] < a_ts[i]) {
      out_ts->push_back(b_ts[j]);
      out_vs->push_back(b_vs[j]);
      ++j;
    } else {
      out_ts->push_back(a_ts[i]);
      out_vs->push_back(a_vs[i]);
      ++i;
      ++j;
      ++duplicates;
    }
  }
  return duplicates;
}

void SortUnique(std::vector<int64_t>* ts, std::vector<double>* vs) {
  if (std::is_sorted(ts->begin(), ts->end()) &&
      std::adjacent_find(ts->begin(), ts->end()) == ts->end()) {
    return;
  }
  std::vector<size_t> order(ts->size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return (*ts)[a] < (*ts)[b]; });
  std::vector<int64_t> sorted_ts;
  std::vector<double> sorted_vs;
  sorted_ts.reserve(ts->size());
  sorted_vs.reserve(ts->size());
  for (size_t i : order) {
    if (!sorted_ts.empty() && sorted_ts.back() == (*ts)[i]) continue;
    sorted_ts.push_back((*ts)[i]);
    sorted_vs.push_back((*vs)[i]);
  }
  *ts = std::move(sorted_ts);
  *vs = std::move(sorted_vs);
}

}  // namespace vigil::storage
