#include "collector/storage/series_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/storage/rocksdb_status.h"

namespace vigil::storage {

absl::StatusOr<std::unique_ptr<SeriesIndex>> SeriesIndex::Load(rocksdb::DB* db,
                                                               rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<SeriesIndex> index(new SeriesIndex(db, cf));
  absl::MutexLock lock(&index->mu_);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek("i"); it->Valid() && it->key().starts_with("i"); it->Next()) {
    if (it->key().size() != 9) return absl::DataLossError("series index: malformed series key");
    const SeriesId id = GetBigEndian64(it->key().data() + 1);
    absl::StatusOr<LabelSet> labels =
        LabelSet::FromCanonical(absl::string_view(it->value().data(), it->value().size()));
    if (!labels.ok()) {
      return absl::DataLossError(
          absl::StrCat("series index: series ", id, ": ", labels.status().message()));
    }
    index->by_labels_.emplace(labels->Canonical(), id);
    index->by_id_.emplace(id, std::move(*labels));
    index->next_id_ = std::max(index->next_id_, id + 1);
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: load");
  return index;
}

absl::StatusOr<SeriesId> SeriesIndex::GetOrCreate(const LabelSet& labels) {
  std::string canonical = labels.Canonical();
  absl::MutexLock lock(&mu_);
  auto it = by_labels_.find(canonical);
  if (it != by_labels_.end()) return it->second;
  const SeriesId id = next_id_;
  rocksdb::WriteBatch batch;
  batch.Put(cf_, LabelsKey(canonical), [&] {
    std::string v;
    PutBigEndian64(&v, id);
    return v;
  }());
  batch.Put(cf_, SeriesKey(id), canonical);
  for (const Label& label : labels.labels()) {
    batch.Put(cf_, PostingKey(label.name, label.value, id), "");
  }
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocksDb(s, "series index: create series");
  ++next_id_;
  by_labels_.emplace(std::move(canonical), id);
  by_id_.emplace(id, labels);
  return id;
}

std::optional<LabelSet> SeriesIndex::Labels(SeriesId id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

size_t SeriesIndex::size() const {
  absl::MutexLock lock(&mu_);
  return by_id_.size();
}

absl::StatusOr<std::vector<SeriesId>> SeriesIndex::Postings(const LabelMatcher& matcher) const {
  std::vector<SeriesId> ids;
  const bool exact = matcher.type() == LabelMatcher::Type::kEqual;
  const std::string prefix = exact ? PostingValuePrefix(matcher.name(), matcher.value())
                                   : PostingNamePrefix(matcher.name());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() < prefix.size() + 8) continue;
    if (!exact) {
      // key = prefix value 0x00 id
      const absl::string_view value(key.data() + prefix.size(), key.size() - prefix.size() - 9);
      if (!matcher.Matches(value)) continue;
    }
    ids.push_back(GetBigEndian64(key.data() + key.size() - 8));
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: postings");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

absl::StatusOr<std::vector<SeriesId>> SeriesIndex::Select(std::span<const LabelMatcher> matchers,
                                                          size_t max_series) const {
  // Candidates come from the postings of the most selective matcher that cannot match
  // a missing label: an equality (the metric name first), else a regex.
  const LabelMatcher* driver = nullptr;
  auto rank = [](const LabelMatcher& m) {
    if (m.MatchesEmpty()) return 0;
    if (m.type() == LabelMatcher::Type::kEqual) return m.name() == kMetricNameLabel ? 4 : 3;
    if (m.type() == LabelMatcher::Type::kRegex) return m.name() == kMetricNameLabel ? 2 : 1;
    return 0;
  };
  for (const LabelMatcher& m : matchers) {
    if (rank(m) > 0 && (driver == nullptr || rank(m) > rank(*driver))) driver = &m;
  }
  if (driver == nullptr) {
    std::vector<std::string> texts;
    for (const LabelMatcher& m : matchers) texts.push_back(m.ToString());
    return absl::InvalidArgumentError(
        absl::StrCat("selector {", absl::StrJoin(texts, ","),
                     "} must contain at least one matcher that does not match the empty string"));
  }
  absl::StatusOr<std::vector<SeriesId>> candidates = Postings(*driver);
  if (!candidates.ok()) return candidates.status();
  std::vector<SeriesId> result;
  absl::MutexLock lock(&mu_);
  for (SeriesId id : *candidates) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    bool all = true;
    for (const LabelMatcher& m : matchers) {
      if (!m.Matches(it->second.Get(m.name()))) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (result.size() >= max_series) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the selector matches more than ", max_series,
                       " series (the query.max_series limit); add matchers to narrow it"));
    }
    result.push_back(id);
  }
  return result;
}

}  // namespace vigil::storage
