// Big-endian 64-bit integers: the byte order of keys that must sort as numbers
// (RocksDB keys in collector/storage/keys.h) and of stored sequence sets.
#pragma once

#include <cstdint>
#include <string>

namespace vigil {

inline void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// Reads 8 bytes at `p`.
inline uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace vigil
