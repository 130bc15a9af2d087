#include "agent/sources/security_options.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/config_node.h"
#include "common/status.h"

namespace vigil::agent {
namespace {

bool ParsePort(absl::string_view text, int* port) {
  return absl::SimpleAtoi(text, port) && *port >= 0 && *port <= 65535 && !text.empty() &&
         absl::ascii_isdigit(static_cast<unsigned char>(text[0]));
}

}  // namespace

absl::StatusOr<ListenAllowEntry> ParseListenAllowEntry(absl::string_view text) {
  ListenAllowEntry entry;
  entry.text = std::string(text);
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  const size_t space = rest.find_first_of(" \t");
  if (space != absl::string_view::npos) {
    const absl::string_view process = absl::StripAsciiWhitespace(rest.substr(space));
    if (process.find_first_of(" \t") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\": at most one process name after the port"));
    }
    if (process.size() > 15) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", text, "\": process name \"", process,
                       "\" is longer than 15 characters; the kernel's comm never is"));
    }
    entry.process = std::string(process);
    rest = rest.substr(0, space);
  }
  const size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" must be PROTO:[ADDRESS:]PORT [PROCESS], e.g. tcp:5432 or tcp:5432 postgres"));
  }
  entry.proto = absl::AsciiStrToLower(rest.substr(0, colon));
  if (entry.proto != "tcp" && entry.proto != "udp") {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": protocol must be tcp or udp, not \"", entry.proto, "\""));
  }
  rest.remove_prefix(colon + 1);
  const size_t last_colon = rest.rfind(':');
  absl::string_view port_text = rest;
  if (last_colon != absl::string_view::npos) {
    absl::string_view address = rest.substr(0, last_colon);
    port_text = rest.substr(last_colon + 1);
    unsigned char buffer[16];
    if (absl::ConsumePrefix(&address, "[")) {
      if (!absl::ConsumeSuffix(&address, "]") ||
          inet_pton(AF_INET6, std::string(address).c_str(), buffer) != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", text, "\": bad IPv6 address (write it in brackets: tcp:[::1]:5432)"));
      }
      char normal[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, buffer, normal, sizeof(normal));
      entry.address = normal;  // metrics show IPv6 addresses without brackets
    } else if (inet_pton(AF_INET, std::string(address).c_str(), buffer) == 1) {
      entry.address = std::string(address);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": bad address \"", address,
                                                     "\" (IPv4 like 127.0.0.1, IPv6 like [::1])"));
    }
  }
  const size_t dash = port_text.find('-');
  const absl::string_view low = port_text.substr(0, dash);
  const absl::string_view high = dash == absl::string_view::npos ? low : port_text.substr(dash + 1);
  if (!ParsePort(low, &entry.port_min) || !ParsePort(high, &entry.port_max) ||
      entry.port_min > entry.port_max) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": bad port \"", port_text,
                                                   "\" (0-65535, or a range like 32768-60999)"));
  }
  return entry;
}

bool ListenAllowed(const ListenAllowEntry& entry, absl::string_view proto,
                   absl::string_view address, int port, absl::string_view process) {
  return entry.proto == proto && port >= entry.port_min && port <= entry.port_max &&
         (entry.address.empty() || entry.address == address) &&
         (entry.process.empty() || entry.process == process);
}

absl::Status ParseSecurityOptions(const ConfigNode& node, SecurityOptions* out) {
  VIGIL_RETURN_IF_ERROR(node.CheckKeys({"listen_allowlist"}));
  VIGIL_ASSIGN_OR_RETURN(std::vector<ConfigNode> entries,
                         node.Child("listen_allowlist").Elements());
  for (const ConfigNode& element : entries) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, element.Scalar());
    absl::StatusOr<ListenAllowEntry> entry = ParseListenAllowEntry(text);
    if (!entry.ok()) return element.Error("", entry.status().message());
    out->listen_allowlist.push_back(*std::move(entry));
  }
  return absl::OkStatus();
}

}  // namespace vigil::agent
