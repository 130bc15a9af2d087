#include "agent/sources/listen_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "agent/sources/security_options.h"
#include "common/config_node.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;
using testing::ValueOf;

std::string Fixture() { return vigil::testing::TestDataDir() + "/proc/security-host"; }

std::unique_ptr<Source> MakeSource(const std::string& proc_root,
                                   const std::vector<std::string>& allowlist) {
  SourceOptions options;
  options.proc_root = proc_root;
  for (const std::string& text : allowlist) {
    absl::StatusOr<ListenAllowEntry> entry = ParseListenAllowEntry(text);
    INFO(text << ": " << entry.status().message());
    REQUIRE(entry.ok());
    options.security.listen_allowlist.push_back(*entry);
  }
  absl::StatusOr<std::unique_ptr<Source>> source = CreateListenSocketsSource(options);
  REQUIRE(source.ok());
  return *std::move(source);
}

void Collect(Source& source, RecordingSink& sink) {
  sink.Clear();
  TickContext tick;
  tick.now = absl::Now();
  absl::Status status = source.Collect(tick, sink);
  INFO(status.message());
  REQUIRE(status.ok());
}

TEST_CASE("DecodeProcNetAddress reads IPv4, IPv6 and IPv4-mapped addresses", "[listen]") {
  CHECK(*DecodeProcNetAddress("0100007F") == "127.0.0.1");
  CHECK(*DecodeProcNetAddress("00000000") == "0.0.0.0");
  CHECK(*DecodeProcNetAddress("0A00000A") == "10.0.0.10");
  CHECK(*DecodeProcNetAddress("00000000000000000000000000000000") == "::");
  CHECK(*DecodeProcNetAddress("00000000000000000000000001000000") == "::1");
  CHECK(*DecodeProcNetAddress("0000000000000000FFFF00000100007F") == "127.0.0.1");
  CHECK(*DecodeProcNetAddress("B80D0120000000000000000001000000") == "2001:db8::1");
  CHECK_FALSE(DecodeProcNetAddress("0100007").ok());
  CHECK_FALSE(DecodeProcNetAddress("0100007G").ok());
}

TEST_CASE("ParseNetSockets reads real /proc/net/tcp6 and udp lines", "[listen]") {
  absl::StatusOr<std::string> tcp6 = ReadFile(Fixture() + "/net/tcp6");
  REQUIRE(tcp6.ok());
  absl::StatusOr<NetSocketTable> table = ParseNetSockets(*tcp6, /*ipv6=*/true);
  REQUIRE(table.ok());
  REQUIRE(table->sockets.size() == 3);
  CHECK(table->sockets[0].local_address == "::");
  CHECK(table->sockets[0].local_port == 1521);
  CHECK(table->sockets[0].state == 0x0A);
  CHECK(table->sockets[0].uid == 54);
  CHECK(table->sockets[0].inode == 20484);
  CHECK(table->sockets[0].remote_is_any);
  CHECK(table->sockets[1].local_address == "::1");
  CHECK(table->sockets[2].local_address == "127.0.0.1");  // ::ffff:127.0.0.1
  CHECK(table->sockets[2].local_port == 8080);
  CHECK(table->skipped.count == 0);

  absl::StatusOr<std::string> udp = ReadFile(Fixture() + "/net/udp");
  REQUIRE(udp.ok());
  table = ParseNetSockets(*udp, /*ipv6=*/false);
  REQUIRE(table.ok());
  REQUIRE(table->sockets.size() == 2);
  CHECK(table->sockets[0].local_port == 123);
  CHECK(table->sockets[0].state == 0x07);
  CHECK(table->sockets[0].remote_is_any);
  CHECK(table->sockets[1].local_address == "127.0.0.1");
  CHECK(table->sockets[1].local_port == 53);
  CHECK_FALSE(table->sockets[1].remote_is_any);  // connected
}

TEST_CASE("ParseNetSockets skips malformed lines and fails when none is valid", "[listen]") {
  const std::string header = "  sl  local_address rem_address   st ...\n";
  absl::StatusOr<NetSocketTable> table = ParseNetSockets(
      header +
          "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 1\n"
          "   1: 0000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 8 1\n",
      false);
  REQUIRE(table.ok());
  CHECK(table->sockets.size() == 1);
  CHECK(table->skipped.count == 1);
  CHECK(absl::StartsWith(table->skipped.first, "line 3:"));
  CHECK_FALSE(ParseNetSockets(header + "garbage\n", false).ok());
  CHECK(ParseNetSockets(header, false)->sockets.empty());  // no sockets at all is fine
}

TEST_CASE("SocketInodeOfLink reads socket fd links only", "[listen]") {
  CHECK(SocketInodeOfLink("socket:[20481]") == 20481);
  CHECK(SocketInodeOfLink("/dev/null") == 0);
  CHECK(SocketInodeOfLink("pipe:[123]") == 0);
  CHECK(SocketInodeOfLink("socket:[x]") == 0);
}

TEST_CASE("ParseListenAllowEntry reads protocol, address, port range and process", "[listen]") {
  absl::StatusOr<ListenAllowEntry> e = ParseListenAllowEntry("tcp:22");
  REQUIRE(e.ok());
  CHECK(e->proto == "tcp");
  CHECK(e->address.empty());
  CHECK(e->port_min == 22);
  CHECK(e->port_max == 22);
  CHECK(e->process.empty());

  e = ParseListenAllowEntry("tcp:127.0.0.1:25 master");
  REQUIRE(e.ok());
  CHECK(e->address == "127.0.0.1");
  CHECK(e->port_min == 25);
  CHECK(e->process == "master");

  e = ParseListenAllowEntry("TCP:[::1]:5432  postgres");
  REQUIRE(e.ok());
  CHECK(e->proto == "tcp");
  CHECK(e->address == "::1");
  CHECK(e->process == "postgres");

  e = ParseListenAllowEntry("udp:32768-60999");
  REQUIRE(e.ok());
  CHECK(e->port_min == 32768);
  CHECK(e->port_max == 60999);

  CHECK(ListenAllowed(*ParseListenAllowEntry("tcp:5432 postgres"), "tcp", "::", 5432, "postgres"));
  CHECK_FALSE(ListenAllowed(*ParseListenAllowEntry("tcp:5432 postgres"), "tcp", "::", 5432, "nc"));
  CHECK_FALSE(ListenAllowed(*ParseListenAllowEntry("tcp:5432"), "udp", "::", 5432, "postgres"));
  CHECK_FALSE(ListenAllowed(*ParseListenAllowEntry("tcp:127.0.0.1:25"), "tcp", "0.0.0.0", 25, "x"));
  CHECK(ListenAllowed(*ParseListenAllowEntry("udp:100-200"), "udp", "0.0.0.0", 123, "chronyd"));

  for (const char* bad :
       {"22", "sctp:22", "tcp:", "tcp:70000", "tcp:x", "tcp:300-200", "tcp:1.2.3:22", "tcp:::1:22",
        "tcp:22 a b", "tcp:-1", "tcp:22 a_process_name_too_long"}) {
    INFO(bad);
    CHECK_FALSE(ParseListenAllowEntry(bad).ok());
  }
}

TEST_CASE("the security section reports a bad allowlist entry with file and line", "[listen]") {
  absl::StatusOr<ConfigNode> root = ConfigNode::LoadString(
      "security:\n  listen_allowlist:\n    - tcp:22\n    - tcp:99999\n", "agent.yaml");
  REQUIRE(root.ok());
  SecurityOptions options;
  absl::Status status = ParseSecurityOptions(root->Child("security"), &options);
  REQUIRE_FALSE(status.ok());
  CHECK(absl::StartsWith(status.message(), "agent.yaml:4: security.listen_allowlist[1]: "));
  CHECK(absl::StrContains(status.message(), "bad port"));

  root = ConfigNode::LoadString("security:\n  listen_allowlists: []\n", "agent.yaml");
  REQUIRE(root.ok());
  CHECK_FALSE(ParseSecurityOptions(root->Child("security"), &options).ok());
}

TEST_CASE("listen_sockets maps a fixture tree's listeners to processes and the allowlist",
          "[listen]") {
  auto source = MakeSource(Fixture(), {"tcp:22", "tcp:127.0.0.1:25 master", "tcp:5432 postgres",
                                       "tcp:1521 tnslsnr", "udp:123 chronyd", "udp:2049"});
  RecordingSink sink;
  Collect(*source, sink);
  using L = std::map<std::string, std::string>;
  auto listener = [&](const char* proto, const char* address, const char* port,
                      const char* process) {
    return ValueOf(sink, "vigil_listen_socket",
                   L{{"proto", proto}, {"address", address}, {"port", port}, {"process", process}});
  };
  CHECK(listener("tcp", "0.0.0.0", "22", "sshd") == 1);
  CHECK(listener("tcp", "127.0.0.1", "25", "master") == 1);
  CHECK(listener("tcp", "0.0.0.0", "5432", "postgres") == 1);
  CHECK(listener("tcp", "::1", "5432", "postgres") == 1);
  CHECK(listener("tcp", "::", "1521", "tnslsnr") == 1);
  CHECK(listener("tcp", "127.0.0.1", "8080", "unknown") == 1);
  CHECK(listener("udp", "0.0.0.0", "123", "chronyd") == 1);
  CHECK(listener("udp", "::", "2049", "kernel") == 1);
  CHECK(sink.Count("vigil_listen_socket") == 8);  // no connections, no connected UDP
  CHECK(sink.Find("vigil_listen_sockets", {{"proto", "tcp"}}) == 6);
  CHECK(sink.Find("vigil_listen_sockets", {{"proto", "udp"}}) == 2);
  CHECK(ValueOf(sink, "vigil_listen_socket_allowed", L{{"port", "8080"}}) == 0);
  CHECK(ValueOf(sink, "vigil_listen_socket_allowed", L{{"port", "25"}}) == 1);
  CHECK(sink.Find("vigil_listen_sockets_unexpected") == 1);
  CHECK(sink.Find("vigil_listen_sockets_unresolved") == 1);
  CHECK(sink.events().empty());  // the first run is the baseline
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("listen_sockets without an allowlist inventories and flags nothing", "[listen]") {
  auto source = MakeSource(Fixture(), {});
  RecordingSink sink;
  Collect(*source, sink);
  CHECK(sink.Count("vigil_listen_socket") == 8);
  CHECK(sink.Count("vigil_listen_socket_allowed") == 0);
  CHECK(sink.Find("vigil_listen_sockets_unexpected") == 0);
}

TEST_CASE("listen_sockets reports new and closed listeners of a fixture tree as events",
          "[listen]") {
  vigil::testing::TempDir dir;
  const std::string root = dir.Path("proc");
  std::filesystem::copy(
      Fixture(), root,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  auto source = MakeSource(root, {"tcp:22", "tcp:5432 postgres"});
  RecordingSink sink;
  Collect(*source, sink);
  REQUIRE(sink.events().empty());

  // A new listener on 3306 held by pid 700 "mysqld"; sshd's listener closes.
  std::string tcp = *ReadFile(root + "/net/tcp");
  tcp.replace(tcp.find("00000000:0016 00000000:0000 0A"), 30, "00000000:0CEA 00000000:0000 0A");
  tcp.replace(tcp.find(" 20481 "), 7, " 20999 ");
  REQUIRE(WriteFileAtomically(root + "/net/tcp", tcp).ok());
  std::filesystem::create_directories(root + "/700/fd");
  REQUIRE(WriteFileAtomically(root + "/700/comm", "mysqld\n").ok());
  std::filesystem::create_symlink("socket:[20999]", root + "/700/fd/12");
  Collect(*source, sink);
  REQUIRE(sink.EventsOf("listener_new").size() == 1);
  const Event added = sink.EventsOf("listener_new")[0];
  CHECK(added.severity == EventSeverity::kWarning);
  CHECK(added.message ==
        "new listening tcp socket 0.0.0.0:3306 (process mysqld, pid 700), not in "
        "security.listen_allowlist");
  REQUIRE(sink.EventsOf("listener_gone").size() == 1);
  CHECK(sink.EventsOf("listener_gone")[0].message ==
        "listening tcp socket 0.0.0.0:22 closed (was process sshd, pid 100)");
  CHECK(sink.Find("vigil_listen_socket_events_total", {{"kind", "listener_new"}}) == 1);
  CHECK(sink.Find("vigil_listen_socket_events_total", {{"kind", "listener_gone"}}) == 1);

  // Nothing changed: no events, and no fd walk is needed (the owners are cached).
  std::filesystem::remove_all(root + "/700");
  Collect(*source, sink);
  CHECK(sink.events().empty());
  CHECK(ValueOf(sink, "vigil_listen_socket", {{"port", "3306"}, {"process", "mysqld"}}) == 1);
}

// --- the real /proc ---

int BoundSocket(int type, uint16_t* port) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  *port = ntohs(address.sin_port);
  return fd;
}

TEST_CASE("listen_sockets finds this process's own listeners on the real /proc", "[listen]") {
  const std::string comm(absl::StripTrailingAsciiWhitespace(*ReadFile("/proc/self/comm")));
  uint16_t tcp_port = 0, udp_port = 0, flagged_port = 0, allowed_port = 0;
  const int tcp = BoundSocket(SOCK_STREAM, &tcp_port);
  REQUIRE(listen(tcp, 4) == 0);
  const int udp = BoundSocket(SOCK_DGRAM, &udp_port);
  const int flagged = BoundSocket(SOCK_STREAM, &flagged_port);  // bound, not yet listening
  const int allowed = BoundSocket(SOCK_STREAM, &allowed_port);

  auto source = MakeSource("/proc", {absl::StrCat("tcp:127.0.0.1:", allowed_port, " ", comm)});
  RecordingSink sink;
  Collect(*source, sink);
  using L = std::map<std::string, std::string>;
  const std::string tcp_text = absl::StrCat(tcp_port);
  const std::string udp_text = absl::StrCat(udp_port);
  CHECK(ValueOf(
            sink, "vigil_listen_socket",
            L{{"proto", "tcp"}, {"address", "127.0.0.1"}, {"port", tcp_text}, {"process", comm}}) ==
        1);
  CHECK(ValueOf(
            sink, "vigil_listen_socket",
            L{{"proto", "udp"}, {"address", "127.0.0.1"}, {"port", udp_text}, {"process", comm}}) ==
        1);
  CHECK(ValueOf(sink, "vigil_listen_socket_allowed", L{{"proto", "tcp"}, {"port", tcp_text}}) == 0);
  CHECK_FALSE(ValueOf(sink, "vigil_listen_socket", L{{"port", absl::StrCat(flagged_port)}}));

  REQUIRE(listen(flagged, 4) == 0);
  REQUIRE(listen(allowed, 4) == 0);
  Collect(*source, sink);
  std::map<std::string, Event> mine;  // other processes on the host may open listeners too
  for (const Event& e : sink.EventsOf("listener_new")) {
    for (const auto& [name, value] : e.labels) {
      if (name == "port") mine[value] = e;
    }
  }
  REQUIRE(mine.contains(absl::StrCat(flagged_port)));
  const Event& f = mine[absl::StrCat(flagged_port)];
  CHECK(f.severity == EventSeverity::kWarning);
  CHECK(f.message == absl::StrCat("new listening tcp socket 127.0.0.1:", flagged_port, " (process ",
                                  comm, ", pid ", getpid(), "), not in security.listen_allowlist"));
  REQUIRE(mine.contains(absl::StrCat(allowed_port)));
  const Event& a = mine[absl::StrCat(allowed_port)];
  CHECK(a.severity == EventSeverity::kInfo);
  CHECK(absl::StrContains(a.message, "allowed by \"tcp:127.0.0.1:"));
  CHECK(ValueOf(sink, "vigil_listen_socket_allowed", L{{"port", absl::StrCat(allowed_port)}}) == 1);

  close(tcp);
  Collect(*source, sink);
  bool gone = false;
  for (const Event& e : sink.EventsOf("listener_gone")) {
    gone |= absl::StrContains(e.message, absl::StrCat("127.0.0.1:", tcp_port, " closed"));
  }
  CHECK(gone);
  close(udp);
  close(flagged);
  close(allowed);
}

}  // namespace
}  // namespace vigil::agent
