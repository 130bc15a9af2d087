// Merging two ascending, duplicate-free runs of samples of one series into one, as when
// a closed window meets what is already stored for it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace vigil::storage {

// Writes the union of `a` and `b` to the out vectors (cleared first), ascending. For a
// timestamp present in both, `a`'s value is kept (the sample stored first wins: a
// resent sample is a duplicate, not an update). Returns the number of `b` samples
// dropped as duplicates.
size_t MergeSamples(std::span<const int64_t> a_ts, std::span<const double> a_vs,
                    std::span<const int64_t> b_ts, std::span<const double> b_vs,
                    std::vector<int64_t>* out_ts, std::vector<double>* out_vs);

// Sorts samples by time and drops repeated timestamps, keeping the first of each.
// For chunks that overlap in time (written before chunk windows were aligned).
void SortUnique(std::vector<int64_t>* timestamps_ms, std::vector<double>* values);

}  // namespace vigil::storage
