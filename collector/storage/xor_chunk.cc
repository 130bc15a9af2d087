#include "collector/storage/xor_chunk.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

constexpr uint8_t kNoWindow = 0xff;
constexpr uint8_t kSerializeVersion = 1;
// Opening a window costs 11 bits more than reusing one ('11' + 5 + 6 against '10').
constexpr int kNewWindowOverheadBits = 11;

int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Up to two pieces of bits to write, first `a` then `b` (nb == 0: none).
struct Code {
  uint64_t a = 0;
  int na = 0;
  uint64_t b = 0;
  int nb = 0;
};

// The timestamp code of `dod`; na == 0 for the 69-bit bucket, which the caller writes.
inline Code DodCode(int64_t dod) {
  const uint64_t u = static_cast<uint64_t>(dod);
  if (dod == 0) return {0, 1};
  if (dod >= -(1 << 6) && dod < (1 << 6)) return {(uint64_t{0b10} << 7) | (u & 0x7f), 9};
  if (dod >= -(1 << 13) && dod < (1 << 13)) return {(uint64_t{0b110} << 14) | (u & 0x3fff), 17};
  if (dod >= -(1 << 19) && dod < (1 << 19)) return {(uint64_t{0b1110} << 20) | (u & 0xfffff), 24};
  if (dod >= -(int64_t{1} << 31) && dod < (int64_t{1} << 31)) {
    return {(uint64_t{0b11110} << 32) | (u & 0xffffffff), 37};
  }
  return {};
}

// The code of a value whose bits XOR the previous value's are `x`. `leading` ==
// kNoWindow until the first window opens.
inline Code ValueCode(uint64_t x, uint8_t* leading, uint8_t* trailing) {
  if (x == 0) return {0, 1};
  const int lead = std::min(std::countl_zero(x), 31);
  const int trail = std::countr_zero(x);
  const int m = 64 - lead - trail;
  if (*leading != kNoWindow && lead >= *leading && trail >= *trailing) {
    const int window = 64 - *leading - *trailing;
    if (window - m <= kNewWindowOverheadBits) {
      const uint64_t payload = x >> *trailing;
      if (window <= 62) return {(uint64_t{0b10} << window) | payload, window + 2};
      return {0b10, 2, payload, window};
    }
  }
  *leading = static_cast<uint8_t>(lead);
  *trailing = static_cast<uint8_t>(trail);
  const uint64_t header =
      (uint64_t{0b11} << 11) | (static_cast<uint64_t>(lead) << 6) | static_cast<uint64_t>(m & 63);
  if (m <= 51) return {(header << m) | (x >> trail), 13 + m};
  return {header, 13, x >> trail, m};
}

// Writes `first` (at most 64 bits; nbits may be 0), then `code`, in as few writes as fit.
inline void WriteCodes(BitWriter* w, uint64_t first, int first_bits, const Code& code) {
  if (first_bits + code.na <= 64) {
    // (first << 1) << (na - 1): na >= 1, and no shift reaches 64.
    w->Write(((first << 1) << (code.na - 1)) | code.a, first_bits + code.na);
  } else {
    w->Write(first, first_bits);
    w->Write(code.a, code.na);
  }
  if (code.nb != 0) w->Write(code.b, code.nb);
}

// Reads the value half of a sample into *bits. False on a reference to a window that
// was never opened or an impossible window; truncation is left to overrun().
inline bool ReadValue(BitReader* r, uint64_t* bits, uint8_t* leading, uint8_t* trailing) {
  const uint64_t w = r->Peek();
  if ((w >> 63) == 0) {
    r->Skip(1);
    return true;
  }
  if (((w >> 62) & 1) == 0) {
    if (*leading == kNoWindow) return false;
    r->Skip(2);
    const int m = 64 - *leading - *trailing;
    *bits ^= r->Take(m) << *trailing;
    return true;
  }
  const int lead = static_cast<int>((w >> 57) & 31);
  int m = static_cast<int>((w >> 51) & 63);
  if (m == 0) m = 64;
  if (lead + m > 64) return false;
  r->Skip(13);
  const int trail = 64 - lead - m;
  *bits ^= r->Take(m) << trail;
  *leading = static_cast<uint8_t>(lead);
  *trailing = static_cast<uint8_t>(trail);
  return true;
}

inline int64_t ReadDod(BitReader* r) {
  const uint64_t w = r->Peek();
  switch (std::countl_one(w)) {
    case 0:
      r->Skip(1);
      return 0;
    case 1:
      r->Skip(9);
      return static_cast<int64_t>(w << 2) >> 57;
    case 2:
      r->Skip(17);
      return static_cast<int64_t>(w << 3) >> 50;
    case 3:
      r->Skip(24);
      return static_cast<int64_t>(w << 4) >> 44;
    case 4:
      r->Skip(37);
      return static_cast<int64_t>(w << 5) >> 32;
    default:
      r->Skip(5);
      return static_cast<int64_t>(r->Take(64));
  }
}

// A stream ends inside its last byte, with zero padding: anything else is corruption
// (a truncated stream reads zeros past the end and overruns).
bool EndsExactly(const BitReader& r, size_t stream_bytes) {
  if (r.overrun() || (r.position() + 7) / 8 != stream_bytes) return false;
  uint64_t pad;
  BitReader tail = r;
  return tail.Read(static_cast<int>(stream_bytes * 8 - r.position()), &pad) && pad == 0;
}

uint64_t BitsOf(double v) { return std::bit_cast<uint64_t>(v); }

}  // namespace

void XorAppender::Append(int64_t t_ms, double v) {
  const int64_t delta =
      static_cast<int64_t>(static_cast<uint64_t>(t_ms) - static_cast<uint64_t>(prev_t_));
  const int64_t dod =
      static_cast<int64_t>(static_cast<uint64_t>(delta) - static_cast<uint64_t>(prev_delta_));
  prev_t_ = t_ms;
  prev_delta_ = delta;
  Code ts = DodCode(dod);
  if (ts.na == 0) {
    bits_.Write(0b11111, 5);
    bits_.Write(static_cast<uint64_t>(dod), 64);
  }
  const uint64_t bits = BitsOf(v);
  if (count_ == 0) {
    first_t_ = t_ms;
    bits_.Write(ts.a, ts.na);
    bits_.Write(bits, 64);
  } else {
    WriteCodes(&bits_, ts.a, ts.na, ValueCode(bits ^ prev_bits_, &leading_, &trailing_));
  }
  prev_bits_ = bits;
  ++count_;
}

double XorAppender::last_value() const { return std::bit_cast<double>(prev_bits_); }

std::string XorAppender::Finish() const {
  const absl::string_view stream = bits_.bytes();
  std::string out;
  out.reserve(11 + stream.size());
  out.push_back(static_cast<char>(kChunkFormatXor));
  PutVarint(&out, count_);
  out.append(stream.data(), stream.size());
  return out;
}

void XorAppender::DecodeSamples(std::vector<int64_t>* timestamps_ms,
                                std::vector<double>* values) const {
  // The appender wrote this stream itself, so it cannot be corrupt.
  (void)DecodeXorSamples(start_ms_, bits_.bytes(), count_, timestamps_ms, values);
}

std::string XorAppender::Serialize() const {
  const absl::string_view stream = bits_.bytes();
  std::string out;
  out.reserve(64 + stream.size());
  out.push_back(static_cast<char>(kSerializeVersion));
  PutVarint(&out, ZigZag(start_ms_));
  PutVarint(&out, ZigZag(first_t_));
  PutVarint(&out, ZigZag(prev_t_));
  PutVarint(&out, ZigZag(prev_delta_));
  PutVarint(&out, count_);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(prev_bits_ >> (8 * i)));
  out.push_back(static_cast<char>(leading_));
  out.push_back(static_cast<char>(trailing_));
  PutVarint(&out, bits_.bit_count());
  out.append(stream.data(), stream.size());
  return out;
}

absl::StatusOr<XorAppender> XorAppender::Deserialize(absl::string_view data) {
  const auto corrupt = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("corrupt appender snapshot: ", what));
  };
  if (data.empty() || static_cast<uint8_t>(data.front()) != kSerializeVersion) {
    return corrupt("unknown version");
  }
  data.remove_prefix(1);
  uint64_t fields[5];
  for (uint64_t& f : fields) {
    if (!GetVarint(&data, &f)) return corrupt("truncated header");
  }
  if (data.size() < 10) return corrupt("truncated header");
  uint64_t prev_bits = 0;
  for (int i = 0; i < 8; ++i) prev_bits |= uint64_t{static_cast<uint8_t>(data[i])} << (8 * i);
  const uint8_t leading = static_cast<uint8_t>(data[8]);
  const uint8_t trailing = static_cast<uint8_t>(data[9]);
  data.remove_prefix(10);
  const bool no_window = leading == kNoWindow && trailing == kNoWindow;
  if (!no_window && (leading > 31 || trailing > 63 || leading + trailing >= 64)) {
    return corrupt("bad window");
  }
  uint64_t bit_count;
  if (!GetVarint(&data, &bit_count) || bit_count / 8 > data.size()) {
    return corrupt("bad bit count");
  }
  std::optional<BitWriter> bits = BitWriter::Restore(data, bit_count);
  if (!bits.has_value()) return corrupt("bit stream does not match its length");
  const uint64_t count = fields[4];
  // Each sample takes at least 2 bits, the first at least 65.
  if ((count == 0) != (bit_count == 0) || count > bit_count / 2) {
    return corrupt("count does not match the stream");
  }
  XorAppender a(UnZigZag(fields[0]));
  a.first_t_ = UnZigZag(fields[1]);
  a.prev_t_ = UnZigZag(fields[2]);
  a.prev_delta_ = UnZigZag(fields[3]);
  a.count_ = count;
  a.prev_bits_ = prev_bits;
  a.leading_ = leading;
  a.trailing_ = trailing;
  a.bits_ = std::move(*bits);
  return a;
}

absl::Status DecodeXorSamples(int64_t start_ms, absl::string_view stream, uint64_t count,
                              std::vector<int64_t>* timestamps_ms, std::vector<double>* values) {
  // Each sample takes at least 2 bits: bounds the allocation below by the input.
  if (count > stream.size() * 4) return absl::DataLossError("chunk count exceeds its data");
  if (count == 0) {
    if (!stream.empty()) return absl::DataLossError("bytes after the last sample");
    return absl::OkStatus();
  }
  const size_t ts_base = timestamps_ms->size();
  const size_t vs_base = values->size();
  timestamps_ms->resize(ts_base + count);
  values->resize(vs_base + count);
  int64_t* ts = timestamps_ms->data() + ts_base;
  double* vs = values->data() + vs_base;

  BitReader r(stream);
  int64_t t = start_ms;
  int64_t delta = 0;
  delta = WrapAdd(delta, ReadDod(&r));
  t = WrapAdd(t, delta);
  ts[0] = t;
  uint64_t bits = r.Take(64);
  vs[0] = std::bit_cast<double>(bits);
  uint8_t leading = kNoWindow;
  uint8_t trailing = kNoWindow;
  bool ok = true;
  for (uint64_t i = 1; i < count; ++i) {
    // One 57-bit peek usually holds the whole sample: decode from it, then skip.
    uint64_t w = r.Peek();
    int used;
    int64_t dod;
    switch (std::countl_one(w)) {
      case 0:
        dod = 0;
        used = 1;
        break;
      case 1:
        dod = static_cast<int64_t>(w << 2) >> 57;
        used = 9;
        break;
      case 2:
        dod = static_cast<int64_t>(w << 3) >> 50;
        used = 17;
        break;
      case 3:
        dod = static_cast<int64_t>(w << 4) >> 44;
        used = 24;
        break;
      case 4:
        dod = static_cast<int64_t>(w << 5) >> 32;
        used = 37;
        break;
      default:
        r.Skip(5);
        dod = static_cast<int64_t>(r.Take(64));
        w = r.Peek();
        used = 0;
        break;
    }
    delta = WrapAdd(delta, dod);
    t = WrapAdd(t, delta);
    ts[i] = t;
    const uint64_t v = w << used;
    const int avail = 57 - used;  // valid bits of v (>= 20)
    if ((v >> 63) == 0) {
      r.Skip(used + 1);
    } else if (((v >> 62) & 1) == 0) {
      if (leading == kNoWindow) {
        ok = false;
        break;
      }
      const int m = 64 - leading - trailing;
      uint64_t x;
      if (m + 2 <= avail) {
        x = (v << 2) >> (64 - m);
        r.Skip(used + 2 + m);
      } else {
        r.Skip(used + 2);
        x = r.Take(m);
      }
      bits ^= x << trailing;
    } else {
      const int lead = static_cast<int>((v >> 57) & 31);
      int m = static_cast<int>((v >> 51) & 63);
      if (m == 0) m = 64;
      if (lead + m > 64) {
        ok = false;
        break;
      }
      uint64_t x;
      if (13 + m <= avail) {
        x = (v << 13) >> (64 - m);
        r.Skip(used + 13 + m);
      } else {
        r.Skip(used + 13);
        x = r.Take(m);
      }
      leading = static_cast<uint8_t>(lead);
      trailing = static_cast<uint8_t>(64 - lead - m);
      bits ^= x << trailing;
    }
    vs[i] = std::bit_cast<double>(bits);
  }
  if (!ok || !EndsExactly(r, stream.size())) {
    timestamps_ms->resize(ts_base);
    values->resize(vs_base);
    return absl::DataLossError("corrupt or truncated XOR chunk stream");
  }
  return absl::OkStatus();
}

void EncodeXorValues(std::span<const double> values, std::string* out) {
  if (values.empty()) return;
  BitWriter w;
  uint64_t prev = BitsOf(values[0]);
  w.Write(prev, 64);
  uint8_t leading = kNoWindow;
  uint8_t trailing = kNoWindow;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t bits = BitsOf(values[i]);
    WriteCodes(&w, 0, 0, ValueCode(bits ^ prev, &leading, &trailing));
    prev = bits;
  }
  out->append(w.bytes().data(), w.bytes().size());
}

absl::Status DecodeXorValues(absl::string_view* in, size_t count, std::vector<double>* values) {
  if (count == 0) return absl::OkStatus();
  // Each value takes at least one bit.
  if (count > in->size() * 8) return absl::DataLossError("XOR value column truncated");
  const size_t base = values->size();
  values->resize(base + count);
  double* vs = values->data() + base;
  BitReader r(*in);
  uint64_t bits = r.Take(64);
  vs[0] = std::bit_cast<double>(bits);
  uint8_t leading = kNoWindow;
  uint8_t trailing = kNoWindow;
  bool ok = true;
  for (size_t i = 1; i < count; ++i) {
    if (!ReadValue(&r, &bits, &leading, &trailing)) {
      ok = false;
      break;
    }
    vs[i] = std::bit_cast<double>(bits);
  }
  const size_t used = (r.position() + 7) / 8;
  if (!ok || r.overrun() || used > in->size()) {
    values->resize(base);
    return absl::DataLossError("corrupt or truncated XOR value column");
  }
  uint64_t pad;
  BitReader tail = r;
  if (!tail.Read(static_cast<int>(used * 8 - r.position()), &pad) || pad != 0) {
    values->resize(base);
    return absl::DataLossError("corrupt XOR value column padding");
  }
  in->remove_prefix(used);
  return absl::OkStatus();
}

}  // namespace vigil::storage
