// Signed acknowledgement links: a notification carries a URL that acknowledges the
// alert when opened, from a phone's browser, without a login:
//   <external_url>/ack?alert=<id>&who=<name>&exp=<unix seconds>&sig=<signature>
// The signature is HMAC-SHA256 over "alert\nwho\nexp" with a 32-byte key that the
// collector makes once and keeps in the state store (keyspace kMeta, "ack_link_key"),
// base64url without padding. Anyone holding a link can acknowledge that one alert as
// that person until it expires, and nothing else.
//
// Immutable after construction; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/state/state_store.h"

namespace vigil::alerts {

inline constexpr absl::string_view kAckLinkKeyName = "ack_link_key";

class AckLinkSigner {
 public:
  // Reads the key from the store, or makes one (RAND_bytes) and stores it.
  static absl::StatusOr<AckLinkSigner> LoadOrCreate(state::StateStore* store);

  // The link; `external_url` is the collector's public base URL (a trailing slash is
  // ignored). `alert_id` must not contain a newline.
  std::string MakeUrl(absl::string_view external_url, absl::string_view alert_id,
                      absl::string_view who, absl::Time expires) const;
  // The `sig` parameter for these values.
  std::string Sign(absl::string_view alert_id, absl::string_view who, int64_t exp) const;

  // OK if `sig` is this key's signature of the values and the link has not expired at
  // `now`. PermissionDenied for a wrong signature (checked first, in constant time);
  // FailedPrecondition "the link expired at ..." once now >= exp.
  absl::Status Verify(absl::string_view alert_id, absl::string_view who, int64_t exp,
                      absl::string_view sig, absl::Time now) const;

 private:
  explicit AckLinkSigner(std::string key) : key_(std::move(key)) {}
  std::string key_;  // 32 bytes
};

}  // namespace vigil::alerts
