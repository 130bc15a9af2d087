// Events end to end: a real agent sees something happen on this host (a new listening
// socket), sends the event with its batch, the real collector keeps it, and vigilctl
// and the HTTPS API show it by host, kind and time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "tests/integration/cluster.h"
#include "tests/integration/https_client.h"

namespace vigil::testing {
namespace {

// A TCP socket listening on 127.0.0.1 at a port the kernel chooses; closed on scope exit.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd_, 1) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The listener_new events of host `host` for `port`, from `vigilctl events --json`.
std::vector<nlohmann::json> NewListenerEvents(const Cluster& cluster, const std::string& host,
                                              int port) {
  nlohmann::json listed =
      cluster.CtlJson({"events", "--host", host, "--kind", "listener_new", "--since", "10m"});
  std::vector<nlohmann::json> found;
  for (const nlohmann::json& e : listed.value("events", nlohmann::json::array())) {
    const std::string message = e["event"].value("message", "");
    if (message.find(absl::StrCat(":", port, " ")) != std::string::npos) found.push_back(e);
  }
  return found;
}

TEST_CASE("a new listening socket on the agent's host becomes an event vigilctl and the API show",
          "[integration][events]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-events");
  cluster.StartCollector();
  AgentSetup setup;
  setup.extra_yaml =
      "sources: [listen_sockets, loadavg]\n"
      "intervals: {listen_sockets: 1s}\n"
      "security:\n"
      "  listen_allowlist: [\"tcp:22\"]\n";
  cluster.StartAgent("db-events", setup);
  // The agent's first scan is its baseline: wait until its metrics arrive.
  REQUIRE(WaitFor(
      [&] {
        nlohmann::json r =
            cluster.CtlJson({"samples", "vigil_listen_sockets_unexpected{instance=\"db-events\"}",
                             "--since", "1m"});
        return r["data"]["result"].size() == 1;
      },
      absl::Seconds(30)));

  Listener listener;
  std::vector<nlohmann::json> events;
  REQUIRE(WaitFor(
      [&] {
        events = NewListenerEvents(cluster, "db-events", listener.port());
        return !events.empty();
      },
      absl::Seconds(30)));
  REQUIRE(events.size() == 1);
  CHECK(events[0]["host"] == "db-events");
  CHECK(events[0]["event"]["severity"] == "warning");  // not in the allowlist
  CHECK(events[0]["event"]["message"].get<std::string>().find(absl::StrCat("pid ", getpid())) !=
        std::string::npos);

  // Another host's events are not this host's.
  nlohmann::json other = cluster.CtlJson({"events", "--host", "db-none", "--since", "10m"});
  CHECK(other.value("events", nlohmann::json::array()).empty());

  // The table form names the event too.
  std::string table;
  REQUIRE(cluster.Ctl({"events", "--host", "db-events", "--kind", "listener_new"}, &table) == 0);
  CHECK(table.find("listener_new") != std::string::npos);
  CHECK(table.find(absl::StrCat(":", listener.port())) != std::string::npos);

  // GET /api/v1/events answers the same to a viewer.
  HttpsClient https(cluster.collector_http_address(), cluster.CaDir() + "/ca.crt",
                    cluster.CaDir() + "/oncall.crt", cluster.CaDir() + "/oncall.key");
  HttpsReply reply =
      https.Get("/api/v1/events",
                {{"host", "db-events"}, {"kind", "listener_new"}, {"min_severity", "warning"}});
  REQUIRE(reply.status == 200);
  nlohmann::json body = reply.Json();
  REQUIRE(body["status"] == "success");
  bool seen = false;
  for (const nlohmann::json& e : body["data"]["events"]) {
    seen |= e["message"].get<std::string>().find(absl::StrCat(":", listener.port(), " ")) !=
            std::string::npos;
    CHECK(e["host"] == "db-events");
    CHECK(e["kind"] == "listener_new");
  }
  CHECK(seen);
  CHECK(https.Get("/api/v1/events", {{"min_severity", "fatal"}}).status == 400);
}

}  // namespace
}  // namespace vigil::testing
