#include "collector/notify/notify_log.h"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "collector/notify/alert_json.h"
#include "common/status.h"

namespace vigil::notify {
namespace {

using nlohmann::json;

std::string Key(absl::Time t, uint64_t sequence) {
  std::string key;
  state::AppendUint64(&key, static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(t))));
  state::AppendUint64(&key, sequence);
  return key;
}

}  // namespace

std::string EncodeSentEntry(const SentEntry& e) {
  return DumpJson({{"sent_at", absl::ToUnixMillis(e.sent_at)},
                   {"receiver", e.receiver},
                   {"group_key", e.group_key},
                   {"alert_ids", e.alert_ids},
                   {"resolved_only", e.resolved_only},
                   {"attempts", e.attempts},
                   {"result", e.result}});
}

absl::StatusOr<SentEntry> DecodeSentEntry(absl::string_view value) {
  const json j = json::parse(value.begin(), value.end(), nullptr, false);
  try {
    SentEntry e;
    e.sent_at = absl::FromUnixMillis(j.at("sent_at").get<int64_t>());
    e.receiver = j.at("receiver").get<std::string>();
    e.group_key = j.at("group_key").get<std::string>();
    e.alert_ids = j.at("alert_ids").get<std::vector<std::string>>();
    e.resolved_only = j.at("resolved_only").get<bool>();
    e.attempts = j.at("attempts").get<int>();
    e.result = j.at("result").get<std::string>();
    return e;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("notification log entry: ", e.what()));
  }
}

absl::Status NotifyLog::Open() {
  size_t count = 0;
  uint64_t highest = 0;
  VIGIL_RETURN_IF_ERROR(
      store_->Scan(state::Keyspace::kNotifyLog, "", [&](absl::string_view key, absl::string_view) {
        ++count;
        if (key.size() == 16) {
          highest = std::max(highest, state::ReadUint64(key.substr(8)));
        }
        return true;
      }));
  absl::MutexLock lock(&mu_);
  count_ = count;
  next_sequence_ = highest + 1;
  return absl::OkStatus();
}

absl::Status NotifyLog::Append(const SentEntry& entry) {
  absl::MutexLock lock(&mu_);
  VIGIL_RETURN_IF_ERROR(store_->Put(state::Keyspace::kNotifyLog,
                                    Key(entry.sent_at, next_sequence_++), EncodeSentEntry(entry),
                                    /*sync=*/false));
  ++count_;
  // Age: everything before sent_at - max_age. Count: the oldest beyond max_entries (in
  // batches of a tenth, so that trimming is not a scan per message).
  const absl::Time horizon = entry.sent_at - max_age_;
  const std::string horizon_key = Key(horizon, 0);
  std::string end;
  size_t removed = 0;
  const size_t excess = count_ > max_entries_ + max_entries_ / 10 ? count_ - max_entries_ : 0;
  VIGIL_RETURN_IF_ERROR(
      store_->Scan(state::Keyspace::kNotifyLog, "", [&](absl::string_view key, absl::string_view) {
        if (removed >= excess && key >= horizon_key) {
          return false;
        }
        ++removed;
        end = std::string(key) + '\0';
        return true;
      }));
  if (removed > 0) {
    VIGIL_RETURN_IF_ERROR(store_->DeleteRange(state::Keyspace::kNotifyLog, "", end));
    count_ -= std::min(count_, removed);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SentEntry>> NotifyLog::Recent(size_t limit) const {
  std::deque<std::string> values;
  VIGIL_RETURN_IF_ERROR(store_->Scan(state::Keyspace::kNotifyLog, "",
                                     [&](absl::string_view, absl::string_view value) {
                                       values.emplace_back(value);
                                       if (values.size() > limit) values.pop_front();
                                       return true;
                                     }));
  std::vector<SentEntry> out;
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    absl::StatusOr<SentEntry> entry = DecodeSentEntry(*it);
    if (entry.ok()) out.push_back(*std::move(entry));
  }
  return out;
}

}  // namespace vigil::notify
