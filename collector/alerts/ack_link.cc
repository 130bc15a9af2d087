#include "collector/alerts/ack_link.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/url_encode.h"

namespace vigil::alerts {
namespace {

constexpr size_t kKeyBytes = 32;

}  // namespace

absl::StatusOr<AckLinkSigner> AckLinkSigner::LoadOrCreate(state::StateStore* store) {
  absl::StatusOr<std::optional<std::string>> stored =
      store->Get(state::Keyspace::kMeta, kAckLinkKeyName);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    if ((*stored)->size() != kKeyBytes) {
      return absl::DataLossError(absl::StrCat("the stored ack-link key in ", store->dir(), " has ",
                                              (*stored)->size(), " bytes, not ", kKeyBytes));
    }
    return AckLinkSigner(**stored);
  }
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("cannot make the ack-link key: the random generator failed");
  }
  absl::Status put = store->Put(state::Keyspace::kMeta, kAckLinkKeyName, key);
  if (!put.ok()) return put;
  return AckLinkSigner(std::move(key));
}

std::string AckLinkSigner::Sign(absl::string_view alert_id, absl::string_view who,
                                int64_t exp) const {
  const std::string message = absl::StrCat(alert_id, "\n", who, "\n", exp);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  return absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::string AckLinkSigner::MakeUrl(absl::string_view external_url, absl::string_view alert_id,
                                   absl::string_view who, absl::Time expires) const {
  absl::string_view base = external_url;
  while (absl::ConsumeSuffix(&base, "/")) {
  }
  const int64_t exp = absl::ToUnixSeconds(expires);
  return absl::StrCat(base, "/ack?alert=", PercentEncode(alert_id), "&who=", PercentEncode(who),
                      "&exp=", exp, "&sig=", Sign(alert_id, who, exp));
}

absl::Status AckLinkSigner::Verify(absl::string_view alert_id, absl::string_view who, int64_t exp,
                                   absl::string_view sig, absl::Time now) const {
  const std::string expected = Sign(alert_id, who, exp);
  // The id is hex; a newline in it could make two different (id, who) pairs sign alike.
  if (alert_id.find('\n') != absl::string_view::npos || sig.size() != expected.size() ||
      CRYPTO_memcmp(sig.data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("the acknowledgement link's signature is not valid");
  }
  const absl::Time expires = absl::FromUnixSeconds(exp);
  if (now >= expires) {
    return absl::FailedPreconditionError(
        absl::StrCat("the acknowledgement link expired at ",
                     absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", expires, absl::UTCTimeZone())));
  }
  return absl::OkStatus();
}

}  // namespace vigil::alerts
