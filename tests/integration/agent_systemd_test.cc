// vigil-agent under a (test) service manager: what vigil-agent.service relies on.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/cluster.h"
#include "tests/support/notify_socket.h"
#include "tests/support/process.h"

namespace vigil::testing {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(30);

TEST_CASE("vigil-agent notifies systemd: ready, status, watchdog, reload, stopping",
          "[integration]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-notify");
  cluster.StartCollector();
  NotifySocket notify;
  ScopedEnv socket_env("NOTIFY_SOCKET", notify.path());
  ScopedEnv watchdog_env("WATCHDOG_USEC", "1000000");  // a ping every 500 ms
  ScopedEnv watchdog_pid("WATCHDOG_PID", std::nullopt);
  ChildProcess* agent = cluster.StartAgent("db-notify");
  const int pid = agent->pid();

  std::optional<NotifyMessage> ready = notify.WaitFor("READY=1", kDeadline);
  REQUIRE(ready.has_value());
  CHECK(ready->sender == pid);
  REQUIRE(AssignmentValue(ready->text, "STATUS").has_value());
  for (int i = 0; i < 3; ++i) {
    std::optional<NotifyMessage> ping = notify.WaitFor("WATCHDOG=1", kDeadline);
    REQUIRE(ping.has_value());
    CHECK(ping->sender == pid);
  }
  // The status line says where the data goes once the stream is up.
  bool streaming = false;
  REQUIRE(WaitFor(
      [&] {
        std::optional<NotifyMessage> m = notify.Receive(absl::Seconds(1));
        if (m.has_value()) {
          std::optional<std::string> status = AssignmentValue(m->text, "STATUS");
          streaming = status.has_value() && absl::StartsWith(*status, "streaming to ");
        }
        return streaming;
      },
      kDeadline));

  // SIGHUP: RELOADING=1, then READY=1 again; the agent keeps running.
  notify.Drain();
  agent->Signal(SIGHUP);
  REQUIRE(notify.WaitFor("RELOADING=1", kDeadline).has_value());
  REQUIRE(notify.WaitFor("READY=1", kDeadline).has_value());
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "reloaded "); }, kDeadline));
  CHECK(agent->Running());

  agent->Signal(SIGTERM);
  std::optional<NotifyMessage> stopping = notify.WaitFor("STOPPING=1", kDeadline);
  REQUIRE(stopping.has_value());
  CHECK(stopping->sender == pid);
  const int status = agent->Wait(kDeadline);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace vigil::testing
