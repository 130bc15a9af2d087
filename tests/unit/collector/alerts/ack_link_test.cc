#include "collector/alerts/ack_link.h"

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "collector/state/state_store.h"
#include "tests/support/temp_dir.h"

namespace vigil::alerts {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1780000000);

std::unique_ptr<state::StateStore> OpenStore(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<state::StateStore>> store = state::StateStore::Open(dir);
  REQUIRE(store.ok());
  return *std::move(store);
}

AckLinkSigner Signer(state::StateStore* store) {
  absl::StatusOr<AckLinkSigner> signer = AckLinkSigner::LoadOrCreate(store);
  INFO(signer.status().ToString());
  REQUIRE(signer.ok());
  return *signer;
}

// The query parameters of a link, as a browser sends them back (still escaped).
std::map<std::string, std::string> Query(const std::string& url) {
  std::map<std::string, std::string> params;
  const size_t q = url.find('?');
  REQUIRE(q != std::string::npos);
  for (absl::string_view pair : absl::StrSplit(url.substr(q + 1), '&')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    params[kv.first] = kv.second;
  }
  return params;
}

TEST_CASE("an ack link verifies for what it was made for", "[acklink]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Path("state"));
  const AckLinkSigner signer = Signer(store.get());
  const std::string url = signer.MakeUrl("https://vigil.hospital.cn:9443/", "00ff12ab34cd56ef",
                                         "Zhang Wei", kNow + absl::Hours(24));
  CHECK_THAT(url, Catch::StartsWith("https://vigil.hospital.cn:9443/ack?alert=00ff12ab34cd56ef&"
                                    "who=Zhang%20Wei&exp=1780086400&sig="));
  const std::map<std::string, std::string> q = Query(url);
  // base64url without padding: 43 characters for 32 bytes, none of +/=.
  CHECK(q.at("sig").size() == 43);
  CHECK(q.at("sig").find_first_of("+/=") == std::string::npos);
  int64_t exp = 0;
  REQUIRE(absl::SimpleAtoi(q.at("exp"), &exp));
  CHECK(signer.Verify("00ff12ab34cd56ef", "Zhang Wei", exp, q.at("sig"), kNow).ok());
  CHECK(signer
            .Verify("00ff12ab34cd56ef", "Zhang Wei", exp, q.at("sig"),
                    kNow + absl::Hours(24) - absl::Seconds(1))
            .ok());
}

TEST_CASE("a tampered ack link is refused", "[acklink]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Path("state"));
  const AckLinkSigner signer = Signer(store.get());
  const int64_t exp = absl::ToUnixSeconds(kNow + absl::Hours(1));
  const std::string sig = signer.Sign("00ff12ab34cd56ef", "李娜", exp);
  CHECK(signer.Verify("00ff12ab34cd56ef", "李娜", exp, sig, kNow).ok());

  auto refused = [&](absl::string_view id, absl::string_view who, int64_t e, absl::string_view s) {
    absl::Status status = signer.Verify(id, who, e, s, kNow);
    CHECK(status.code() == absl::StatusCode::kPermissionDenied);
  };
  refused("00ff12ab34cd56ee", "李娜", exp, sig);
  refused("00ff12ab34cd56ef", "张伟", exp, sig);
  refused("00ff12ab34cd56ef", "李娜", exp + 86400, sig);
  std::string flipped = sig;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  refused("00ff12ab34cd56ef", "李娜", exp, flipped);
  refused("00ff12ab34cd56ef", "李娜", exp, sig.substr(0, 42));
  refused("00ff12ab34cd56ef", "李娜", exp, "");
  // Moving the separator between id and name does not keep the signature.
  const std::string sig2 = signer.Sign("a", "b\nc", exp);
  refused("a\nb", "c", exp, sig2);
  CHECK_THAT(signer.MakeUrl("https://h", "x", "李娜", kNow),
             Catch::Contains("who=%E6%9D%8E%E5%A8%9C"));
}

TEST_CASE("an ack link expires at its time", "[acklink]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Path("state"));
  const AckLinkSigner signer = Signer(store.get());
  const int64_t exp = absl::ToUnixSeconds(kNow);
  const std::string sig = signer.Sign("00ff12ab34cd56ef", "Zhang Wei", exp);
  CHECK(signer.Verify("00ff12ab34cd56ef", "Zhang Wei", exp, sig, kNow - absl::Seconds(1)).ok());
  absl::Status status = signer.Verify("00ff12ab34cd56ef", "Zhang Wei", exp, sig, kNow);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(status.message()), Catch::Contains("expired at 2026-05-28 20:26:40 UTC"));
}

TEST_CASE("the ack link key survives reopening the store and differs between stores", "[acklink]") {
  testing::TempDir dir;
  const int64_t exp = absl::ToUnixSeconds(kNow + absl::Hours(1));
  std::string sig;
  {
    auto store = OpenStore(dir.Path("state"));
    sig = Signer(store.get()).Sign("00ff12ab34cd56ef", "Zhang Wei", exp);
  }
  {
    auto store = OpenStore(dir.Path("state"));
    const AckLinkSigner reopened = Signer(store.get());
    CHECK(reopened.Verify("00ff12ab34cd56ef", "Zhang Wei", exp, sig, kNow).ok());
    absl::StatusOr<std::optional<std::string>> key =
        store->Get(state::Keyspace::kMeta, kAckLinkKeyName);
    REQUIRE(key.ok());
    REQUIRE(key->has_value());
    CHECK((*key)->size() == 32);
  }
  auto other = OpenStore(dir.Path("other"));
  CHECK(Signer(other.get()).Verify("00ff12ab34cd56ef", "Zhang Wei", exp, sig, kNow).code() ==
        absl::StatusCode::kPermissionDenied);
}

TEST_CASE("a stored ack link key of the wrong size is reported", "[acklink]") {
  testing::TempDir dir;
  auto store = OpenStore(dir.Path("state"));
  REQUIRE(store->Put(state::Keyspace::kMeta, kAckLinkKeyName, "short").ok());
  absl::StatusOr<AckLinkSigner> signer = AckLinkSigner::LoadOrCreate(store.get());
  CHECK(signer.status().code() == absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace vigil::alerts
