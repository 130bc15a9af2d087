#include "collector/storage/bit_stream.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace vigil::storage {
namespace {

uint64_t Mask(int nbits) { return nbits == 64 ? ~uint64_t{0} : (uint64_t{1} << nbits) - 1; }

TEST_CASE("BitWriter packs most significant bit first, zero-padded") {
  BitWriter w;
  CHECK(w.bit_count() == 0);
  CHECK(w.bytes().empty());
  w.Write(0b1, 1);
  w.Write(0b011, 3);
  CHECK(w.bytes() == std::string("\xb0", 1));
  w.Write(0xabcd, 16);
  CHECK(w.bit_count() == 20);
  CHECK(w.bytes() == std::string("\xba\xbc\xd0", 3));
  w.Write(0, 0);
  CHECK(w.bit_count() == 20);
}

TEST_CASE("Random writes read back, across word boundaries") {
  std::mt19937_64 rng(1);
  std::vector<std::pair<uint64_t, int>> written;
  BitWriter w;
  for (int i = 0; i < 20000; ++i) {
    const int nbits = static_cast<int>(rng() % 65);
    const uint64_t bits = rng() & Mask(nbits);
    w.Write(bits, nbits);
    written.emplace_back(bits, nbits);
  }
  BitReader checked(w.bytes(), w.bit_count());
  BitReader unchecked(w.bytes());
  for (const auto& [bits, nbits] : written) {
    uint64_t got;
    REQUIRE(checked.Read(nbits, &got));
    CHECK(got == bits);
    CHECK(unchecked.Take(nbits) == bits);
  }
  uint64_t extra;
  CHECK(checked.remaining() == 0);
  CHECK_FALSE(checked.Read(1, &extra));
  CHECK(checked.Read(0, &extra));
  CHECK_FALSE(unchecked.overrun());
  unchecked.Take(8);  // the padding, then past the end: zeros, never out of bounds
  CHECK(unchecked.Take(64) == 0);
  CHECK(unchecked.overrun());
}

TEST_CASE("BitWriter::Restore continues exactly where the original was") {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 200; ++round) {
    BitWriter original;
    const int first = static_cast<int>(rng() % 40);
    for (int i = 0; i < first; ++i) {
      const int nbits = static_cast<int>(rng() % 65);
      original.Write(rng() & Mask(nbits), nbits);
    }
    std::optional<BitWriter> restored = BitWriter::Restore(original.bytes(), original.bit_count());
    REQUIRE(restored.has_value());
    for (int i = 0; i < 30; ++i) {
      const int nbits = static_cast<int>(rng() % 65);
      const uint64_t bits = rng() & Mask(nbits);
      original.Write(bits, nbits);
      restored->Write(bits, nbits);
    }
    CHECK(restored->bit_count() == original.bit_count());
    CHECK(restored->bytes() == original.bytes());
  }
  CHECK_FALSE(BitWriter::Restore(std::string("\xff", 1), 4).has_value());      // padding set
  CHECK_FALSE(BitWriter::Restore(std::string("\xf0\x00", 2), 4).has_value());  // extra byte
  CHECK_FALSE(BitWriter::Restore(std::string(), 1).has_value());
  CHECK(BitWriter::Restore(std::string("\xf0", 1), 4).has_value());
}

}  // namespace
}  // namespace vigil::storage
