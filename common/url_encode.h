// Percent-encoding of URL query values (RFC 3986: everything but the unreserved
// characters A-Z a-z 0-9 - . _ ~ is encoded, as %XX in upper case). Used for signed
// acknowledge links, SMS gateway templates, DingTalk signatures and test clients.
//
// Thread-safe (a pure function).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace vigil {

std::string PercentEncode(absl::string_view text);

}  // namespace vigil
