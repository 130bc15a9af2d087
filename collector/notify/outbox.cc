#include "collector/notify/outbox.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/notify/alert_json.h"
#include "common/log.h"
#include "common/status.h"

namespace vigil::notify {
namespace {

constexpr int kRecordVersion = 1;
using nlohmann::json;

json TimeJson(absl::Time t) {
  if (t == absl::InfinitePast()) return nullptr;
  return absl::ToUnixMillis(t);
}

absl::Time TimeFrom(const json& j) {
  if (!j.is_number_integer()) return absl::InfinitePast();
  return absl::FromUnixMillis(j.get<int64_t>());
}

json AlertJson(const AlertItem& a) {
  json annotations = json::array();
  for (const auto& [name, text] : a.annotations) annotations.push_back({name, text});
  return {{"id", a.id},
          {"labels", LabelsJson(a.labels)},
          {"annotations", annotations},
          {"resolved", a.resolved},
          {"starts_at", TimeJson(a.starts_at)},
          {"ends_at", TimeJson(a.ends_at)},
          {"value", a.value},
          {"acknowledged", a.acknowledged},
          {"acknowledged_by", a.acknowledged_by},
          {"flapping", a.flapping},
          {"ack_url", a.ack_url},
          {"generator_url", a.generator_url}};
}

AlertItem AlertFrom(const json& j) {
  AlertItem a;
  a.id = j.at("id").get<std::string>();
  std::vector<Label> labels;
  for (const auto& [name, value] : j.at("labels").items()) {
    labels.push_back({name, value.get<std::string>()});
  }
  a.labels = LabelSet(std::move(labels));
  for (const json& pair : j.at("annotations")) {
    a.annotations.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  a.resolved = j.at("resolved").get<bool>();
  a.starts_at = TimeFrom(j.at("starts_at"));
  a.ends_at = TimeFrom(j.at("ends_at"));
  // NaN and infinities are stored as null by nlohmann.
  a.value = j.at("value").is_number() ? j.at("value").get<double>() : std::nan("");
  a.acknowledged = j.at("acknowledged").get<bool>();
  a.acknowledged_by = j.at("acknowledged_by").get<std::string>();
  a.flapping = j.at("flapping").get<bool>();
  a.ack_url = j.at("ack_url").get<std::string>();
  a.generator_url = j.at("generator_url").get<std::string>();
  return a;
}

std::string Key(uint64_t sequence) {
  std::string key;
  state::AppendUint64(&key, sequence);
  return key;
}

}  // namespace

std::string EncodeOutboxRecord(const OutboxRecord& record) {
  const Notification& n = record.notification;
  json alerts = json::array();
  for (const AlertItem& a : n.alerts) alerts.push_back(AlertJson(a));
  json recipients = json::array();
  for (const Recipient& r : n.recipients) {
    recipients.push_back({{"name", r.name}, {"phone", r.phone}, {"email", r.email}});
  }
  const json j = {{"version", kRecordVersion},
                  {"receiver", n.receiver},
                  {"group_key", n.group_key},
                  {"alerts", alerts},
                  {"recipients", recipients},
                  {"tier", n.tier},
                  {"escalated", n.escalated},
                  {"language", n.language == Language::kChinese ? "zh" : "en"},
                  {"external_url", n.external_url},
                  {"created", TimeJson(n.created)},
                  {"attempts", record.attempts},
                  {"next_attempt", TimeJson(record.next_attempt)},
                  {"last_error", record.last_error}};
  return DumpJson(j);
}

absl::StatusOr<OutboxRecord> DecodeOutboxRecord(uint64_t sequence, absl::string_view value) {
  const json j = json::parse(value.begin(), value.end(), nullptr, false);
  if (!j.is_object())
    return absl::DataLossError(absl::StrCat("outbox record ", sequence, ": not JSON"));
  if (j.value("version", 0) != kRecordVersion) {
    return absl::DataLossError(
        absl::StrCat("outbox record ", sequence, ": unknown version ", j.value("version", 0)));
  }
  try {
    OutboxRecord record;
    record.sequence = sequence;
    Notification& n = record.notification;
    n.receiver = j.at("receiver").get<std::string>();
    n.group_key = j.at("group_key").get<std::string>();
    for (const json& a : j.at("alerts")) n.alerts.push_back(AlertFrom(a));
    for (const json& r : j.at("recipients")) {
      n.recipients.push_back({r.at("name").get<std::string>(), r.at("phone").get<std::string>(),
                              r.at("email").get<std::string>()});
    }
    n.tier = j.at("tier").get<int>();
    n.escalated = j.at("escalated").get<bool>();
    n.language =
        j.at("language").get<std::string>() == "en" ? Language::kEnglish : Language::kChinese;
    n.external_url = j.at("external_url").get<std::string>();
    n.created = TimeFrom(j.at("created"));
    record.attempts = j.at("attempts").get<int>();
    record.next_attempt = TimeFrom(j.at("next_attempt"));
    record.last_error = j.at("last_error").get<std::string>();
    return record;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("outbox record ", sequence, ": ", e.what()));
  }
}

Notification MergeNotifications(const std::vector<const Notification*>& messages) {
  Notification merged = *messages.back();
  merged.alerts.clear();
  merged.recipients.clear();
  std::vector<std::string> group_keys;
  std::vector<const AlertItem*> alerts;  // newest version of each id, first-seen order
  std::set<std::tuple<std::string, std::string, std::string>> recipients;
  for (const Notification* n : messages) {
    if (std::find(group_keys.begin(), group_keys.end(), n->group_key) == group_keys.end()) {
      group_keys.push_back(n->group_key);
    }
    for (const AlertItem& a : n->alerts) {
      auto same = std::find_if(alerts.begin(), alerts.end(),
                               [&](const AlertItem* seen) { return seen->id == a.id; });
      if (same == alerts.end()) {
        alerts.push_back(&a);
      } else {
        *same = &a;
      }
    }
    for (const Recipient& r : n->recipients) {
      if (recipients.insert({r.name, r.phone, r.email}).second) merged.recipients.push_back(r);
    }
    merged.escalated = merged.escalated || n->escalated;
    merged.tier = std::max(merged.tier, n->tier);
  }
  for (const AlertItem* a : alerts) {
    if (!a->resolved) merged.alerts.push_back(*a);
  }
  for (const AlertItem* a : alerts) {
    if (a->resolved) merged.alerts.push_back(*a);
  }
  merged.group_key = absl::StrJoin(group_keys, ",");
  return merged;
}

absl::StatusOr<std::vector<OutboxRecord>> Outbox::LoadAll(size_t* corrupt) {
  std::vector<OutboxRecord> records;
  std::vector<uint64_t> bad;
  uint64_t highest = 0;
  VIGIL_RETURN_IF_ERROR(store_->Scan(
      state::Keyspace::kOutbox, "", [&](absl::string_view key, absl::string_view value) {
        if (key.size() != 8) return true;
        const uint64_t sequence = state::ReadUint64(key);
        highest = std::max(highest, sequence);
        absl::StatusOr<OutboxRecord> record = DecodeOutboxRecord(sequence, value);
        if (record.ok()) {
          records.push_back(*std::move(record));
        } else {
          LogError("notify: dropping an unreadable outbox record: ", record.status().message());
          bad.push_back(sequence);
        }
        return true;
      }));
  for (uint64_t sequence : bad) VIGIL_RETURN_IF_ERROR(Remove(sequence));
  *corrupt = bad.size();
  absl::MutexLock lock(&mu_);
  next_sequence_ = std::max(next_sequence_, highest + 1);
  return records;
}

absl::Status Outbox::Add(OutboxRecord* record) {
  {
    absl::MutexLock lock(&mu_);
    record->sequence = next_sequence_++;
  }
  return store_->Put(state::Keyspace::kOutbox, Key(record->sequence), EncodeOutboxRecord(*record));
}

absl::Status Outbox::Update(const OutboxRecord& record) {
  return store_->Put(state::Keyspace::kOutbox, Key(record.sequence), EncodeOutboxRecord(record));
}

absl::Status Outbox::Remove(uint64_t sequence) {
  return store_->Delete(state::Keyspace::kOutbox, Key(sequence));
}

absl::Status Outbox::Merge(const OutboxRecord& merged, const std::vector<uint64_t>& absorbed) {
  std::vector<state::StateWrite> writes;
  writes.push_back({state::Keyspace::kOutbox, Key(merged.sequence), EncodeOutboxRecord(merged)});
  for (uint64_t sequence : absorbed) {
    writes.push_back({state::Keyspace::kOutbox, Key(sequence), std::nullopt});
  }
  return store_->Write(writes);
}

}  // namespace vigil::notify
