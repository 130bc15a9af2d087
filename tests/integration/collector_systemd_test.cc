// The real vigil-collector under a stand-in for systemd: NOTIFY_SOCKET and WATCHDOG_USEC
// point at the test's socket, as systemd sets them for a Type=notify unit with
// WatchdogSec=. Ready, status, watchdog pings, SIGHUP reloads (broken and valid) and
// SIGTERM, each asserted on what arrives at the socket and in the log.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/cluster.h"
#include "tests/support/notify_socket.h"

namespace vigil::testing {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(30);

// The collector config Cluster::StartCollector writes, with `extra` appended.
void RewriteCollectorConfig(const Cluster& cluster, const std::string& extra) {
  const std::string address = cluster.collector_address();
  cluster.dir().WriteFile("collector.yaml", absl::StrCat("listen: ", address,
                                                         "\ndata_dir: data\n"
                                                         "tls:\n  ca: ca/ca.crt\n"
                                                         "  cert: ca/localhost.crt\n"
                                                         "  key: ca/localhost.key\n",
                                                         extra));
}

int CountLines(const std::string& log, absl::string_view needle) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, needle)) ++count;
  }
  return count;
}

// Sends SIGHUP and waits for the reload's RELOADING=1 and READY=1 (both from the
// collector); returns READY's STATUS.
std::string Reload(Cluster& cluster, NotifySocket& notify) {
  cluster.collector()->Signal(SIGHUP);
  std::optional<NotifyMessage> reloading = notify.WaitFor("RELOADING=1", kDeadline);
  REQUIRE(reloading.has_value());
  CHECK(reloading->sender == cluster.collector()->pid());
  CHECK(AssignmentValue(reloading->text, "MONOTONIC_USEC").has_value());
  std::optional<NotifyMessage> ready = notify.WaitFor("READY=1", kDeadline);
  REQUIRE(ready.has_value());
  CHECK(ready->sender == cluster.collector()->pid());
  return AssignmentValue(ready->text, "STATUS").value_or("");
}

TEST_CASE("vigil-collector notifies systemd: ready, status, watchdog, reload, stopping",
          "[integration]") {
  Cluster cluster;
  NotifySocket notify;
  ScopedEnv socket_env("NOTIFY_SOCKET", notify.path());
  ScopedEnv watchdog_env("WATCHDOG_USEC", "400000");  // WatchdogSec=400ms: a ping each 200 ms
  ScopedEnv watchdog_pid("WATCHDOG_PID", std::nullopt);
  cluster.StartCollector();
  const int pid = cluster.collector()->pid();

  // READY=1 once listening, with the status line.
  std::optional<NotifyMessage> ready = notify.WaitFor("READY=1", kDeadline);
  REQUIRE(ready.has_value());
  CHECK(ready->sender == pid);  // NotifyAccess=main accepts only the main process
  CHECK(AssignmentValue(ready->text, "STATUS") ==
        absl::StrCat("listening on ", cluster.collector_address(), ", https ",
                     cluster.collector_http_address(),
                     "; 0 agents connected; 0.0 samples/s stored"));

  // WATCHDOG=1 from the main process (its pinger thread), again and again.
  for (int i = 0; i < 3; ++i) {
    std::optional<NotifyMessage> ping = notify.WaitFor("WATCHDOG=1", kDeadline);
    REQUIRE(ping.has_value());
    CHECK(ping->sender == pid);
  }
  CHECK(absl::StrContains(cluster.collector()->Output(), "systemd watchdog: WATCHDOG=1 every"));

  // SIGHUP with a broken file: the error names file, line and key; nothing changes.
  RewriteCollectorConfig(cluster, "storage:\n  chunk_span: 7m\n");
  CHECK(absl::StartsWith(Reload(cluster, notify), "listening on "));
  std::string log = cluster.collector()->Output();
  INFO(log);
  CHECK(absl::StrContains(log, "ERROR collector: reload: "));
  CHECK(absl::StrContains(log, "collector.yaml:8: storage.chunk_span: must be a whole number"));
  CHECK(absl::StrContains(log, "keeping the running configuration"));
  REQUIRE(cluster.collector()->Running());
  std::string hosts;
  CHECK(cluster.Ctl({"hosts"}, &hosts) == 0);  // still serving

  // SIGHUP with a new log_level (and a key that needs a restart): applied at once.
  RewriteCollectorConfig(cluster, "query:\n  max_series: 500\nlog_level: error\n");
  Reload(cluster, notify);
  log = cluster.collector()->Output();
  CHECK(absl::StrContains(log, "reload: log_level: info -> error (applied)"));
  CHECK(absl::StrContains(
      log, "reload: query.max_series: 10000 -> 500 takes effect at the next restart"));
  // At level error the next reload's info lines are gone, its errors are not.
  const int info_before = CountLines(log, "INFO collector: received SIGHUP");
  CHECK(info_before == 2);
  RewriteCollectorConfig(cluster, "log_level: [error\n");
  Reload(cluster, notify);
  log = cluster.collector()->Output();
  CHECK(CountLines(log, "INFO collector: received SIGHUP") == info_before);
  CHECK(CountLines(log, "ERROR collector: reload: ") == 2);
  CHECK(cluster.Ctl({"hosts"}, &hosts) == 0);

  // SIGTERM: STOPPING=1, then a clean exit.
  cluster.collector()->Signal(SIGTERM);
  std::optional<NotifyMessage> stopping = notify.WaitFor("STOPPING=1", kDeadline);
  REQUIRE(stopping.has_value());
  CHECK(stopping->sender == pid);
  const int status = cluster.collector()->Wait(kDeadline);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("The status line is refreshed every 10 s with agents and the storage rate",
          "[integration]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-status-01");
  NotifySocket notify;
  ScopedEnv socket_env("NOTIFY_SOCKET", notify.path());
  cluster.StartCollector();
  REQUIRE(notify.WaitFor("READY=1", kDeadline).has_value());
  cluster.StartAgent("db-status-01");

  // A STATUS= alone (not READY's) is a refresh; the first after the agent's samples count.
  const std::string connected =
      absl::StrCat("listening on ", cluster.collector_address(), ", https ",
                   cluster.collector_http_address(), "; 1 agent connected; ");
  std::optional<std::string> status;
  const bool refreshed = WaitFor(
      [&] {
        std::optional<NotifyMessage> message = notify.Receive(absl::Seconds(1));
        if (!message.has_value() || HasAssignment(message->text, "READY=1")) return false;
        status = AssignmentValue(message->text, "STATUS");
        return status.has_value() && absl::StartsWith(*status, connected) &&
               !absl::StrContains(*status, "; 0.0 samples/s");
      },
      absl::Seconds(45));
  INFO(status.value_or("no status"));
  CHECK(refreshed);
  CHECK(absl::EndsWith(status.value_or(""), " samples/s stored"));
}

TEST_CASE("On the journal's stream, log lines carry syslog priorities instead of timestamps",
          "[integration]") {
  Cluster cluster;
  // systemd sets JOURNAL_STREAM to the device and inode of the stream it gave as stderr:
  // here the log file the collector's stderr goes to.
  cluster.dir().WriteFile("collector.log", "");
  struct stat st {};
  REQUIRE(stat(cluster.collector_log().c_str(), &st) == 0);
  ScopedEnv journal("JOURNAL_STREAM", absl::StrCat(st.st_dev, ":", st.st_ino));
  cluster.StartCollector();
  RewriteCollectorConfig(cluster, "log_level: loud\n");
  cluster.collector()->Signal(SIGHUP);
  REQUIRE(WaitFor(
      [&] { return absl::StrContains(cluster.collector()->Output(), "<3>collector: reload: "); },
      kDeadline));
  const std::string log = cluster.collector()->Output();
  INFO(log);
  CHECK(absl::StartsWith(log, "<6>collector: storage: opened "));
  CHECK(absl::StrContains(log, "\n<6>collector: vigil-collector "));
  CHECK_FALSE(absl::StrContains(log, " INFO "));
}

TEST_CASE("A JOURNAL_STREAM that is not our stderr (inherited, redirected) is ignored",
          "[integration]") {
  Cluster cluster;
  ScopedEnv journal("JOURNAL_STREAM", "1:1");
  cluster.StartCollector();
  const std::string log = cluster.collector()->Output();
  INFO(log);
  CHECK(absl::StrContains(log, " INFO collector: vigil-collector "));
  CHECK_FALSE(absl::StrContains(log, "<6>"));
}

}  // namespace
}  // namespace vigil::testing
