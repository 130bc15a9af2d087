#include "collector/ctl/token_command.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/bearer_token.h"
#include "common/tls.h"

namespace vigil::ctl {

absl::StatusOr<NewToken> CreateToken(const std::string& name, const std::string& role) {
  if (!IsValidPeerName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--name \"", name, "\": must be printable, without spaces or quotes"));
  }
  if (role != "viewer" && role != "operator" && role != "admin") {
    return absl::InvalidArgumentError(
        absl::StrCat("--role \"", role, "\": must be viewer, operator or admin"));
  }
  absl::StatusOr<std::string> token = NewBearerToken();
  if (!token.ok()) return token.status();
  NewToken out{name, role, *token, Sha256Hex(*token)};
  return out;
}

std::string FormatNewToken(const NewToken& token) {
  return absl::StrCat(
      "Token for \"", token.name, "\" (role ", token.role,
      "). It is shown only now; the collector keeps only its SHA-256:\n\n  ", token.token,
      "\n\nClients send it as the header  Authorization: Bearer ", token.token,
      "\n\nAdd these lines under http.tokens in the collector's configuration, then reload it\n"
      "(systemctl reload vigil-collector, or POST /api/v1/admin/reload):\n\n"
      "  - name: ",
      token.name, "\n    role: ", token.role, "\n    sha256: ", token.sha256, "\n");
}

std::string FormatNewTokenJson(const NewToken& token) {
  return nlohmann::ordered_json{{"name", token.name},
                                {"role", token.role},
                                {"token", token.token},
                                {"sha256", token.sha256}}
             .dump(2) +
         "\n";
}

}  // namespace vigil::ctl
