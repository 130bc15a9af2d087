// Doubles as raw IEEE-754 bits, and as 8 little-endian bytes: the exact forms the WAL,
// head snapshots and plain chunks store (NaN payloads and -0.0 survive).
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace vigil::storage {

inline uint64_t DoubleBits(double v) { return std::bit_cast<uint64_t>(v); }
inline double DoubleFromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// Prometheus' staleness marker: the NaN with exactly these bits. It says "this series
// ended here"; it is not a sample of any range.
inline constexpr uint64_t kStaleMarkerBits = 0x7ff0000000000002ULL;
inline bool IsStaleMarker(double v) { return DoubleBits(v) == kStaleMarkerBits; }

inline void PutDoubleLE(std::string* out, double v) {
  const uint64_t bits = DoubleBits(v);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (8 * i));
  out->append(bytes, 8);
}

// Reads 8 bytes at p.
inline double GetDoubleLE(const char* p) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return DoubleFromBits(bits);
}

}  // namespace vigil::storage
