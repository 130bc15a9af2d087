#include "agent/sources/listen_sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agent/sources/proc_file.h"
#include "agent/sources/security_options.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr int kTcpListen = 0x0A;
constexpr int kTcpClose = 0x07;  // an unconnected UDP socket
constexpr size_t kMaxEventsPerRun = 100;

bool ParseHex32(absl::string_view hex, uint32_t* out) {
  if (hex.size() != 8) return false;
  uint32_t value = 0;
  for (char c : hex) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<uint32_t>(c - 'A' + 10);
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<uint32_t>(c - 'a' + 10);
    } else {
      return false;
    }
  }
  *out = value;
  return true;
}

// "ADDR:PORT" with a hex address and a hex port.
bool ParseEndpoint(absl::string_view text, std::string* address, int* port, bool* is_any) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) return false;
  absl::StatusOr<std::string> decoded = DecodeProcNetAddress(text.substr(0, colon));
  if (!decoded.ok()) return false;
  const absl::string_view port_hex = text.substr(colon + 1);
  if (port_hex.empty() || port_hex.size() > 4) return false;
  uint32_t value = 0;
  if (!ParseHex32(std::string(8 - port_hex.size(), '0') + std::string(port_hex), &value)) {
    return false;
  }
  *port = static_cast<int>(value);
  *is_any = text.substr(0, colon).find_first_not_of('0') == absl::string_view::npos;
  *address = *std::move(decoded);
  return true;
}

// A listener as reported: one per (proto, address, port), whatever the number of
// sockets behind it (SO_REUSEPORT, IPv4 and IPv6 twins have different addresses).
struct Listener {
  std::string proto;
  std::string address;
  int port = 0;
  std::vector<uint64_t> inodes;
  int pid = 0;             // 0: not found
  std::string process;     // comm; "kernel" for inode 0; "" if not found
  bool allowed = true;     // without an allowlist everything is
  std::string allowed_by;  // the entry that allows it
};

std::string ListenerKey(absl::string_view proto, absl::string_view address, int port) {
  return absl::StrCat(proto, " ", address, " ", port);
}

std::string Endpoint(const Listener& l) {
  return l.address.find(':') != std::string::npos ? absl::StrCat("[", l.address, "]:", l.port)
                                                  : absl::StrCat(l.address, ":", l.port);
}

std::string Owner(const Listener& l) {
  if (l.pid > 0) return absl::StrCat("process ", l.process, ", pid ", l.pid);
  if (l.process == "kernel") return "owned by the kernel";
  return "process unknown";
}

struct OwnerInfo {
  int pid = 0;
  std::string comm;
};

class ListenSocketsSource : public Source {
 public:
  ListenSocketsSource(std::string proc_root, std::vector<ListenAllowEntry> allowlist)
      : proc_root_(std::move(proc_root)), allowlist_(std::move(allowlist)) {
    for (const char* name : {"tcp", "tcp6", "udp", "udp6"}) {
      files_.emplace_back(absl::StrCat(proc_root_, "/net/", name));
    }
  }

  absl::string_view name() const override { return "listen_sockets"; }

  absl::Status Collect(const TickContext& tick, SampleSink& sink) override {
    std::map<std::string, Listener> listeners;  // sorted: stable series order
    for (size_t i = 0; i < files_.size(); ++i) {
      const bool tcp = i < 2;
      const bool ipv6 = i % 2 == 1;
      absl::StatusOr<NetSocketTable> table = files_[i].ReadAndParse(
          ipv6 ? +[](absl::string_view t) { return ParseNetSockets(t, true); }
               : +[](absl::string_view t) { return ParseNetSockets(t, false); });
      if (!table.ok()) {
        // No tcp6/udp6 when IPv6 is disabled; the IPv4 tables must exist.
        if (ipv6 && absl::IsNotFound(table.status())) continue;
        return table.status();
      }
      for (const NetSocket& s : table->sockets) {
        if (tcp ? s.state != kTcpListen : (s.state != kTcpClose || !s.remote_is_any)) continue;
        const char* proto = tcp ? "tcp" : "udp";
        Listener& l = listeners[ListenerKey(proto, s.local_address, s.local_port)];
        l.proto = proto;
        l.address = s.local_address;
        l.port = s.local_port;
        l.inodes.push_back(s.inode);
      }
    }
    ResolveOwners(&listeners);

    size_t unexpected = 0;
    size_t unresolved = 0;
    size_t series = 0;
    std::map<std::string, size_t> per_proto = {{"tcp", 0}, {"udp", 0}};
    for (auto& [key, l] : listeners) {
      if (!allowlist_.empty()) {
        l.allowed = false;
        for (const ListenAllowEntry& entry : allowlist_) {
          if (ListenAllowed(entry, l.proto, l.address, l.port, l.process)) {
            l.allowed = true;
            l.allowed_by = entry.text;
            break;
          }
        }
      }
      unexpected += l.allowed ? 0 : 1;
      unresolved += l.process.empty() ? 1 : 0;
      ++per_proto[l.proto];
      if (series++ >= kMaxListenerSeries) continue;
      const std::string port = absl::StrCat(l.port);
      const absl::string_view process =
          l.process.empty() ? absl::string_view("unknown") : absl::string_view(l.process);
      const LabelPair labels[] = {
          {"proto", l.proto}, {"address", l.address}, {"port", port}, {"process", process}};
      sink.Add("vigil_listen_socket", labels, 1);
      if (!allowlist_.empty()) sink.Add("vigil_listen_socket_allowed", labels, l.allowed ? 1 : 0);
    }
    for (const auto& [proto, count] : per_proto) {
      sink.Add("vigil_listen_sockets", {{"proto", proto}}, static_cast<double>(count));
    }
    sink.Add("vigil_listen_sockets_unexpected", {}, static_cast<double>(unexpected));
    sink.Add("vigil_listen_sockets_unresolved", {}, static_cast<double>(unresolved));

    if (has_baseline_) EmitEvents(tick, listeners, sink);
    has_baseline_ = true;
    previous_ = std::move(listeners);
    for (const char* kind : {"listener_new", "listener_gone"}) {
      sink.Add("vigil_listen_socket_events_total", {{"kind", kind}},
               static_cast<double>(events_total_[kind]));
    }
    sink.Add("vigil_listen_socket_events_dropped_total", {}, static_cast<double>(events_dropped_));
    return absl::OkStatus();
  }

 private:
  void EmitEvents(const TickContext& tick, const std::map<std::string, Listener>& now,
                  SampleSink& sink) {
    size_t emitted = 0;
    auto emit = [&](Event event) {
      ++events_total_[event.kind];
      if (emitted++ >= kMaxEventsPerRun) {
        ++events_dropped_;
        return;
      }
      sink.AddEvent(std::move(event));
    };
    for (const auto& [key, l] : now) {
      if (previous_.contains(key)) continue;
      Event event;
      event.time = tick.now;
      event.kind = "listener_new";
      event.severity = l.allowed ? EventSeverity::kInfo : EventSeverity::kWarning;
      event.labels = {{"proto", l.proto}, {"port", absl::StrCat(l.port)}};
      event.message =
          absl::StrCat("new listening ", l.proto, " socket ", Endpoint(l), " (", Owner(l), ")");
      if (!allowlist_.empty()) {
        absl::StrAppend(&event.message, l.allowed
                                            ? absl::StrCat(", allowed by \"", l.allowed_by, "\"")
                                            : ", not in security.listen_allowlist");
      }
      emit(std::move(event));
    }
    for (const auto& [key, l] : previous_) {
      if (now.contains(key)) continue;
      Event event;
      event.time = tick.now;
      event.kind = "listener_gone";
      event.severity = EventSeverity::kInfo;
      event.labels = {{"proto", l.proto}, {"port", absl::StrCat(l.port)}};
      event.message = absl::StrCat("listening ", l.proto, " socket ", Endpoint(l), " closed (was ",
                                   Owner(l), ")");
      emit(std::move(event));
    }
  }

  // Fills pid and process of every listener: from the cache, else by walking the fd
  // tables (see "Cost" in the header).
  void ResolveOwners(std::map<std::string, Listener>* listeners) {
    absl::flat_hash_set<uint64_t> live;
    absl::flat_hash_set<uint64_t> wanted;
    for (auto& [key, l] : *listeners) {
      for (uint64_t inode : l.inodes) live.insert(inode);
      if (std::find(l.inodes.begin(), l.inodes.end(), 0) != l.inodes.end()) continue;
      bool known = false;
      for (uint64_t inode : l.inodes) known |= owners_.contains(inode);
      if (!known) wanted.insert(l.inodes.begin(), l.inodes.end());
    }
    absl::erase_if(owners_, [&](const auto& entry) { return !live.contains(entry.first); });
    bool walk = false;
    for (uint64_t inode : wanted) walk |= !unresolved_.contains(inode);
    if (walk) {
      WalkFdTables(wanted);
      unresolved_.clear();
      for (uint64_t inode : wanted) {
        if (!owners_.contains(inode)) unresolved_.insert(inode);
      }
    }
    for (auto& [key, l] : *listeners) {
      for (uint64_t inode : l.inodes) {
        if (inode == 0) {
          l.process = "kernel";  // e.g. nfsd, rpc: no process holds the socket
          break;
        }
        auto it = owners_.find(inode);
        if (it == owners_.end()) continue;
        if (l.pid == 0 || it->second.pid < l.pid) {
          l.pid = it->second.pid;
          l.process = it->second.comm;
        }
      }
    }
  }

  void WalkFdTables(absl::flat_hash_set<uint64_t> wanted) {
    DIR* proc = opendir(proc_root_.c_str());
    if (proc == nullptr) {
      LogWarning("listen_sockets: cannot list ", proc_root_, ": ", std::strerror(errno));
      return;
    }
    size_t denied = 0;
    while (!wanted.empty()) {
      const dirent* entry = readdir(proc);
      if (entry == nullptr) break;
      int pid = 0;
      if (!absl::SimpleAtoi(entry->d_name, &pid) || pid <= 0) continue;
      const std::string fd_dir = absl::StrCat(proc_root_, "/", entry->d_name, "/fd");
      DIR* fds = opendir(fd_dir.c_str());
      if (fds == nullptr) {
        if (errno == EACCES || errno == EPERM) ++denied;
        continue;  // ENOENT: the process exited
      }
      while (const dirent* fd = readdir(fds)) {
        if (fd->d_name[0] == '.') continue;
        char target[64];
        const ssize_t n = readlinkat(dirfd(fds), fd->d_name, target, sizeof(target));
        if (n <= 0 || static_cast<size_t>(n) >= sizeof(target)) continue;
        const uint64_t inode = SocketInodeOfLink(absl::string_view(target, static_cast<size_t>(n)));
        if (inode == 0 || !wanted.contains(inode)) continue;
        wanted.erase(inode);
        OwnerInfo& owner = owners_[inode];
        owner.pid = pid;
        absl::StatusOr<std::string> comm =
            ReadFile(absl::StrCat(proc_root_, "/", entry->d_name, "/comm"), 256);
        owner.comm = comm.ok() ? std::string(absl::StripTrailingAsciiWhitespace(*comm)) : "";
        if (owner.comm.empty()) owner.comm = "unknown";
      }
      closedir(fds);
    }
    closedir(proc);
    if (!wanted.empty() && denied > 0 && !warned_denied_) {
      warned_denied_ = true;
      LogWarning("listen_sockets: the owner of ", wanted.size(),
                 " listening sockets was not found; the fd tables of ", denied, " processes under ",
                 proc_root_,
                 " were not readable (the agent needs CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE)");
    }
  }

  const std::string proc_root_;
  const std::vector<ListenAllowEntry> allowlist_;
  std::vector<ProcFile> files_;                      // tcp, tcp6, udp, udp6
  absl::flat_hash_map<uint64_t, OwnerInfo> owners_;  // by socket inode
  absl::flat_hash_set<uint64_t> unresolved_;         // not found by the last walk
  std::map<std::string, Listener> previous_;
  bool has_baseline_ = false;
  bool warned_denied_ = false;
  std::map<std::string, uint64_t> events_total_;
  uint64_t events_dropped_ = 0;
};

}  // namespace

absl::StatusOr<std::string> DecodeProcNetAddress(absl::string_view hex) {
  if (hex.size() != 8 && hex.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat("bad address \"", hex, "\""));
  }
  uint32_t words[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < hex.size() / 8; ++i) {
    if (!ParseHex32(hex.substr(i * 8, 8), &words[i])) {
      return absl::InvalidArgumentError(absl::StrCat("bad address \"", hex, "\""));
    }
  }
  unsigned char bytes[16];
  std::memcpy(bytes, words, sizeof(bytes));  // each word is in host byte order
  char text[INET6_ADDRSTRLEN];
  if (hex.size() == 8) {
    inet_ntop(AF_INET, bytes, text, sizeof(text));
    return std::string(text);
  }
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    inet_ntop(AF_INET, bytes + 12, text, sizeof(text));
    return std::string(text);
  }
  inet_ntop(AF_INET6, bytes, text, sizeof(text));
  return std::string(text);
}

uint64_t SocketInodeOfLink(absl::string_view link) {
  if (!absl::ConsumePrefix(&link, "socket:[") || !absl::ConsumeSuffix(&link, "]")) return 0;
  uint64_t inode = 0;
  return absl::SimpleAtoi(link, &inode) ? inode : 0;
}

absl::StatusOr<NetSocketTable> ParseNetSockets(absl::string_view text, bool ipv6) {
  NetSocketTable table;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (line_number == 1 || absl::StripAsciiWhitespace(line).empty()) continue;  // header
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() < 10) {
      table.skipped.Add(line_number, "fewer than 10 fields");
      continue;
    }
    NetSocket s;
    bool remote_any = false;
    int remote_port = 0;
    std::string remote;
    uint32_t state = 0;
    const size_t address_hex = ipv6 ? 32 : 8;
    if (f[1].find(':') != address_hex || f[2].find(':') != address_hex ||
        !ParseEndpoint(f[1], &s.local_address, &s.local_port, &remote_any) ||
        !ParseEndpoint(f[2], &remote, &remote_port, &remote_any) || f[3].size() != 2 ||
        !ParseHex32(absl::StrCat("000000", f[3]), &state) || !absl::SimpleAtoi(f[7], &s.uid) ||
        !absl::SimpleAtoi(f[9], &s.inode)) {
      table.skipped.Add(line_number, "bad address, state, uid or inode");
      continue;
    }
    s.remote_is_any = remote_any && remote_port == 0;
    s.state = static_cast<int>(state);
    table.sockets.push_back(std::move(s));
  }
  if (line_number > 0 && table.sockets.empty() && table.skipped.count > 0) {
    return absl::InvalidArgumentError(absl::StrCat("no valid lines; ", table.skipped.first));
  }
  return table;
}

absl::StatusOr<std::unique_ptr<Source>> CreateListenSocketsSource(const SourceOptions& options) {
  return std::make_unique<ListenSocketsSource>(options.proc_root,
                                               options.security.listen_allowlist);
}

}  // namespace vigil::agent
