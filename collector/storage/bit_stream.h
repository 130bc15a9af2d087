// Bit-granular writer and reader for the compressed chunk formats (xor_chunk.h,
// int_column.h). Bits are stored most significant first: the first bit written is the
// top bit of the first byte, and a stream of n bits occupies ceil(n / 8) bytes whose
// unused low bits are zero.
//
// Both are on the ingest and query hot paths, so everything is inline: the writer keeps
// the current 64-bit word in a register-friendly accumulator and mirrors it into its
// buffer on every write (one 8-byte store), so bytes() is always valid without a flush;
// the reader does one unaligned 8-byte load per read.
//
// Thread-safety: none; a writer or reader belongs to one thread at a time. Copyable.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"

namespace vigil::storage {

namespace bit_stream_internal {

inline void StoreBigEndian64(char* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof(v));
}

inline uint64_t LoadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_bswap64(v);
}

}  // namespace bit_stream_internal

class BitWriter {
 public:
  BitWriter() : buf_(8, '\0') {}

  // Appends the low `nbits` bits of `bits`, most significant first. 0 <= nbits <= 64;
  // the bits of `bits` above `nbits` must be zero.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Write(uint64_t bits, int nbits) {
    const int free = 64 - nacc_;  // 1..64
    if (nbits < free) [[likely]] {
      // (bits << 1) << (free - nbits - 1): both shifts < 64 even for nbits == 0.
      acc_ |= (bits << 1) << (free - nbits - 1);
      nacc_ += nbits;
      bit_stream_internal::StoreBigEndian64(buf_.data() + buf_.size() - 8, acc_);
    } else {
      WriteAcrossWord(bits, nbits);
    }
  }

  void WriteBit(bool bit) { Write(bit ? 1 : 0, 1); }

  uint64_t bit_count() const { return (buf_.size() - 8) * 8 + static_cast<uint64_t>(nacc_); }

  // The bits written so far, zero-padded to whole bytes: ceil(bit_count() / 8) bytes.
  // Valid until the next Write.
  absl::string_view bytes() const { return absl::string_view(buf_.data(), (bit_count() + 7) / 8); }

  // Heap bytes held (the buffer's capacity), for memory accounting.
  size_t memory_bytes() const { return buf_.capacity(); }

  // A writer in the state of one that wrote `bit_count` bits whose bytes are `bytes`
  // (exactly ceil(bit_count / 8) bytes, padding bits zero); nullopt otherwise. Further
  // writes produce the same bytes as they would have on the original writer.
  static std::optional<BitWriter> Restore(absl::string_view bytes, uint64_t bit_count) {
    if (bytes.size() != (bit_count + 7) / 8) return std::nullopt;
    const int pad = static_cast<int>(bytes.size() * 8 - bit_count);
    if (pad != 0 && (static_cast<uint8_t>(bytes.back()) & ((1u << pad) - 1)) != 0) {
      return std::nullopt;
    }
    BitWriter w;
    const size_t full_words = static_cast<size_t>(bit_count / 64);
    w.buf_.assign(bytes.data(), full_words * 8);
    char last[8] = {};
    std::memcpy(last, bytes.data() + full_words * 8, bytes.size() - full_words * 8);
    w.buf_.append(last, 8);
    w.acc_ = bit_stream_internal::LoadBigEndian64(last);
    w.nacc_ = static_cast<int>(bit_count % 64);
    return w;
  }

 private:
  // Completes the current word with the top bits of `bits` and starts the next.
  ABSL_ATTRIBUTE_NOINLINE void WriteAcrossWord(uint64_t bits, int nbits) {
    const int spill = nbits - (64 - nacc_);  // 0..63
    acc_ |= bits >> spill;
    bit_stream_internal::StoreBigEndian64(buf_.data() + buf_.size() - 8, acc_);
    buf_.append(8, '\0');
    acc_ = spill == 0 ? 0 : bits << (64 - spill);
    nacc_ = spill;
    bit_stream_internal::StoreBigEndian64(buf_.data() + buf_.size() - 8, acc_);
  }

  // Whole 64-bit words already complete, then one word mirroring acc_.
  std::string buf_;
  uint64_t acc_ = 0;  // the current word, filled from the top
  int nacc_ = 0;      // bits of acc_ in use, 0..63
};

class BitReader {
 public:
  // Reads the bits of `bytes`; `bit_limit` (at most bytes.size() * 8) caps them to a
  // stream whose last byte is partly padding.
  explicit BitReader(absl::string_view bytes)
      : data_(bytes.data()), size_(bytes.size()), limit_(bytes.size() * 8) {}
  BitReader(absl::string_view bytes, uint64_t bit_limit)
      : data_(bytes.data()),
        size_(bytes.size()),
        limit_(std::min<uint64_t>(bit_limit, bytes.size() * 8)) {}

  // Reads `nbits` (0..64) bits into the low bits of *out; false, consuming nothing, if
  // fewer remain.
  bool Read(int nbits, uint64_t* out) {
    if (static_cast<uint64_t>(nbits) > limit_ - std::min(pos_, limit_)) return false;
    *out = Take(nbits);
    return true;
  }

  bool ReadBit(bool* out) {
    uint64_t bit;
    if (!Read(1, &bit)) return false;
    *out = bit != 0;
    return true;
  }

  // Unchecked variants for decoding loops that check overrun() once per item: bits past
  // the end read as zero (never out of bounds) and still advance the position.
  //
  // The next 64 bits, left-aligned; only the first 57 are guaranteed to be the stream's.
  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t Peek() const { return Load(pos_ >> 3) << (pos_ & 7); }
  void Skip(int nbits) { pos_ += static_cast<uint64_t>(nbits); }
  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t Take(int nbits) {
    if (nbits <= 57) [[likely]] {
      const uint64_t v = (Peek() >> (63 - nbits)) >> 1;  // nbits == 0 gives 0
      pos_ += static_cast<uint64_t>(nbits);
      return v;
    }
    return TakeWide(nbits);
  }
  bool overrun() const { return pos_ > limit_; }

  uint64_t position() const { return pos_; }
  uint64_t remaining() const { return pos_ >= limit_ ? 0 : limit_ - pos_; }

 private:
  ABSL_ATTRIBUTE_NOINLINE uint64_t TakeWide(int nbits) {
    const uint64_t high = Take(nbits - 32);
    return (high << 32) | Take(32);
  }

  ABSL_ATTRIBUTE_ALWAYS_INLINE uint64_t Load(uint64_t byte) const {
    if (byte + 8 <= size_) [[likely]] {
      return bit_stream_internal::LoadBigEndian64(data_ + byte);
    }
    return LoadTail(byte);
  }
  ABSL_ATTRIBUTE_NOINLINE uint64_t LoadTail(uint64_t byte) const {
    char tail[8] = {};
    if (byte < size_) std::memcpy(tail, data_ + byte, size_ - byte);
    return bit_stream_internal::LoadBigEndian64(tail);
  }

  const char* data_;
  uint64_t size_;
  uint64_t limit_;
  uint64_t pos_ = 0;
};

}  // namespace vigil::storage
