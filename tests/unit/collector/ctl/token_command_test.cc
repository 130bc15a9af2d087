// vigilctl token create: a fresh token, its hash in lines to paste under http.tokens.
#include "collector/ctl/token_command.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "common/bearer_token.h"

namespace vigil::ctl {
namespace {

TEST_CASE("token create prints the token once and its SHA-256 in YAML lines") {
  absl::StatusOr<NewToken> created = CreateToken("grafana", "viewer");
  REQUIRE(created.ok());
  CHECK(absl::StartsWith(created->token, "vgl_"));
  CHECK(created->sha256 == Sha256Hex(created->token));
  const std::string text = FormatNewToken(*created);
  CHECK(absl::StrContains(text, "\n  " + created->token + "\n"));
  CHECK(absl::StrContains(text, "Authorization: Bearer " + created->token));
  CHECK(absl::StrContains(
      text, "  - name: grafana\n    role: viewer\n    sha256: " + created->sha256 + "\n"));

  const nlohmann::json json = nlohmann::json::parse(FormatNewTokenJson(*created));
  CHECK(json["name"] == "grafana");
  CHECK(json["role"] == "viewer");
  CHECK(json["token"] == created->token);
  CHECK(json["sha256"] == created->sha256);

  CHECK(CreateToken("grafana", "viewer")->token != created->token);
}

TEST_CASE("token create refuses a bad name or role") {
  CHECK(CreateToken("two words", "viewer").status().message() ==
        "--name \"two words\": must be printable, without spaces or quotes");
  CHECK(CreateToken("ci", "root").status().message() ==
        "--role \"root\": must be viewer, operator or admin");
  CHECK_FALSE(CreateToken("", "admin").ok());
}

}  // namespace
}  // namespace vigil::ctl
