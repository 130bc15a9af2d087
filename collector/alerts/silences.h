// Silences: an operator's "I know, stop paging me" for alerts matching some labels
// during a time range. A silenced alert is still recorded (and shown), but not
// notified. Silences are created and expired through the API and vigilctl, persisted
// in the state store (keyspace kSilences, one JSON record per id) so they survive a
// restart, and purged a week after they ended.
//
// Thread-safe: every method may be called from any thread. Does not own the store,
// which must outlive it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/state/state_store.h"
#include "collector/storage/label_matcher.h"
#include "common/clock.h"
#include "common/labels.h"

namespace vigil::alerts {

struct Silence {
  std::string id;  // 16 random hex digits
  std::vector<storage::LabelMatcher> matchers;
  std::string matchers_text;  // as given
  absl::Time starts_at;
  absl::Time ends_at;  // exclusive; set to the expiry time when expired early
  absl::Time created_at;
  std::string created_by;
  std::string comment;
  bool expired_early = false;
  std::string expired_by;  // who expired it early

  // starts_at <= t < ends_at.
  bool ActiveAt(absl::Time t) const { return starts_at <= t && t < ends_at; }
};

// How long an ended silence is kept (listed with include_expired) before it is purged.
inline constexpr absl::Duration kSilenceRetention = absl::Hours(24 * 7);
// The longest silence one may create.
inline constexpr absl::Duration kMaxSilenceLength = absl::Hours(24 * 365);

class Silences {
 public:
  // Reads every stored silence (and purges the long-ended ones). A record that cannot
  // be read is logged and skipped rather than blocking the collector's start.
  static absl::StatusOr<std::unique_ptr<Silences>> Load(state::StateStore* store,
                                                        const Clock* clock);

  // Validates and stores a new silence. InvalidArgument, with the reason, when the
  // matchers do not parse or every matcher matches the empty string (it would silence
  // everything), when ends_at is not after starts_at or not in the future, when the
  // silence is longer than kMaxSilenceLength, or when created_by or comment is empty.
  // A start in the past is recorded as now.
  absl::StatusOr<Silence> Create(absl::string_view matchers_text, absl::Time starts_at,
                                 absl::Time ends_at, std::string created_by, std::string comment);

  // Ends a silence now. NotFound for an unknown id; FailedPrecondition if it has
  // already ended.
  absl::StatusOr<Silence> Expire(absl::string_view id, absl::string_view by);

  std::optional<Silence> Get(absl::string_view id) const;
  // Active and pending silences, and with include_expired the ended ones still kept;
  // ordered by start time, then id.
  std::vector<Silence> List(bool include_expired) const;

  // The id of a silence active at `t` whose matchers all match `labels` (the one that
  // ends last if several do), or nullopt.
  std::optional<std::string> Silencing(const LabelSet& labels, absl::Time t) const;

  // Deletes the silences that ended more than kSilenceRetention ago. Returns how many.
  absl::StatusOr<int> Purge();

 private:
  Silences(state::StateStore* store, const Clock* clock) : store_(store), clock_(clock) {}

  state::StateStore* const store_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Silence> silences_ ABSL_GUARDED_BY(mu_);
};

// The stored form (JSON), exposed for tests and tools.
std::string EncodeSilence(const Silence& silence);
absl::StatusOr<Silence> DecodeSilence(absl::string_view bytes);

}  // namespace vigil::alerts
