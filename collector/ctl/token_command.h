// `vigilctl token create --name N --role R`: makes a bearer token for the collector's
// HTTPS API offline (common/bearer_token.h). The token is printed once; the collector's
// configuration gets only its SHA-256, in the lines printed to paste under http.tokens.
//
// Pure functions apart from the random token, so the output is tested without a server.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace vigil::ctl {

struct NewToken {
  std::string name;
  std::string role;
  std::string token;   // shown once, never stored
  std::string sha256;  // what the configuration holds
};

// A new random token for `name` with `role` (viewer, operator, admin). Fails naming the
// argument if the name is not a valid principal name or the role is unknown.
absl::StatusOr<NewToken> CreateToken(const std::string& name, const std::string& role);

// For people: the token, then the YAML lines for http.tokens and how to apply them.
std::string FormatNewToken(const NewToken& token);
// For scripts: {"name":..,"role":..,"token":..,"sha256":..}.
std::string FormatNewTokenJson(const NewToken& token);

}  // namespace vigil::ctl
