#include "collector/state/state_store.h"

#include <rocksdb/write_batch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "collector/storage/rocksdb_status.h"

namespace vigil::state {
namespace {

std::string FullKey(Keyspace keyspace, absl::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(static_cast<char>(keyspace));
  out.append(key.data(), key.size());
  return out;
}

rocksdb::WriteOptions WriteOptionsFor(bool sync) {
  rocksdb::WriteOptions o;
  o.sync = sync;
  return o;
}

}  // namespace

void AppendUint64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t ReadUint64(absl::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  std::unique_ptr<StateStore> store(new StateStore());
  store->dir_ = dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 64;
  options.keep_log_file_num = 3;
  options.max_total_wal_size = 16 << 20;
  options.write_buffer_size = 4 << 20;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return storage::FromRocksDb(s, absl::StrCat("alert state store ", dir));
  store->db_.reset(db);
  return store;
}

StateStore::~StateStore() {
  if (db_ != nullptr) (void)db_->Close();
}

absl::Status StateStore::Put(Keyspace keyspace, absl::string_view key, absl::string_view value,
                             bool sync) {
  return storage::FromRocksDb(db_->Put(WriteOptionsFor(sync), FullKey(keyspace, key),
                                       rocksdb::Slice(value.data(), value.size())),
                              absl::StrCat("alert state store ", dir_, ": write"));
}

absl::Status StateStore::Delete(Keyspace keyspace, absl::string_view key, bool sync) {
  return storage::FromRocksDb(db_->Delete(WriteOptionsFor(sync), FullKey(keyspace, key)),
                              absl::StrCat("alert state store ", dir_, ": delete"));
}

absl::Status StateStore::Write(const std::vector<StateWrite>& writes, bool sync) {
  rocksdb::WriteBatch batch;
  for (const StateWrite& w : writes) {
    const std::string key = FullKey(w.keyspace, w.key);
    rocksdb::Status s = w.value.has_value() ? batch.Put(key, *w.value) : batch.Delete(key);
    if (!s.ok()) return storage::FromRocksDb(s, "alert state store: batch");
  }
  return storage::FromRocksDb(db_->Write(WriteOptionsFor(sync), &batch),
                              absl::StrCat("alert state store ", dir_, ": write"));
}

absl::StatusOr<std::optional<std::string>> StateStore::Get(Keyspace keyspace,
                                                           absl::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), FullKey(keyspace, key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return storage::FromRocksDb(s, absl::StrCat("alert state store ", dir_, ": read"));
  return std::optional<std::string>(std::move(value));
}

absl::Status StateStore::Scan(
    Keyspace keyspace, absl::string_view prefix,
    const std::function<bool(absl::string_view key, absl::string_view value)>& visit,
    absl::string_view start_after) const {
  const std::string full_prefix = FullKey(keyspace, prefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  if (start_after.empty()) {
    it->Seek(full_prefix);
  } else {
    const std::string after = FullKey(keyspace, start_after);
    it->Seek(after);
    if (it->Valid() && it->key() == rocksdb::Slice(after)) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(full_prefix)) break;
    if (!visit(absl::string_view(key.data() + 1, key.size() - 1),
               absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return storage::FromRocksDb(it->status(), absl::StrCat("alert state store ", dir_, ": scan"));
}

absl::Status StateStore::ScanBackward(
    Keyspace keyspace,
    const std::function<bool(absl::string_view key, absl::string_view value)>& visit,
    absl::string_view before) const {
  const std::string prefix(1, static_cast<char>(keyspace));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  if (before.empty()) {
    it->SeekForPrev(std::string(1, static_cast<char>(static_cast<char>(keyspace) + 1)));
  } else {
    const std::string bound = FullKey(keyspace, before);
    it->SeekForPrev(bound);
    if (it->Valid() && it->key() == rocksdb::Slice(bound)) it->Prev();
  }
  for (; it->Valid(); it->Prev()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(prefix)) break;
    if (!visit(absl::string_view(key.data() + 1, key.size() - 1),
               absl::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return storage::FromRocksDb(it->status(), absl::StrCat("alert state store ", dir_, ": scan"));
}

absl::Status StateStore::DeleteRange(Keyspace keyspace, absl::string_view begin,
                                     absl::string_view end) {
  const std::string from = FullKey(keyspace, begin);
  std::string to;
  if (end.empty()) {
    to.push_back(static_cast<char>(static_cast<char>(keyspace) + 1));
  } else {
    to = FullKey(keyspace, end);
  }
  return storage::FromRocksDb(
      db_->DeleteRange(WriteOptionsFor(true), db_->DefaultColumnFamily(), from, to),
      absl::StrCat("alert state store ", dir_, ": delete range"));
}

}  // namespace vigil::state
