// Bearer tokens for the collector's HTTP API: how they are made, and how a presented one
// is compared with the configuration, which stores only each token's SHA-256.
//
// A token is "vgl_" followed by the unpadded base64url form of 32 random bytes from
// OpenSSL's CSPRNG (47 characters in all). With 256 random bits a fast hash is enough:
// nobody can guess a token from its hash, so no slow password hash (bcrypt, scrypt) is
// needed, and each request costs one SHA-256.
//
// Thread-safe (no shared state).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil {

inline constexpr absl::string_view kBearerTokenPrefix = "vgl_";

// A new random token; fails only if OpenSSL's random generator fails.
absl::StatusOr<std::string> NewBearerToken();

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

// True if `text` is 64 hex digits (either case).
bool IsSha256Hex(absl::string_view text);

// Equality whose duration does not depend on where `a` and `b` differ (CRYPTO_memcmp),
// so a caller comparing secrets leaks nothing through timing; only a difference in
// length returns early (lengths are not secret here: every SHA-256 hex is 64 long).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace vigil
