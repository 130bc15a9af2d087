#include "collector/storage/int_column.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <numeric>

#include "collector/storage/bit_stream.h"
#include "common/varint.h"

namespace vigil::storage {
namespace {

enum Packing { kVarint = 0, kBitpack = 1, kZeroRun = 2, kScaledBitpack = 3 };
constexpr int kOrders = 3;
constexpr int kPackings = 4;

// Wrapping arithmetic: the columns must round trip any int64 sequence.
int64_t Sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t Add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

size_t VarintLength(uint64_t v) { return (static_cast<size_t>(std::bit_width(v | 1)) + 6) / 7; }
size_t ZigZagLength(int64_t v) { return VarintLength(ZigZag(v)); }

// Residuals of `values` at `order`: the values, their deltas or their delta-of-deltas,
// after the first min(order, size) values (the heads).
void Residuals(std::span<const int64_t> values, int order, std::vector<int64_t>* heads,
               std::vector<int64_t>* residuals) {
  heads->clear();
  residuals->clear();
  const size_t n = values.size();
  const size_t h = std::min<size_t>(order, n);
  if (h >= 1) heads->push_back(values[0]);
  if (h >= 2) heads->push_back(Sub(values[1], values[0]));
  residuals->reserve(n - h);
  for (size_t i = h; i < n; ++i) {
    switch (order) {
      case 0:
        residuals->push_back(values[i]);
        break;
      case 1:
        residuals->push_back(Sub(values[i], values[i - 1]));
        break;
      default:
        residuals->push_back(Sub(Sub(values[i], values[i - 1]), Sub(values[i - 1], values[i - 2])));
        break;
    }
  }
}

struct BitpackShape {
  int64_t min = 0;
  uint64_t divisor = 1;
  int width = 0;
};

// The frame of reference of `residuals`: their minimum, and with `scaled` the greatest
// common divisor of their offsets from it (4096 for page-granular memory gauges).
BitpackShape ShapeOf(const std::vector<int64_t>& residuals, bool scaled) {
  if (residuals.empty()) return {};
  const auto [lo, hi] = std::minmax_element(residuals.begin(), residuals.end());
  BitpackShape shape;
  shape.min = *lo;
  // hi - lo as unsigned is the exact range even when it exceeds INT64_MAX.
  uint64_t range = static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo);
  if (scaled && range != 0) {
    uint64_t g = 0;
    for (int64_t r : residuals) {
      g = std::gcd(g, static_cast<uint64_t>(r) - static_cast<uint64_t>(*lo));
      if (g == 1) break;
    }
    shape.divisor = g;
    range /= g;
  }
  shape.width = static_cast<int>(std::bit_width(range));
  return shape;
}

size_t PackedSize(const std::vector<int64_t>& residuals, int packing) {
  size_t size = 0;
  switch (packing) {
    case kVarint:
      for (int64_t r : residuals) size += ZigZagLength(r);
      return size;
    case kBitpack:
    case kScaledBitpack: {
      const BitpackShape shape = ShapeOf(residuals, packing == kScaledBitpack);
      return ZigZagLength(shape.min) +
             (packing == kScaledBitpack ? VarintLength(shape.divisor) : 0) + 1 +
             (residuals.size() * shape.width + 7) / 8;
    }
    default: {
      uint64_t zeros = 0;
      for (int64_t r : residuals) {
        if (r == 0) {
          ++zeros;
        } else {
          size += VarintLength(zeros) + ZigZagLength(r);
          zeros = 0;
        }
      }
      if (zeros > 0) size += VarintLength(zeros);
      return size;
    }
  }
}

void Pack(const std::vector<int64_t>& residuals, int packing, std::string* out) {
  switch (packing) {
    case kVarint:
      for (int64_t r : residuals) PutVarint(out, ZigZag(r));
      return;
    case kBitpack:
    case kScaledBitpack: {
      const BitpackShape shape = ShapeOf(residuals, packing == kScaledBitpack);
      PutVarint(out, ZigZag(shape.min));
      if (packing == kScaledBitpack) PutVarint(out, shape.divisor);
      out->push_back(static_cast<char>(shape.width));
      if (shape.width == 0) return;
      BitWriter bits;
      for (int64_t r : residuals) {
        bits.Write(static_cast<uint64_t>(Sub(r, shape.min)) / shape.divisor, shape.width);
      }
      out->append(bits.bytes().data(), bits.bytes().size());
      return;
    }
    default: {
      uint64_t zeros = 0;
      for (int64_t r : residuals) {
        if (r == 0) {
          ++zeros;
        } else {
          PutVarint(out, zeros);
          PutVarint(out, ZigZag(r));
          zeros = 0;
        }
      }
      if (zeros > 0) PutVarint(out, zeros);
      return;
    }
  }
}

// Decodes `n` residuals into r[0..n); false if corrupt.
bool Unpack(absl::string_view* in, int packing, size_t n, int64_t* r) {
  switch (packing) {
    case kVarint:
      if (n > in->size()) return false;  // every varint takes at least one byte
      for (size_t i = 0; i < n; ++i) {
        uint64_t v;
        if (!GetVarint(in, &v)) return false;
        r[i] = UnZigZag(v);
      }
      return true;
    case kBitpack:
    case kScaledBitpack: {
      uint64_t min;
      uint64_t divisor = 1;
      if (!GetVarint(in, &min)) return false;
      if (packing == kScaledBitpack && !GetVarint(in, &divisor)) return false;
      if (in->empty()) return false;
      const int width = static_cast<uint8_t>(in->front());
      in->remove_prefix(1);
      if (width > 64) return false;
      if (width > 0 && n > in->size() * 8 / static_cast<size_t>(width)) return false;
      const size_t bytes = (n * static_cast<size_t>(width) + 7) / 8;
      BitReader bits(in->substr(0, bytes));
      const int64_t base = UnZigZag(min);
      for (size_t i = 0; i < n; ++i) {
        r[i] = Add(base, static_cast<int64_t>(bits.Take(width) * divisor));  // wraps
      }
      in->remove_prefix(bytes);
      return true;
    }
    default: {
      size_t i = 0;
      while (i < n) {
        uint64_t zeros;
        if (!GetVarint(in, &zeros) || zeros > n - i) return false;
        std::fill_n(r + i, zeros, 0);
        i += zeros;
        if (i == n) break;
        uint64_t v;
        if (!GetVarint(in, &v)) return false;
        r[i++] = UnZigZag(v);
      }
      return true;
    }
  }
}

}  // namespace

void EncodeIntColumn(std::span<const int64_t> values, std::string* out, uint32_t methods) {
  std::vector<int64_t> heads;
  std::vector<int64_t> residuals;
  int best_order = -1;
  int best_packing = -1;
  size_t best_size = std::numeric_limits<size_t>::max();
  for (int order = 0; order < kOrders; ++order) {
    uint32_t order_methods = 0;
    for (int packing = 0; packing < kPackings; ++packing) {
      order_methods |= IntColumnMethodBit(order, packing);
    }
    if ((methods & order_methods) == 0) continue;
    Residuals(values, order, &heads, &residuals);
    size_t head_size = 0;
    for (int64_t h : heads) head_size += ZigZagLength(h);
    for (int packing = 0; packing < kPackings; ++packing) {
      if ((methods & IntColumnMethodBit(order, packing)) == 0) continue;
      const size_t size = head_size + PackedSize(residuals, packing);
      if (size < best_size) {
        best_size = size;
        best_order = order;
        best_packing = packing;
      }
    }
  }
  if (best_order < 0) {  // no method allowed: a caller bug; plain varints always work
    best_order = 0;
    best_packing = kVarint;
  }
  Residuals(values, best_order, &heads, &residuals);
  out->push_back(static_cast<char>(best_order | best_packing << 2));
  for (int64_t h : heads) PutVarint(out, ZigZag(h));
  Pack(residuals, best_packing, out);
}

absl::Status DecodeIntColumn(absl::string_view* in, size_t count, std::vector<int64_t>* out) {
  if (count > kMaxColumnLength) return absl::DataLossError("integer column too long");
  if (in->empty()) return absl::DataLossError("integer column missing");
  const int tag = static_cast<uint8_t>(in->front());
  const int order = tag & 3;
  const int packing = tag >> 2;
  if (order >= kOrders || packing >= kPackings) {
    return absl::DataLossError("unknown integer column encoding");
  }
  in->remove_prefix(1);
  const size_t heads = std::min<size_t>(order, count);
  int64_t head[2] = {0, 0};
  for (size_t i = 0; i < heads; ++i) {
    uint64_t v;
    if (!GetVarint(in, &v)) return absl::DataLossError("integer column truncated");
    head[i] = UnZigZag(v);
  }
  // Varints take at least a byte each: reject impossible counts before allocating.
  if (packing == kVarint && count - heads > in->size()) {
    return absl::DataLossError("integer column truncated");
  }
  const size_t base = out->size();
  out->resize(base + count);
  int64_t* v = out->data() + base;
  if (!Unpack(in, packing, count - heads, v + heads)) {
    out->resize(base);
    return absl::DataLossError("integer column corrupt or truncated");
  }
  // Integrate the residuals in place.
  if (order == 1 && count > 0) {
    v[0] = head[0];
    for (size_t i = 1; i < count; ++i) v[i] = Add(v[i - 1], v[i]);
  } else if (order == 2 && count > 0) {
    v[0] = head[0];
    if (count > 1) {
      int64_t delta = head[1];
      v[1] = Add(v[0], delta);
      for (size_t i = 2; i < count; ++i) {
        delta = Add(delta, v[i]);
        v[i] = Add(v[i - 1], delta);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace vigil::storage
