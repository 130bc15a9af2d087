#include "collector/storage/keys.h"

namespace vigil::storage {

void PutTimestamp(std::string* out, int64_t ms) {
  PutBigEndian64(out, static_cast<uint64_t>(ms) ^ (uint64_t{1} << 63));
}

int64_t GetTimestamp(const char* p) {
  return static_cast<int64_t>(GetBigEndian64(p) ^ (uint64_t{1} << 63));
}

std::string LabelsKey(absl::string_view canonical_labels) {
  std::string key = "l";
  key.append(canonical_labels.data(), canonical_labels.size());
  return key;
}

std::string SeriesKey(SeriesId id) {
  std::string key = "i";
  PutBigEndian64(&key, id);
  return key;
}

std::string PostingNamePrefix(absl::string_view name) {
  std::string key = "p";
  key.append(name.data(), name.size());
  key.push_back('\0');
  return key;
}

std::string PostingValuePrefix(absl::string_view name, absl::string_view value) {
  std::string key = PostingNamePrefix(name);
  key.append(value.data(), value.size());
  key.push_back('\0');
  return key;
}

std::string PostingValueEnd(absl::string_view name, absl::string_view value) {
  std::string key = PostingNamePrefix(name);
  key.append(value.data(), value.size());
  key.push_back('\x01');
  return key;
}

std::string PostingKey(absl::string_view name, absl::string_view value, SeriesId id) {
  std::string key = PostingValuePrefix(name, value);
  PutBigEndian64(&key, id);
  return key;
}

std::string ChunkKey(SeriesId id, int64_t start_ms) {
  std::string key;
  key.reserve(kChunkKeySize);
  PutBigEndian64(&key, id);
  PutTimestamp(&key, start_ms);
  return key;
}

bool ParseChunkKey(absl::string_view key, SeriesId* id, int64_t* start_ms) {
  if (key.size() != kChunkKeySize) return false;
  *id = GetBigEndian64(key.data());
  *start_ms = GetTimestamp(key.data() + 8);
  return true;
}

std::string HeadKey(SeriesId id) {
  std::string key;
  PutBigEndian64(&key, id);
  return key;
}

std::string WalKey(uint64_t sequence) {
  std::string key;
  PutBigEndian64(&key, sequence);
  return key;
}

std::string IngestStateKey(absl::string_view host, absl::string_view run_id) {
  std::string key(host);
  key.push_back('\0');
  key.append(run_id.data(), run_id.size());
  return key;
}

}  // namespace vigil::storage
