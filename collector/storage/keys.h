// Byte layouts of the collector's RocksDB keys. Integers are big-endian so that
// RocksDB's bytewise order is numeric order; timestamps are sign-flipped so that
// negative times sort before positive ones.
//
//   series_index CF   'l' <canonical labels>                -> series id (8 bytes)
//                     'i' <series id>                       -> canonical labels
//                     'p' <label name> 0x00 <value> 0x00 <series id> -> ""   (postings;
//                                                              values hold no NUL byte:
//                                                              ingest rejects them)
//   chunks CF         <series id> <window start ms>         -> chunk (chunk_codec.h)
//   rollup_1m CF      <series id> <window start ms>         -> 1-minute points of that window
//   rollup_1h CF      <series id> <day start ms>            -> 1-hour points of that UTC day
//                                                              (rollup_codec.h)
//   head CF           <series id>                           -> head snapshot (head_series.h)
//   wal CF            <WAL sequence>                        -> WAL record (wal_record.h)
//   default CF        "head_snapshot"                       -> WAL sequence the last complete
//                                                              head snapshot covers up to
//   hosts CF          <host>                                -> vigil.v1.HostInfo
//   ingest_state CF   <host> 0x00 <agent run id>            -> durable sequences
//   (SequenceSet::Encode)
//
// Chunks of the first release were keyed by their first sample instead of their
// window; readers accept any start time, so they need no migration.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/big_endian.h"

namespace vigil::storage {

using SeriesId = uint64_t;

// Timestamps: big-endian with the sign bit flipped.
void PutTimestamp(std::string* out, int64_t ms);
int64_t GetTimestamp(const char* p);

std::string LabelsKey(absl::string_view canonical_labels);
std::string SeriesKey(SeriesId id);
std::string PostingKey(absl::string_view name, absl::string_view value, SeriesId id);
// Prefix of every posting of name=value.
std::string PostingValuePrefix(absl::string_view name, absl::string_view value);
// The first key after every posting of name=value (values have no NUL byte, so no
// other value's postings lie between the two).
std::string PostingValueEnd(absl::string_view name, absl::string_view value);
// Prefix of every posting of label `name`, whatever its value.
std::string PostingNamePrefix(absl::string_view name);

inline constexpr size_t kChunkKeySize = 16;
std::string ChunkKey(SeriesId id, int64_t start_ms);
// Splits a chunk key; false if it is not kChunkKeySize bytes.
bool ParseChunkKey(absl::string_view key, SeriesId* id, int64_t* start_ms);

// 8-byte big-endian keys of the head and wal column families.
std::string HeadKey(SeriesId id);
std::string WalKey(uint64_t sequence);
inline constexpr char kHeadSnapshotKey[] = "head_snapshot";

std::string IngestStateKey(absl::string_view host, absl::string_view run_id);

}  // namespace vigil::storage
