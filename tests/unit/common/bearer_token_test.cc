// Bearer tokens: their form, their hash, and the comparison used on them.
#include "common/bearer_token.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "absl/strings/match.h"

namespace vigil {
namespace {

TEST_CASE("A new token is vgl_ and 43 base64url characters, different every time") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> token = NewBearerToken();
    REQUIRE(token.ok());
    CHECK(absl::StartsWith(*token, "vgl_"));
    CHECK(token->size() == 4 + 43);  // 32 bytes, 6 bits a character, no padding
    for (char c : token->substr(4)) {
      const bool base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_';
      CHECK(base64url);
    }
    seen.insert(*token);
  }
  CHECK(seen.size() == 200);
}

TEST_CASE("Sha256Hex is the lowercase hex SHA-256") {
  // FIPS 180-2 test vectors.
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(IsSha256Hex(Sha256Hex("x")));
  CHECK(IsSha256Hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  CHECK_FALSE(IsSha256Hex("e3b0c442"));
  CHECK_FALSE(IsSha256Hex(std::string(64, 'g')));
}

TEST_CASE("ConstantTimeEquals compares whole strings") {
  CHECK(ConstantTimeEquals("", ""));
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "xbc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK_FALSE(ConstantTimeEquals("abc", ""));
  // Bytes after an embedded NUL count (no C-string comparison).
  CHECK_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace vigil
