#include "collector/alerts/alert_store.h"

#include <atomic>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace vigil::alerts {
namespace {

using nlohmann::json;

int64_t TimeMs(absl::Time t) {
  if (t == absl::InfinitePast()) return INT64_MIN;
  if (t == absl::InfiniteFuture()) return INT64_MAX;
  return absl::ToUnixMillis(t);
}

absl::Time FromMs(int64_t ms) {
  if (ms == INT64_MIN) return absl::InfinitePast();
  if (ms == INT64_MAX) return absl::InfiniteFuture();
  return absl::FromUnixMillis(ms);
}

json LabelsJson(const LabelSet& labels) {
  json out = json::object();
  for (const Label& l : labels.labels()) out[l.name] = l.value;
  return out;
}

LabelSet LabelsFrom(const json& j) {
  std::vector<Label> labels;
  for (auto it = j.begin(); it != j.end(); ++it) {
    labels.push_back(Label{it.key(), it.value().get<std::string>()});
  }
  return LabelSet(std::move(labels));
}

std::string EventKey(const AlertEvent& e) {
  static std::atomic<uint64_t> sequence{0};
  std::string key;
  state::AppendUint64(&key, static_cast<uint64_t>(TimeMs(e.time)) ^ (1ULL << 63));
  key += e.alert_id;
  state::AppendUint64(&key, sequence.fetch_add(1));
  return key;
}

std::string TimePrefix(absl::Time t) {
  std::string key;
  state::AppendUint64(&key, static_cast<uint64_t>(TimeMs(t)) ^ (1ULL << 63));
  return key;
}

}  // namespace

std::string EncodeAlert(const Alert& a) {
  json j;
  j["v"] = 1;
  j["id"] = a.id;
  j["rule"] = a.rule;
  j["group"] = a.group;
  j["labels"] = LabelsJson(a.labels);
  json ann = json::array();
  for (const auto& [k, v] : a.annotations) ann.push_back({k, v});
  j["annotations"] = ann;
  j["severity"] = static_cast<int>(a.severity);
  j["state"] = static_cast<int>(a.state);
  j["value"] = a.value;
  j["active_at"] = TimeMs(a.active_at);
  j["fired_at"] = TimeMs(a.fired_at);
  j["resolved_at"] = TimeMs(a.resolved_at);
  j["last_seen"] = TimeMs(a.last_seen);
  j["condition_lost_at"] = TimeMs(a.condition_lost_at);
  j["acknowledged"] = a.acknowledged;
  j["acknowledged_at"] = TimeMs(a.acknowledged_at);
  j["acknowledged_by"] = a.acknowledged_by;
  j["ack_comment"] = a.ack_comment;
  j["flapping"] = a.flapping;
  j["recent_changes_ms"] = a.recent_changes_ms;
  j["notified_tier"] = a.notified_tier;
  j["first_notified_at"] = TimeMs(a.first_notified_at);
  j["last_notified_at"] = TimeMs(a.last_notified_at);
  j["resolved_notified"] = a.resolved_notified;
  j["silenced_by"] = a.silenced_by;
  j["maintenance"] = a.maintenance;
  j["inhibited_by"] = a.inhibited_by;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<Alert> DecodeAlert(absl::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("alert record is not JSON");
  if (j.value("v", 0) != 1) return absl::DataLossError("alert record of an unknown version");
  try {
    Alert a;
    a.id = j.at("id").get<std::string>();
    a.rule = j.at("rule").get<std::string>();
    a.group = j.value("group", "");
    a.labels = LabelsFrom(j.at("labels"));
    for (const json& p : j.at("annotations")) {
      a.annotations.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
    }
    const int severity = j.at("severity").get<int>();
    const int state = j.at("state").get<int>();
    if (severity < 0 || severity > 2 || state < 0 || state > 2) {
      return absl::DataLossError("alert record: severity or state out of range");
    }
    a.severity = static_cast<Severity>(severity);
    a.state = static_cast<AlertState>(state);
    a.value = j.at("value").is_number() ? j.at("value").get<double>() : 0;
    a.active_at = FromMs(j.at("active_at").get<int64_t>());
    a.fired_at = FromMs(j.at("fired_at").get<int64_t>());
    a.resolved_at = FromMs(j.at("resolved_at").get<int64_t>());
    a.last_seen = FromMs(j.at("last_seen").get<int64_t>());
    a.condition_lost_at = FromMs(j.at("condition_lost_at").get<int64_t>());
    a.acknowledged = j.at("acknowledged").get<bool>();
    a.acknowledged_at = FromMs(j.at("acknowledged_at").get<int64_t>());
    a.acknowledged_by = j.at("acknowledged_by").get<std::string>();
    a.ack_comment = j.at("ack_comment").get<std::string>();
    a.flapping = j.at("flapping").get<bool>();
    a.recent_changes_ms = j.at("recent_changes_ms").get<std::vector<int64_t>>();
    a.notified_tier = j.at("notified_tier").get<int>();
    a.first_notified_at = FromMs(j.value("first_notified_at", j.at("fired_at").get<int64_t>()));
    a.last_notified_at = FromMs(j.at("last_notified_at").get<int64_t>());
    a.resolved_notified = j.at("resolved_notified").get<bool>();
    a.silenced_by = j.value("silenced_by", "");
    a.maintenance = j.value("maintenance", "");
    a.inhibited_by = j.value("inhibited_by", "");
    return a;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("alert record: ", e.what()));
  }
}

std::string EncodeEvent(const AlertEvent& e) {
  json j;
  j["v"] = 1;
  j["time"] = TimeMs(e.time);
  j["id"] = e.alert_id;
  j["rule"] = e.rule;
  j["labels"] = LabelsJson(e.labels);
  j["kind"] = e.kind;
  j["detail"] = e.detail;
  j["value"] = e.value;
  j["fired_at"] = TimeMs(e.fired_at);
  j["acknowledged_at"] = TimeMs(e.acknowledged_at);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<AlertEvent> DecodeEvent(absl::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("event record is not JSON");
  try {
    AlertEvent e;
    e.time = FromMs(j.at("time").get<int64_t>());
    e.alert_id = j.at("id").get<std::string>();
    e.rule = j.at("rule").get<std::string>();
    e.labels = LabelsFrom(j.at("labels"));
    e.kind = j.at("kind").get<std::string>();
    e.detail = j.at("detail").get<std::string>();
    e.value = j.at("value").is_number() ? j.at("value").get<double>() : 0;
    e.fired_at = FromMs(j.value("fired_at", INT64_MIN));
    e.acknowledged_at = FromMs(j.value("acknowledged_at", INT64_MIN));
    return e;
  } catch (const json::exception& ex) {
    return absl::DataLossError(absl::StrCat("event record: ", ex.what()));
  }
}

absl::Status AlertStore::Save(const std::vector<const Alert*>& alerts,
                              const std::vector<std::string>& dropped,
                              const std::vector<AlertEvent>& events) {
  std::vector<state::StateWrite> writes;
  writes.reserve(alerts.size() + dropped.size() + events.size());
  for (const std::string& id : dropped) {
    writes.push_back({state::Keyspace::kAlerts, id, std::nullopt});
  }
  for (const Alert* a : alerts)
    writes.push_back({state::Keyspace::kAlerts, a->id, EncodeAlert(*a)});
  for (const AlertEvent& e : events) {
    writes.push_back({state::Keyspace::kHistory, EventKey(e), EncodeEvent(e)});
  }
  if (writes.empty()) return absl::OkStatus();
  return store_->Write(writes);
}

absl::StatusOr<std::vector<Alert>> AlertStore::Load(std::vector<std::string>* skipped) const {
  std::vector<Alert> out;
  absl::Status scanned = store_->Scan(
      state::Keyspace::kAlerts, "", [&](absl::string_view key, absl::string_view value) {
        absl::StatusOr<Alert> a = DecodeAlert(value);
        if (a.ok()) {
          out.push_back(std::move(*a));
        } else if (skipped != nullptr) {
          skipped->push_back(absl::StrCat("alert ", key, ": ", a.status().message()));
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  return out;
}

absl::StatusOr<std::vector<AlertEvent>> AlertStore::History(absl::Time from, absl::Time to,
                                                            absl::string_view alert_id,
                                                            absl::string_view instance,
                                                            size_t limit) const {
  // Newest first from `to` backwards, so a query for the last N events reads about N
  // records, not the whole history.
  std::vector<AlertEvent> out;
  const std::string before =
      to == absl::InfiniteFuture() ? std::string() : TimePrefix(to + absl::Milliseconds(1));
  absl::Status scanned = store_->ScanBackward(
      state::Keyspace::kHistory,
      [&](absl::string_view, absl::string_view value) {
        absl::StatusOr<AlertEvent> e = DecodeEvent(value);
        if (!e.ok()) return true;
        if (e->time < from) return false;
        if (e->time > to) return true;
        if (!alert_id.empty() && e->alert_id != alert_id) return true;
        if (!instance.empty() && e->labels.Get(kInstanceLabel) != instance) return true;
        out.push_back(std::move(*e));
        return limit == 0 || out.size() < limit;
      },
      before);
  if (!scanned.ok()) return scanned;
  return out;
}

absl::Status AlertStore::PurgeHistory(absl::Time before) {
  return store_->DeleteRange(state::Keyspace::kHistory, "", TimePrefix(before));
}

}  // namespace vigil::alerts
