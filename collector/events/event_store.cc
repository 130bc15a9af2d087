#include "collector/events/event_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace vigil::events {
namespace {

using state::Keyspace;

std::string HostPrefix(absl::string_view host) {
  std::string prefix(host);
  prefix.push_back('\0');
  return prefix;
}

// Event times as stored: milliseconds since 1970, never negative (ValidateEvent).
std::string TimeKey(absl::string_view host, int64_t ms) {
  std::string key = HostPrefix(host);
  state::AppendUint64(&key, static_cast<uint64_t>(std::max<int64_t>(ms, 0)));
  return key;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxEventKindBytes) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

int64_t ClampMs(absl::Time t) {
  if (t == absl::InfinitePast()) return 0;
  if (t == absl::InfiniteFuture()) return INT64_MAX;
  return std::max<int64_t>(absl::ToUnixMillis(t), 0);
}

}  // namespace

int SeverityRank(absl::string_view severity) {
  if (severity == "info") return 0;
  if (severity == "warning") return 1;
  if (severity == "critical") return 2;
  return -1;
}

absl::Status ValidateEvent(const v1::Event& event, absl::Time oldest, absl::Time newest) {
  if (event.event_id() == 0) return absl::InvalidArgumentError("event_id must be > 0");
  if (!ValidName(event.kind())) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind \"", event.kind().substr(0, kMaxEventKindBytes),
                     "\" must be 1-64 letters, digits and underscores"));
  }
  if (SeverityRank(event.severity()) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("severity \"", event.severity().substr(0, 16),
                                                   "\" must be info, warning or critical"));
  }
  if (event.labels_size() > static_cast<int>(kMaxEventLabels)) {
    return absl::InvalidArgumentError(
        absl::StrCat(event.labels_size(), " labels, more than ", kMaxEventLabels));
  }
  for (const v1::Label& label : event.labels()) {
    if (!ValidName(label.name()) || label.name() == "instance" || label.name() == "host") {
      return absl::InvalidArgumentError(absl::StrCat(
          "label name \"", label.name().substr(0, kMaxEventKindBytes), "\" is not allowed"));
    }
    if (label.value().size() > kMaxEventLabelBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("label ", label.name(), ": value over ", kMaxEventLabelBytes, " bytes"));
    }
  }
  if (event.message().size() > kMaxEventMessageBytes) {
    return absl::InvalidArgumentError(absl::StrCat("message of ", event.message().size(),
                                                   " bytes, over ", kMaxEventMessageBytes));
  }
  const absl::Time at = absl::FromUnixMillis(event.timestamp_ms());
  if (event.timestamp_ms() <= 0 || at < oldest || at > newest) {
    return absl::InvalidArgumentError(
        absl::StrCat("time ", event.timestamp_ms(), " ms is outside the retention window"));
  }
  return absl::OkStatus();
}

absl::StatusOr<StoreResult> EventStore::Store(
    const std::string& host, const std::string& run_id,
    const google::protobuf::RepeatedPtrField<v1::Event>& events, absl::Time now) {
  StoreResult result;
  if (events.empty()) return result;
  std::vector<state::StateWrite> writes;
  writes.reserve(std::min<size_t>(events.size(), kMaxEventsPerBatch));
  const absl::Time oldest = now - retention_;
  const absl::Time newest = now + absl::Hours(1);
  for (const v1::Event& event : events) {
    absl::Status valid = writes.size() < kMaxEventsPerBatch
                             ? ValidateEvent(event, oldest, newest)
                             : absl::ResourceExhaustedError(
                                   absl::StrCat("more than ", kMaxEventsPerBatch, " in one batch"));
    if (!valid.ok()) {
      if (result.rejected++ == 0) result.first_rejection = std::string(valid.message());
      continue;
    }
    std::string key = TimeKey(host, event.timestamp_ms());
    key += run_id;
    key.push_back('\0');
    state::AppendUint64(&key, event.event_id());
    writes.push_back(
        state::StateWrite{Keyspace::kEvents, std::move(key), event.SerializeAsString()});
  }
  if (!writes.empty()) {
    if (absl::Status written = store_->Write(writes, /*sync=*/true); !written.ok()) return written;
  }
  result.stored = static_cast<uint32_t>(writes.size());
  return result;
}

absl::StatusOr<std::vector<std::string>> EventStore::Hosts() const {
  std::vector<std::string> hosts;
  std::string after;
  while (true) {
    std::string found;
    absl::Status scanned = store_->Scan(
        Keyspace::kEvents, "",
        [&](absl::string_view key, absl::string_view) {
          found = std::string(key.substr(0, key.find('\0')));
          return false;
        },
        after);
    if (!scanned.ok()) return scanned;
    if (found.empty()) break;
    hosts.push_back(found);
    // Past every key of `found` ("<host>\0..."), to the next host's first key.
    after = found + '\x01';
  }
  return hosts;
}

absl::Status EventStore::ListHost(const std::string& host, const EventQuery& query, size_t limit,
                                  Budget* budget, std::vector<v1::StoredEvent>* out) const {
  const std::string prefix = HostPrefix(host);
  const int64_t start_ms = ClampMs(query.start);
  const int64_t end_ms = ClampMs(query.end);
  const std::string before = end_ms == INT64_MAX ? prefix + '\xff' : TimeKey(host, end_ms + 1);
  size_t taken = 0;
  absl::Status scanned = store_->ScanBackward(
      Keyspace::kEvents,
      [&](absl::string_view key, absl::string_view value) {
        if (key.substr(0, prefix.size()) != prefix || key.size() < prefix.size() + 8) return false;
        const int64_t ms = static_cast<int64_t>(state::ReadUint64(key.substr(prefix.size(), 8)));
        if (ms < start_ms) return false;
        if (budget->keys == 0 || budget->bytes < value.size()) {
          budget->exhausted = true;
          return false;
        }
        --budget->keys;
        v1::Event event;
        if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          LogWarning("event store: skipped an unreadable event of host ", host, " at ", ms, " ms");
          return true;  // the rest is readable
        }
        if (!query.kinds.empty() &&
            std::find(query.kinds.begin(), query.kinds.end(), event.kind()) == query.kinds.end()) {
          return true;
        }
        if (SeverityRank(event.severity()) < query.min_severity) return true;
        for (const auto& [name, wanted] : query.labels) {
          bool match = false;
          for (const v1::Label& l : event.labels())
            match |= l.name() == name && l.value() == wanted;
          if (!match) return true;
        }
        budget->bytes -= value.size();
        v1::StoredEvent* stored = &out->emplace_back();
        stored->set_host(host);
        *stored->mutable_event() = std::move(event);
        return ++taken < limit;
      },
      before);
  return scanned;
}

absl::StatusOr<EventPage> EventStore::List(const EventQuery& query) const {
  std::vector<std::string> hosts;
  if (query.host.empty()) {
    absl::StatusOr<std::vector<std::string>> all = Hosts();
    if (!all.ok()) return all.status();
    hosts = *std::move(all);
  } else {
    hosts.push_back(query.host);
  }
  // Each host's newest limit+1, merged newest first: the extra one tells "truncated".
  std::vector<v1::StoredEvent> found;
  Budget budget;
  for (const std::string& host : hosts) {
    if (absl::Status listed = ListHost(host, query, query.limit + 1, &budget, &found);
        !listed.ok()) {
      return listed;
    }
    if (budget.exhausted) break;
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const v1::StoredEvent& a, const v1::StoredEvent& b) {
                     if (a.event().timestamp_ms() != b.event().timestamp_ms()) {
                       return a.event().timestamp_ms() > b.event().timestamp_ms();
                     }
                     if (a.host() != b.host()) return a.host() < b.host();
                     return a.event().event_id() > b.event().event_id();
                   });
  EventPage page;
  page.truncated = found.size() > query.limit || budget.exhausted;
  if (page.truncated) found.resize(query.limit);
  page.events = std::move(found);
  return page;
}

absl::StatusOr<size_t> EventStore::Purge(absl::Time now) {
  absl::StatusOr<std::vector<std::string>> hosts = Hosts();
  if (!hosts.ok()) return hosts.status();
  const int64_t cutoff = ClampMs(now - retention_);
  for (const std::string& host : *hosts) {
    absl::Status deleted =
        store_->DeleteRange(Keyspace::kEvents, HostPrefix(host), TimeKey(host, cutoff));
    if (!deleted.ok()) return deleted;
  }
  return hosts->size();
}

}  // namespace vigil::events
