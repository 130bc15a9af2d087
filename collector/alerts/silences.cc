#include "collector/alerts/silences.h"

#include <openssl/rand.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "collector/alerts/alert_matchers.h"
#include "common/log.h"
#include "common/status.h"
#include "common/time_parse.h"

namespace vigil::alerts {
namespace {

absl::StatusOr<std::string> RandomId() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("cannot make a silence id: the random generator failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

}  // namespace

std::string EncodeSilence(const Silence& silence) {
  nlohmann::json j = {
      {"id", silence.id},
      {"matchers", silence.matchers_text},
      {"starts_at_ms", absl::ToUnixMillis(silence.starts_at)},
      {"ends_at_ms", absl::ToUnixMillis(silence.ends_at)},
      {"created_at_ms", absl::ToUnixMillis(silence.created_at)},
      {"created_by", silence.created_by},
      {"comment", silence.comment},
      {"expired_early", silence.expired_early},
      {"expired_by", silence.expired_by},
  };
  return j.dump();
}

absl::StatusOr<Silence> DecodeSilence(absl::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("silence record is not JSON");
  Silence s;
  try {
    s.id = j.at("id").get<std::string>();
    s.matchers_text = j.at("matchers").get<std::string>();
    s.starts_at = absl::FromUnixMillis(j.at("starts_at_ms").get<int64_t>());
    s.ends_at = absl::FromUnixMillis(j.at("ends_at_ms").get<int64_t>());
    s.created_at = absl::FromUnixMillis(j.at("created_at_ms").get<int64_t>());
    s.created_by = j.at("created_by").get<std::string>();
    s.comment = j.at("comment").get<std::string>();
    s.expired_early = j.value("expired_early", false);
    s.expired_by = j.value("expired_by", std::string());
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("silence record: ", e.what()));
  }
  absl::StatusOr<std::vector<storage::LabelMatcher>> matchers = ParseAlertMatchers(s.matchers_text);
  if (!matchers.ok()) return absl::DataLossError(matchers.status().message());
  s.matchers = *std::move(matchers);
  return s;
}

absl::StatusOr<std::unique_ptr<Silences>> Silences::Load(state::StateStore* store,
                                                         const Clock* clock) {
  std::unique_ptr<Silences> silences(new Silences(store, clock));
  absl::flat_hash_map<std::string, Silence> loaded;
  VIGIL_RETURN_IF_ERROR(store->Scan(
      state::Keyspace::kSilences, "", [&](absl::string_view key, absl::string_view value) {
        absl::StatusOr<Silence> s = DecodeSilence(value);
        if (!s.ok()) {
          LogWarning("skipping silence ", key, ": ", s.status().message());
        } else {
          loaded[key] = *std::move(s);
        }
        return true;
      }));
  {
    absl::MutexLock lock(&silences->mu_);
    silences->silences_ = std::move(loaded);
  }
  VIGIL_RETURN_IF_ERROR(silences->Purge().status());
  return silences;
}

absl::StatusOr<Silence> Silences::Create(absl::string_view matchers_text, absl::Time starts_at,
                                         absl::Time ends_at, std::string created_by,
                                         std::string comment) {
  absl::StatusOr<std::vector<storage::LabelMatcher>> matchers = ParseAlertMatchers(matchers_text);
  if (!matchers.ok()) return matchers.status();
  if (std::all_of(matchers->begin(), matchers->end(),
                  [](const storage::LabelMatcher& m) { return m.MatchesEmpty(); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "matchers \"", matchers_text,
        "\" would silence every alert: give at least one matcher that needs a label value, "
        "e.g. instance=\"his-db1\""));
  }
  const absl::Time now = clock_->Now();
  if (ends_at <= starts_at) {
    return absl::InvalidArgumentError(absl::StrCat("the silence ends (", FormatUtc(ends_at),
                                                   ") before it starts (", FormatUtc(starts_at),
                                                   ")"));
  }
  if (ends_at <= now) {
    return absl::InvalidArgumentError(
        absl::StrCat("the silence ends in the past (", FormatUtc(ends_at), ")"));
  }
  if (ends_at - std::max(starts_at, now) > kMaxSilenceLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a silence may last at most ", vigil::FormatDuration(kMaxSilenceLength),
        "; use a maintenance window (alerting.maintenance_windows) for longer or recurring quiet"));
  }
  if (created_by.empty()) return absl::InvalidArgumentError("who creates the silence is required");
  if (comment.empty()) {
    return absl::InvalidArgumentError("a comment is required: say why the alerts are silenced");
  }

  Silence silence;
  silence.matchers = *std::move(matchers);
  silence.matchers_text = std::string(matchers_text);
  silence.starts_at = std::max(starts_at, now);
  silence.ends_at = ends_at;
  silence.created_at = now;
  silence.created_by = std::move(created_by);
  silence.comment = std::move(comment);

  absl::MutexLock lock(&mu_);
  do {
    VIGIL_ASSIGN_OR_RETURN(silence.id, RandomId());
  } while (silences_.contains(silence.id));
  VIGIL_RETURN_IF_ERROR(
      store_->Put(state::Keyspace::kSilences, silence.id, EncodeSilence(silence)));
  silences_[silence.id] = silence;
  return silence;
}

absl::StatusOr<Silence> Silences::Expire(absl::string_view id, absl::string_view by) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = silences_.find(id);
  if (it == silences_.end()) return absl::NotFoundError(absl::StrCat("no silence ", id));
  if (it->second.ends_at <= now) {
    return absl::FailedPreconditionError(absl::StrCat("silence ", id, " has already ended (at ",
                                                      FormatUtc(it->second.ends_at), ")"));
  }
  Silence updated = it->second;
  updated.starts_at = std::min(updated.starts_at, now);  // a pending silence never starts
  updated.ends_at = now;
  updated.expired_early = true;
  updated.expired_by = std::string(by);
  VIGIL_RETURN_IF_ERROR(store_->Put(state::Keyspace::kSilences, id, EncodeSilence(updated)));
  it->second = updated;
  return updated;
}

std::optional<Silence> Silences::Get(absl::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = silences_.find(id);
  if (it == silences_.end()) return std::nullopt;
  return it->second;
}

std::vector<Silence> Silences::List(bool include_expired) const {
  const absl::Time now = clock_->Now();
  std::vector<Silence> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, silence] : silences_) {
      if (include_expired || silence.ends_at > now) out.push_back(silence);
    }
  }
  std::sort(out.begin(), out.end(), [](const Silence& a, const Silence& b) {
    return std::tie(a.starts_at, a.id) < std::tie(b.starts_at, b.id);
  });
  return out;
}

std::optional<std::string> Silences::Silencing(const LabelSet& labels, absl::Time t) const {
  absl::MutexLock lock(&mu_);
  const Silence* best = nullptr;
  for (const auto& [id, silence] : silences_) {
    if (!silence.ActiveAt(t) || !MatchesAll(silence.matchers, labels)) continue;
    if (best == nullptr ||
        std::tie(silence.ends_at, silence.id) > std::tie(best->ends_at, best->id)) {
      best = &silence;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->id;
}

absl::StatusOr<int> Silences::Purge() {
  const absl::Time cutoff = clock_->Now() - kSilenceRetention;
  absl::MutexLock lock(&mu_);
  std::vector<state::StateWrite> writes;
  for (const auto& [id, silence] : silences_) {
    if (silence.ends_at < cutoff) writes.push_back({state::Keyspace::kSilences, id, std::nullopt});
  }
  if (writes.empty()) return 0;
  VIGIL_RETURN_IF_ERROR(store_->Write(writes));
  for (const state::StateWrite& w : writes) silences_.erase(w.key);
  return static_cast<int>(writes.size());
}

}  // namespace vigil::alerts
