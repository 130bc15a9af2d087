// The "listen_sockets" source: the host's listening TCP sockets and bound UDP sockets,
// from <proc_root>/net/{tcp,tcp6,udp,udp6}, each with the process that owns it, checked
// against the `security: listen_allowlist` (security_options.h). Quarterly inspection
// requirement R9: no listener on a database server that nobody expects.
//
// Metrics (one series per listener, at most kMaxListenerSeries):
//   vigil_listen_socket{proto,address,port,process} 1
//   vigil_listen_socket_allowed{proto,address,port,process} 1/0 (only with an allowlist)
//   vigil_listen_sockets{proto}              listeners per protocol (all, uncapped)
//   vigil_listen_sockets_unexpected          listeners the allowlist does not allow
//                                            (0 without an allowlist: inventory only)
//   vigil_listen_sockets_unresolved          listeners whose process was not found
//   vigil_listen_socket_events_total{kind}   listener_new / listener_gone events
//   vigil_listen_socket_events_dropped_total events over kMaxEventsPerRun
// Events: listener_new (warning if not allowed, info if allowed) and listener_gone
// (info), from the second run on: the first run after start is the baseline.
//
// Cost. /proc/net/tcp lists every TCP socket, connections included, so the source runs
// every 30 s by default (agent.yaml `intervals:`). Finding a socket's process means
// reading the fd links of every process (/proc/<pid>/fd/* -> "socket:[inode]"); that
// walk runs only when a listener appears whose inode is not known yet, stops as soon
// as every new inode is found, and is not repeated for inodes it could not find (a
// socket owned by another container, or by the kernel) until the set of such inodes
// changes. In production the agent has CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE to read
// other users' fd tables; processes it may not read, or that exit mid-walk, are skipped.
//
// Threading: the agent's sampling thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

inline constexpr size_t kMaxListenerSeries = 500;

// One line of /proc/net/{tcp,tcp6,udp,udp6}.
struct NetSocket {
  std::string local_address;  // inet_ntop form; IPv4-mapped IPv6 shown as IPv4
  int local_port = 0;
  bool remote_is_any = false;  // remote address and port are zero
  int state = 0;               // 0x0A = TCP_LISTEN, 0x07 = TCP_CLOSE (unconnected UDP)
  int uid = 0;
  uint64_t inode = 0;
};

struct NetSocketTable {
  std::vector<NetSocket> sockets;
  SkippedLines skipped;
};

// Parses /proc/net/tcp or udp (`ipv6` false: 8 hex digits per address) or tcp6/udp6
// (32). Addresses are printed by the kernel as 32-bit words in host byte order; the
// parser assumes the host that wrote the text is the one reading it.
absl::StatusOr<NetSocketTable> ParseNetSockets(absl::string_view text, bool ipv6);
// Decodes one hex address from /proc/net ("0100007F" -> "127.0.0.1").
absl::StatusOr<std::string> DecodeProcNetAddress(absl::string_view hex);
// "socket:[12345]" -> 12345; 0 for anything else.
uint64_t SocketInodeOfLink(absl::string_view link);

absl::StatusOr<std::unique_ptr<Source>> CreateListenSocketsSource(const SourceOptions& options);

}  // namespace vigil::agent
