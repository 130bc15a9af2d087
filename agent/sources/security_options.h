// The `security:` section of agent.yaml: which listening sockets are expected on the
// host (the listen_sockets source flags the others). Absent or empty allowlist: the
// source only inventories listeners and flags none.
//
// Allowlist entry syntax, one string per list element:
//     PROTO:[ADDRESS:]PORT[-PORT] [PROCESS]
//   PROTO    tcp or udp (IPv4 and IPv6 alike)
//   ADDRESS  optional; the exact local address the socket is bound to: 127.0.0.1,
//            0.0.0.0 (all IPv4), [::1], [::] (all IPv6; the metrics show IPv6
//            addresses without the brackets). An
//            IPv4-mapped IPv6 address is shown, and matched, as IPv4. Without it any
//            address matches.
//   PORT     a port, or a range 32768-60999
//   PROCESS  optional, after a space; the owning process's name (comm, at most 15
//            characters, as `ps -o comm` shows it). Without it any process matches.
// Examples: "tcp:22", "tcp:5432 postgres", "tcp:127.0.0.1:25 master", "udp:123 chronyd",
// "tcp:[::1]:5432".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vigil {
class ConfigNode;
}

namespace vigil::agent {

struct ListenAllowEntry {
  std::string proto;    // "tcp" or "udp"
  std::string address;  // "" = any; IPv6 without brackets, in inet_ntop form
  int port_min = 0;
  int port_max = 0;
  std::string process;  // "" = any
  std::string text;     // the entry as written, for messages
};

struct SecurityOptions {
  std::vector<ListenAllowEntry> listen_allowlist;
};

// Parses one allowlist entry; the error says what is wrong (without file or line).
absl::StatusOr<ListenAllowEntry> ParseListenAllowEntry(absl::string_view text);

// Whether `entry` allows a listener.
bool ListenAllowed(const ListenAllowEntry& entry, absl::string_view proto,
                   absl::string_view address, int port, absl::string_view process);

// Parses the `security:` section; every error names the file, line and key.
absl::Status ParseSecurityOptions(const ConfigNode& node, SecurityOptions* out);

}  // namespace vigil::agent
