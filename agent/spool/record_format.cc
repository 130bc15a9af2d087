#include "agent/spool/record_format.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vigil::agent::spool {
namespace {

template <typename T>
void PutLittle(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

template <typename T>
T GetLittle(const char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(p[i])) << (8 * i));
  }
  return v;
}

uint32_t Crc32(absl::string_view bytes, uint32_t crc = 0) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// zstd's fastest level: a batch is a few KB, written once a second, read back rarely.
constexpr int kZstdLevel = 1;

}  // namespace

std::string EncodeSegmentHeader(const SegmentHeader& header) {
  std::string out(kSegmentMagic);
  PutLittle<uint16_t>(&out, static_cast<uint16_t>(header.run_id.size()));
  out += header.run_id;
  PutLittle<uint64_t>(&out, header.first_sequence);
  PutLittle<uint64_t>(&out, static_cast<uint64_t>(header.created_ms));
  PutLittle<uint32_t>(&out, Crc32(out));
  return out;
}

absl::StatusOr<SegmentHeader> ParseSegmentHeader(absl::string_view bytes, size_t* size) {
  const size_t fixed = kSegmentMagic.size() + 2;
  if (bytes.size() < fixed) return absl::OutOfRangeError("segment header truncated");
  if (bytes.substr(0, kSegmentMagic.size()) != kSegmentMagic) {
    return absl::DataLossError("not a spool segment (bad magic)");
  }
  const uint16_t run_length = GetLittle<uint16_t>(bytes.data() + kSegmentMagic.size());
  const size_t total = fixed + run_length + 8 + 8 + 4;
  if (bytes.size() < total) return absl::OutOfRangeError("segment header truncated");
  if (Crc32(bytes.substr(0, total - 4)) != GetLittle<uint32_t>(bytes.data() + total - 4)) {
    return absl::DataLossError("segment header checksum mismatch");
  }
  SegmentHeader header;
  header.run_id = std::string(bytes.substr(fixed, run_length));
  header.first_sequence = GetLittle<uint64_t>(bytes.data() + fixed + run_length);
  header.created_ms =
      static_cast<int64_t>(GetLittle<uint64_t>(bytes.data() + fixed + run_length + 8));
  *size = total;
  return header;
}

RecordEncoder::~RecordEncoder() { ZSTD_freeCCtx(cctx_); }

void RecordEncoder::Append(absl::string_view batch_bytes, std::string* out) {
  if (cctx_ == nullptr) cctx_ = ZSTD_createCCtx();
  compressed_.resize(ZSTD_compressBound(batch_bytes.size()));
  // Without a context (no memory) the record is written uncompressed.
  const size_t n = cctx_ == nullptr
                       ? 0
                       : ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(),
                                           batch_bytes.data(), batch_bytes.size(), kZstdLevel);
  const bool use_compressed = n > 0 && !ZSTD_isError(n) && n < batch_bytes.size();
  const absl::string_view payload =
      use_compressed ? absl::string_view(compressed_.data(), n) : batch_bytes;
  const uint8_t flags = use_compressed ? kFlagZstd : 0;

  const size_t start = out->size();
  PutLittle<uint32_t>(out, kRecordMagic);
  PutLittle<uint32_t>(out, static_cast<uint32_t>(payload.size()));
  PutLittle<uint32_t>(out, 0);  // CRC, filled in below
  out->push_back(static_cast<char>(flags));
  out->append(payload.data(), payload.size());
  uint32_t crc = Crc32(absl::string_view(out->data() + start + 4, 4));
  crc = Crc32(absl::string_view(out->data() + start + 12, 1 + payload.size()), crc);
  char* crc_at = out->data() + start + 8;
  for (int i = 0; i < 4; ++i) crc_at[i] = static_cast<char>(crc >> (8 * i));
}

std::optional<RecordHeader> ParseRecordHeader(absl::string_view bytes) {
  if (bytes.size() < kRecordHeaderBytes) return std::nullopt;
  if (GetLittle<uint32_t>(bytes.data()) != kRecordMagic) return std::nullopt;
  RecordHeader header;
  header.payload_length = GetLittle<uint32_t>(bytes.data() + 4);
  header.crc = GetLittle<uint32_t>(bytes.data() + 8);
  header.flags = static_cast<uint8_t>(bytes[12]);
  if (header.payload_length > kMaxRecordPayload || (header.flags & ~kFlagZstd) != 0) {
    return std::nullopt;
  }
  return header;
}

RecordDecoder::~RecordDecoder() { ZSTD_freeDCtx(dctx_); }

absl::StatusOr<std::string> RecordDecoder::Decode(const RecordHeader& header,
                                                  absl::string_view bytes) {
  if (bytes.size() != header.total_size()) {
    return absl::DataLossError("record length does not match its header");
  }
  uint32_t crc = Crc32(bytes.substr(4, 4));
  crc = Crc32(bytes.substr(12), crc);
  if (crc != header.crc) return absl::DataLossError("record checksum mismatch");
  const absl::string_view payload = bytes.substr(kRecordHeaderBytes);
  if ((header.flags & kFlagZstd) == 0) return std::string(payload);
  const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxRecordPayload * 4ull) {
    return absl::DataLossError("record payload is not a zstd frame of known size");
  }
  if (dctx_ == nullptr) dctx_ = ZSTD_createDCtx();
  if (dctx_ == nullptr) return absl::ResourceExhaustedError("zstd: no memory for a context");
  std::string out(size, '\0');
  const size_t n =
      ZSTD_decompressDCtx(dctx_, out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(n) || n != size) {
    return absl::DataLossError(
        absl::StrCat("record payload: zstd: ", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return out;
}

size_t ScanForRecord(absl::string_view bytes, size_t from) {
  static constexpr char kMagicBytes[4] = {'V', 'R', 'E', 'C'};
  if (from >= bytes.size()) return absl::string_view::npos;
  return bytes.find(absl::string_view(kMagicBytes, 4), from);
}

}  // namespace vigil::agent::spool
