#include "collector/storage/series_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collector/storage/rocksdb_status.h"

namespace vigil::storage {

absl::StatusOr<std::unique_ptr<SeriesIndex>> SeriesIndex::Load(rocksdb::DB* db,
                                                               rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<SeriesIndex> index(new SeriesIndex(db, cf));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  // The newest series key: 'i' followed by the largest id.
  it->SeekForPrev(std::string("i\xff\xff\xff\xff\xff\xff\xff\xff", 9));
  if (it->Valid() && it->key().starts_with("i")) {
    if (it->key().size() != 9) return absl::DataLossError("series index: malformed series key");
    absl::MutexLock lock(&index->mu_);
    index->next_id_ = GetBigEndian64(it->key().data() + 1) + 1;
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: load");
  return index;
}

absl::StatusOr<SeriesId> SeriesIndex::GetOrCreate(const LabelSet& labels) {
  std::string canonical = labels.Canonical();
  absl::MutexLock lock(&mu_);
  auto it = by_labels_.find(canonical);
  if (it != by_labels_.end()) return it->second;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, LabelsKey(canonical), &value);
  if (!s.ok() && !s.IsNotFound()) return FromRocksDb(s, "series index: read series");
  if (s.ok()) {
    if (value.size() != 8) return absl::DataLossError("series index: malformed series id");
    const SeriesId id = GetBigEndian64(value.data());
    by_id_.emplace(id, canonical);
    by_labels_.emplace(std::move(canonical), id);
    return id;
  }
  const SeriesId id = next_id_;
  rocksdb::WriteBatch batch;
  std::string id_bytes;
  PutBigEndian64(&id_bytes, id);
  batch.Put(cf_, LabelsKey(canonical), id_bytes);
  batch.Put(cf_, SeriesKey(id), canonical);
  for (const Label& label : labels.labels()) {
    batch.Put(cf_, PostingKey(label.name, label.value, id), "");
  }
  s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocksDb(s, "series index: create series");
  ++next_id_;
  by_id_.emplace(id, canonical);
  by_labels_.emplace(std::move(canonical), id);
  return id;
}

std::optional<LabelSet> SeriesIndex::Labels(SeriesId id) const {
  std::string canonical;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_id_.find(id);
    if (it != by_id_.end()) canonical = it->second;
  }
  if (canonical.empty()) {
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, SeriesKey(id), &canonical);
    if (!s.ok()) return std::nullopt;
  }
  absl::StatusOr<LabelSet> labels = LabelSet::FromCanonical(canonical);
  if (!labels.ok()) return std::nullopt;
  return *std::move(labels);
}

void SeriesIndex::Forget(SeriesId id) {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  by_labels_.erase(it->second);
  by_id_.erase(it);
}

absl::StatusOr<std::vector<std::string>> SeriesIndex::LabelNames(size_t limit,
                                                                 bool* truncated) const {
  std::vector<std::string> names;
  *truncated = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  // Posting keys are 'p' name 0x00 value 0x00 id; names hold no 0x00, so the next name
  // starts at or after 'p' name 0x01.
  for (it->Seek("p"); it->Valid() && it->key().starts_with("p");) {
    const absl::string_view key(it->key().data() + 1, it->key().size() - 1);
    const size_t end = key.find('\0');
    if (end == absl::string_view::npos) {  // not a posting: skip it
      it->Next();
      continue;
    }
    if (names.size() == limit) {
      *truncated = true;
      break;
    }
    names.emplace_back(key.substr(0, end));
    std::string next = "p" + names.back();
    next.push_back('\x01');
    it->Seek(next);
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: label names");
  return names;
}

absl::StatusOr<std::vector<std::string>> SeriesIndex::LabelValues(absl::string_view name,
                                                                  size_t limit,
                                                                  bool* truncated) const {
  std::vector<std::string> values;
  *truncated = false;
  const std::string prefix = PostingNamePrefix(name);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);) {
    const rocksdb::Slice key = it->key();
    // prefix value 0x00 id(8): the value is what lies between.
    if (key.size() < prefix.size() + 9) {
      it->Next();
      continue;
    }
    if (values.size() == limit) {
      *truncated = true;
      break;
    }
    values.emplace_back(key.data() + prefix.size(), key.size() - prefix.size() - 9);
    // Past every posting of this value: its largest possible id.
    it->Seek(PostingKey(name, values.back(), ~SeriesId{0}));
    if (it->Valid() && it->key() == PostingKey(name, values.back(), ~SeriesId{0})) it->Next();
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: label values");
  return values;
}

size_t SeriesIndex::cached() const {
  absl::MutexLock lock(&mu_);
  return by_id_.size();
}

uint64_t SeriesIndex::total() const {
  absl::MutexLock lock(&mu_);
  return next_id_ - 1;
}

absl::StatusOr<std::vector<SeriesId>> SeriesIndex::Postings(const LabelMatcher& matcher, bool want,
                                                            SelectCost* cost) const {
  std::vector<SeriesId> ids;
  // name=value exactly: one value's postings (for `=` wanting a match, `!=` wanting a
  // non-match of the complement, which is that same value).
  const bool exact = (matcher.type() == LabelMatcher::Type::kEqual && want) ||
                     (matcher.type() == LabelMatcher::Type::kNotEqual && !want);
  const std::string prefix = exact ? PostingValuePrefix(matcher.name(), matcher.value())
                                   : PostingNamePrefix(matcher.name());
  // Otherwise every value of the label. A value's postings are adjacent, so the matcher
  // runs once per distinct value, and the postings of a value it rejects are skipped:
  // stepped over while few (a Seek costs several Next calls), then sought past.
  std::string value;
  bool value_seen = false, value_wanted = false;
  int stepped_over = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    ++cost->postings_read;
    const rocksdb::Slice key = it->key();
    // key = prefix id (exact), or prefix value 0x00 id: shorter is not a posting.
    if (key.size() < prefix.size() + (exact ? 8 : 9)) {
      it->Next();
      continue;
    }
    if (!exact) {
      const absl::string_view key_value(key.data() + prefix.size(), key.size() - prefix.size() - 9);
      if (!value_seen || key_value != value) {
        value.assign(key_value.data(), key_value.size());
        value_seen = true;
        value_wanted = matcher.Matches(value) == want;
        ++cost->values_matched;
        stepped_over = 0;
      }
      if (!value_wanted) {
        if (++stepped_over <= kPostingsSteppedOver) {
          it->Next();
        } else {
          it->Seek(PostingValueEnd(matcher.name(), value));
        }
        continue;
      }
    }
    ids.push_back(GetBigEndian64(key.data() + key.size() - 8));
    it->Next();
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "series index: postings");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

absl::Status SeriesIndex::KeepMatching(std::span<const LabelMatcher* const> matchers,
                                       std::vector<SeriesId>* ids, SelectCost* cost) const {
  // The canonical label sets: from the cache under one lock, the rest from RocksDB.
  std::vector<std::string> canonical(ids->size());
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < ids->size(); ++i) {
      auto it = by_id_.find((*ids)[i]);
      if (it != by_id_.end()) canonical[i] = it->second;
    }
  }
  cost->label_sets_checked += ids->size();
  size_t kept = 0;
  for (size_t i = 0; i < ids->size(); ++i) {
    const SeriesId id = (*ids)[i];
    if (canonical[i].empty()) {
      const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, SeriesKey(id), &canonical[i]);
      if (s.IsNotFound()) {
        return absl::DataLossError(
            absl::StrCat("series index: series ", id, " has postings but no label set"));
      }
      if (!s.ok()) return FromRocksDb(s, absl::StrCat("series index: labels of series ", id));
    }
    absl::StatusOr<LabelSet> labels = LabelSet::FromCanonical(canonical[i]);
    if (!labels.ok()) {
      return absl::DataLossError(
          absl::StrCat("series index: labels of series ", id, ": ", labels.status().message()));
    }
    bool matches = true;
    for (const LabelMatcher* m : matchers) matches = matches && m->Matches(labels->Get(m->name()));
    if (matches) (*ids)[kept++] = id;
  }
  ids->resize(kept);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeriesId>> SeriesIndex::Select(std::span<const LabelMatcher> matchers,
                                                          size_t max_series,
                                                          SelectCost* cost) const {
  SelectCost ignored;
  if (cost == nullptr) cost = &ignored;
  // Positive matchers (cannot match an absent label) intersect; the most selective
  // first (an equality on the metric name, then other equalities, then regexes).
  std::vector<const LabelMatcher*> positive, negative;
  for (const LabelMatcher& m : matchers) (m.MatchesEmpty() ? negative : positive).push_back(&m);
  if (positive.empty()) {
    std::vector<std::string> texts;
    for (const LabelMatcher& m : matchers) texts.push_back(m.ToString());
    return absl::InvalidArgumentError(
        absl::StrCat("selector {", absl::StrJoin(texts, ","),
                     "} must contain at least one matcher that does not match the empty string"));
  }
  auto rank = [](const LabelMatcher* m) {
    if (m->type() == LabelMatcher::Type::kEqual) return m->name() == kMetricNameLabel ? 0 : 1;
    return m->name() == kMetricNameLabel ? 2 : 3;
  };
  std::stable_sort(positive.begin(), positive.end(),
                   [&](const LabelMatcher* a, const LabelMatcher* b) { return rank(a) < rank(b); });
  // Then the matchers that also match an absent label: they remove the series whose
  // value fails them.
  std::vector<const LabelMatcher*> order = positive;
  order.insert(order.end(), negative.begin(), negative.end());
  std::vector<SeriesId> result, next;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && result.size() < kCheckLabelsBelow) {
      // Few series left: their label sets answer the remaining matchers sooner than
      // those matchers' postings.
      absl::Status kept = KeepMatching(std::span(order).subspan(k), &result, cost);
      if (!kept.ok()) return kept;
      break;
    }
    const bool is_positive = k < positive.size();
    absl::StatusOr<std::vector<SeriesId>> ids = Postings(*order[k], /*want=*/is_positive, cost);
    if (!ids.ok()) return ids.status();
    if (k == 0) {
      result = std::move(*ids);
    } else if (is_positive) {
      next.clear();
      std::set_intersection(result.begin(), result.end(), ids->begin(), ids->end(),
                            std::back_inserter(next));
      result.swap(next);
    } else {
      next.clear();
      std::set_difference(result.begin(), result.end(), ids->begin(), ids->end(),
                          std::back_inserter(next));
      result.swap(next);
    }
    if (result.empty()) return result;
  }
  if (result.size() > max_series) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the selector matches more than ", max_series,
                     " series (the query.max_series limit); add matchers to narrow it"));
  }
  return result;
}

}  // namespace vigil::storage
