// The byte format of a spool segment file, apart from any I/O.
//
//   segment := header record*
//   header  := "VIGILSP1" | u16 run_id length | run_id | u64 first sequence
//              | i64 created (Unix ms) | u32 CRC-32 of the preceding header bytes
//   record  := u32 magic "VREC" | u32 payload length | u32 CRC-32 of (length, flags,
//              payload) | u8 flags | payload
//   payload := a serialized v1::Batch (flags bit 0: zstd-compressed)
// Integers are little-endian. Each record holds one batch with its sequence; the first
// record of a segment that uses a series also carries the series' definition, so a
// segment can be replayed alone, after the ones before it were deleted.
//
// A record is valid only if its magic, length and CRC all check. After a power cut the
// tail of the last segment may be torn (a record half written); a bad sector or a
// stray write may corrupt one in the middle. Readers skip to the next valid record by
// searching for the magic (ScanForRecord) and count what they skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct ZSTD_CCtx_s ZSTD_CCtx;  // <zstd.h>
typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace vigil::agent::spool {

inline constexpr absl::string_view kSegmentMagic = "VIGILSP1";
inline constexpr uint32_t kRecordMagic = 0x43455256;  // "VREC" in little-endian order
inline constexpr size_t kRecordHeaderBytes = 13;
// No record is larger: a length beyond it is corruption, not an allocation to attempt.
inline constexpr uint32_t kMaxRecordPayload = 64u << 20;
inline constexpr uint8_t kFlagZstd = 1;

struct SegmentHeader {
  std::string run_id;
  uint64_t first_sequence = 0;
  int64_t created_ms = 0;
};

std::string EncodeSegmentHeader(const SegmentHeader& header);

// Parses the header at the front of `bytes`; sets `*size` to its length. kDataLoss
// names what is wrong; kOutOfRange if `bytes` is too short to hold it.
absl::StatusOr<SegmentHeader> ParseSegmentHeader(absl::string_view bytes, size_t* size);

// Frames records, keeping zstd's compression state (about 70 KB for a batch) and its
// output buffer from one record to the next: the agent frames a batch every tick, and
// making the state anew for each (what ZSTD_compress does) doubles the cost of framing
// a few-KB batch. Not thread-safe: one per writer.
class RecordEncoder {
 public:
  RecordEncoder() = default;
  ~RecordEncoder();
  RecordEncoder(const RecordEncoder&) = delete;
  RecordEncoder& operator=(const RecordEncoder&) = delete;

  // Appends one framed record holding `batch_bytes` (compressed if that is smaller).
  void Append(absl::string_view batch_bytes, std::string* out);

 private:
  ZSTD_CCtx* cctx_ = nullptr;  // made at the first record
  std::string compressed_;
};

// The fixed part of a record, parsed and checked for magic and length only.
struct RecordHeader {
  uint32_t payload_length = 0;
  uint32_t crc = 0;
  uint8_t flags = 0;
  size_t total_size() const { return kRecordHeaderBytes + payload_length; }
};
std::optional<RecordHeader> ParseRecordHeader(absl::string_view bytes);

// Decodes records, keeping zstd's decompression state (96 KB) from one record to the
// next: making it anew for every record costs five times the decompression of a batch,
// because zstd probes the CPU with cpuid each time, a trap to the hypervisor in a
// virtual machine. Not thread-safe: one per reader.
class RecordDecoder {
 public:
  RecordDecoder() = default;
  ~RecordDecoder();
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  // Checks the CRC of a whole record (header and payload, `bytes` exactly
  // header.total_size() long) and returns the batch bytes, decompressed. kDataLoss if
  // the CRC does not match or the payload does not decompress.
  absl::StatusOr<std::string> Decode(const RecordHeader& header, absl::string_view bytes);

 private:
  ZSTD_DCtx* dctx_ = nullptr;  // made at the first compressed record
};

// The offset in `bytes` of the next byte sequence that could start a record (the
// magic), at or after `from`; npos if none.
size_t ScanForRecord(absl::string_view bytes, size_t from);

}  // namespace vigil::agent::spool
