// common/systemd_notify against a real AF_UNIX datagram socket standing in for systemd:
// what arrives, from which pid, and when the watchdog pinger sends and withholds.
#include "common/systemd_notify.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/notify_socket.h"
#include "tests/support/process.h"

namespace vigil::systemd {
namespace {

using testing::AssignmentValue;
using testing::HasAssignment;
using testing::NotifyMessage;
using testing::NotifySocket;
using testing::ScopedEnv;

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string Next(NotifySocket& socket) {
  std::optional<NotifyMessage> message = socket.Receive(kDeadline);
  REQUIRE(message.has_value());
  CHECK(message->sender == getpid());  // what NotifyAccess=main accepts
  return message->text;
}

TEST_CASE("Without NOTIFY_SOCKET nothing is sent and the watchdog is off") {
  ScopedEnv no_socket("NOTIFY_SOCKET", std::nullopt);
  ScopedEnv no_watchdog("WATCHDOG_USEC", std::nullopt);
  NotifyReady("ready");
  NotifyStatus("status");
  NotifyReloading();
  NotifyWatchdog();
  NotifyStopping();
  CHECK(WatchdogInterval() == absl::ZeroDuration());
  WatchdogPinger pinger([] { return true; });
  CHECK(pinger.interval() == absl::ZeroDuration());
}

TEST_CASE("Each notification is one datagram of systemd's assignments") {
  NotifySocket socket;
  ScopedEnv env("NOTIFY_SOCKET", socket.path());

  NotifyReady("listening on 127.0.0.1:7070");
  CHECK(Next(socket) == "READY=1\nSTATUS=listening on 127.0.0.1:7070");

  NotifyStatus("two\nlines");  // a newline would start another assignment
  CHECK(Next(socket) == "STATUS=two lines");

  timespec before{};
  clock_gettime(CLOCK_MONOTONIC, &before);
  NotifyReloading();
  const std::string reloading = Next(socket);
  CHECK(HasAssignment(reloading, "RELOADING=1"));
  std::optional<std::string> usec_text = AssignmentValue(reloading, "MONOTONIC_USEC");
  REQUIRE(usec_text.has_value());
  uint64_t usec = 0;
  REQUIRE(absl::SimpleAtoi(*usec_text, &usec));
  const uint64_t before_usec = static_cast<uint64_t>(before.tv_sec) * 1'000'000 +
                               static_cast<uint64_t>(before.tv_nsec) / 1'000;
  CHECK(usec >= before_usec);
  CHECK(usec < before_usec + 10'000'000);

  NotifyWatchdog();
  CHECK(Next(socket) == "WATCHDOG=1");
  NotifyStopping();
  CHECK(Next(socket) == "STOPPING=1");
  CHECK(socket.Drain() == 0);
}

TEST_CASE("The watchdog interval is half of WATCHDOG_USEC, for this process only") {
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  {
    ScopedEnv pid("WATCHDOG_PID", std::nullopt);
    CHECK(WatchdogInterval() == absl::Seconds(15));
  }
  {
    ScopedEnv pid("WATCHDOG_PID", absl::StrCat(getpid()));
    CHECK(WatchdogInterval() == absl::Seconds(15));
  }
  {
    // Inherited from a parent that systemd watches: not ours to answer.
    ScopedEnv pid("WATCHDOG_PID", absl::StrCat(getppid()));
    CHECK(WatchdogInterval() == absl::ZeroDuration());
  }
  {
    ScopedEnv bad("WATCHDOG_USEC", "soon");
    CHECK(WatchdogInterval() == absl::ZeroDuration());
  }
}

TEST_CASE("The pinger sends WATCHDOG=1 only while the health check passes") {
  NotifySocket socket;
  ScopedEnv env("NOTIFY_SOCKET", socket.path());
  std::atomic<bool> healthy{true};
  std::atomic<int> checks{0};
  WatchdogPinger pinger(
      [&] {
        ++checks;
        return healthy.load();
      },
      absl::Milliseconds(10));

  REQUIRE(socket.WaitFor("WATCHDOG=1", kDeadline).has_value());
  REQUIRE(socket.WaitFor("WATCHDOG=1", kDeadline).has_value());

  healthy = false;
  // A check that began before the switch may still ping; once the next one has begun,
  // that ping is queued, so drain it.
  const int switched_at = checks.load();
  REQUIRE(testing::WaitFor([&] { return checks.load() >= switched_at + 1; }, kDeadline));
  socket.Drain();
  const int drained_at = checks.load();
  REQUIRE(testing::WaitFor([&] { return checks.load() >= drained_at + 3; }, kDeadline));
  CHECK_FALSE(socket.Receive(absl::ZeroDuration()).has_value());

  healthy = true;
  CHECK(socket.WaitFor("WATCHDOG=1", kDeadline).has_value());
}

TEST_CASE("The pinger stops at once, not at its next interval") {
  NotifySocket socket;
  ScopedEnv env("NOTIFY_SOCKET", socket.path());
  auto pinger = std::make_unique<WatchdogPinger>([] { return true; }, absl::Hours(1));
  // The first ping goes out at start.
  REQUIRE(socket.WaitFor("WATCHDOG=1", kDeadline).has_value());

  const absl::Time started = absl::Now();
  pinger->Stop();
  pinger->Stop();  // idempotent
  pinger.reset();  // and the destructor after Stop
  CHECK(absl::Now() - started < absl::Seconds(5));

  // The destructor alone stops it too.
  const absl::Time again = absl::Now();
  {
    WatchdogPinger scoped([] { return true; }, absl::Hours(1));
  }
  CHECK(absl::Now() - again < absl::Seconds(5));
}

TEST_CASE("With WATCHDOG_USEC the pinger takes half of it by default") {
  NotifySocket socket;
  ScopedEnv env("NOTIFY_SOCKET", socket.path());
  ScopedEnv usec("WATCHDOG_USEC", "200000");
  ScopedEnv pid("WATCHDOG_PID", std::nullopt);
  WatchdogPinger pinger([] { return true; });
  CHECK(pinger.interval() == absl::Milliseconds(100));
  std::optional<NotifyMessage> ping = socket.WaitFor("WATCHDOG=1", kDeadline);
  REQUIRE(ping.has_value());
  CHECK(ping->sender == getpid());
}

}  // namespace
}  // namespace vigil::systemd
