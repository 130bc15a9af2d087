#include "common/sequence_set.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/big_endian.h"

namespace vigil {

bool SequenceSet::Contains(uint64_t sequence) const { return ContainsAll(sequence, sequence); }

bool SequenceSet::ContainsAll(uint64_t first, uint64_t last) const {
  if (last <= through_) return true;
  // The range containing `first`, if any, must reach `last`.
  auto it = std::upper_bound(above_.begin(), above_.end(), first,
                             [](uint64_t s, const SequenceRange& r) { return s < r.first; });
  if (it == above_.begin()) return false;
  --it;
  return it->first <= first && last <= it->last;
}

void SequenceSet::Insert(uint64_t first, uint64_t last) {
  if (first == 0 || last < first || last <= through_) return;
  first = std::max(first, through_ + 1);
  // Merge with every range that overlaps or touches first..last.
  auto lo = std::lower_bound(above_.begin(), above_.end(), first,
                             [](const SequenceRange& r, uint64_t s) { return r.last + 1 < s; });
  auto hi = lo;
  while (hi != above_.end() && hi->first <= last + 1) {
    first = std::min(first, hi->first);
    last = std::max(last, hi->last);
    ++hi;
  }
  lo = above_.erase(lo, hi);
  above_.insert(lo, SequenceRange{first, last});
  if (above_.front().first == through_ + 1) {
    through_ = above_.front().last;
    above_.erase(above_.begin());
  }
}

uint64_t SequenceSet::FirstAbsentFrom(uint64_t from) const {
  uint64_t s = std::max(from, through_ + 1);
  for (const SequenceRange& r : above_) {
    if (r.last < s) continue;
    if (r.first > s) break;
    s = r.last + 1;
  }
  return s;
}

uint64_t SequenceSet::FirstPresentFrom(uint64_t from) const {
  if (from <= through_) return std::max<uint64_t>(from, 1);
  for (const SequenceRange& r : above_) {
    if (r.last >= from) return std::max(from, r.first);
  }
  return UINT64_MAX;
}

uint64_t SequenceSet::CountUpTo(uint64_t max) const {
  uint64_t n = std::min(through_, max);
  for (const SequenceRange& r : above_) {
    if (r.first > max) break;
    n += std::min(r.last, max) - r.first + 1;
  }
  return n;
}

std::string SequenceSet::Encode() const {
  std::string out;
  out.reserve(8 + 16 * above_.size());
  PutBigEndian64(&out, through_);
  for (const SequenceRange& r : above_) {
    PutBigEndian64(&out, r.first);
    PutBigEndian64(&out, r.last);
  }
  return out;
}

absl::StatusOr<SequenceSet> SequenceSet::Decode(absl::string_view bytes) {
  if (bytes.size() < 8 || (bytes.size() - 8) % 16 != 0) {
    return absl::DataLossError(
        absl::StrCat("sequence set of ", bytes.size(), " bytes: not 8 + 16n"));
  }
  SequenceSet set(GetBigEndian64(bytes.data()));
  uint64_t previous = set.through_ + 1;  // a range must start past this
  for (size_t at = 8; at < bytes.size(); at += 16) {
    const SequenceRange r{GetBigEndian64(bytes.data() + at), GetBigEndian64(bytes.data() + at + 8)};
    if (r.first <= previous || r.last < r.first) {
      return absl::DataLossError(absl::StrCat("sequence set: range ", r.first, "-", r.last,
                                              " out of order or overlapping"));
    }
    set.above_.push_back(r);
    previous = r.last + 1;
  }
  return set;
}

}  // namespace vigil
