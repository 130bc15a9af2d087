// A set of batch sequence numbers (> 0): everything up to through(), plus disjoint
// ranges above it. It says which batches of an agent run are done: on the collector,
// which are durably stored (so a resend is dropped, not stored twice); in the agent,
// which the collector has acknowledged (so a spool segment can be deleted).
//
// Batches are mostly acknowledged in order, but live batches overtake a backlog being
// replayed, so the set holds a few ranges above the contiguous prefix until the
// backlog catches up; then they merge into through().
//
// Value type; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil {

struct SequenceRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  friend bool operator==(const SequenceRange&, const SequenceRange&) = default;
};

class SequenceSet {
 public:
  SequenceSet() = default;
  explicit SequenceSet(uint64_t through) : through_(through) {}

  // Every sequence in 1..through() is in the set.
  uint64_t through() const { return through_; }
  // Disjoint, ascending, not adjacent to each other or to through().
  const std::vector<SequenceRange>& above() const { return above_; }

  bool Contains(uint64_t sequence) const;
  bool ContainsAll(uint64_t first, uint64_t last) const;
  // Adds first..last (first <= last, first > 0).
  void Insert(uint64_t first, uint64_t last);
  void Insert(uint64_t sequence) { Insert(sequence, sequence); }
  // The smallest sequence >= `from` that is not in the set.
  uint64_t FirstAbsentFrom(uint64_t from) const;
  // The smallest sequence >= `from` that is in the set (UINT64_MAX if none).
  uint64_t FirstPresentFrom(uint64_t from) const;
  // How many sequences in 1..`max` are in the set.
  uint64_t CountUpTo(uint64_t max) const;
  // The largest sequence in the set (0 if empty).
  uint64_t Max() const { return above_.empty() ? through_ : above_.back().last; }

  // Big-endian through(), then each range's first and last. An 8-byte value (a plain
  // high-water mark, as stored before ranges existed) decodes as through() alone.
  std::string Encode() const;
  static absl::StatusOr<SequenceSet> Decode(absl::string_view bytes);

  friend bool operator==(const SequenceSet&, const SequenceSet&) = default;

 private:
  uint64_t through_ = 0;
  std::vector<SequenceRange> above_;
};

}  // namespace vigil
