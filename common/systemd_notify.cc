#include "common/systemd_notify.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/log.h"

namespace vigil::systemd {
namespace {

bool NotifySocketSet() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && socket[0] != '\0';
}

// Sends one message; the first failure is logged (a NOTIFY_SOCKET that cannot be
// reached will not get better), later ones are not.
void Send(const std::string& message) {
  // unset_environment = 0: the variables are needed for every later message.
  const int sent = sd_notify(0, message.c_str());
  if (sent >= 0) return;
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true)) {
    LogWarning("systemd: cannot send to NOTIFY_SOCKET (", std::strerror(-sent),
               "); notifications are dropped");
  }
}

std::string StatusAssignment(absl::string_view status) {
  return absl::StrCat("STATUS=", absl::StrReplaceAll(status, {{"\n", " "}}));
}

}  // namespace

void NotifyReady(absl::string_view status) {
  if (!NotifySocketSet()) return;
  Send(absl::StrCat("READY=1\n", StatusAssignment(status)));
}

void NotifyStatus(absl::string_view status) {
  if (!NotifySocketSet()) return;
  Send(StatusAssignment(status));
}

void NotifyReloading() {
  if (!NotifySocketSet()) return;
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1'000;
  Send(absl::StrCat("RELOADING=1\nMONOTONIC_USEC=", usec));
}

void NotifyStopping() {
  if (!NotifySocketSet()) return;
  Send("STOPPING=1");
}

absl::Duration WatchdogInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) <= 0 || usec == 0) {
    return absl::ZeroDuration();
  }
  return absl::Microseconds(static_cast<int64_t>(usec)) / 2;
}

void NotifyWatchdog() {
  if (!NotifySocketSet()) return;
  Send("WATCHDOG=1");
}

WatchdogPinger::WatchdogPinger(std::function<bool()> healthy, absl::Duration interval)
    : healthy_(std::move(healthy)), interval_(interval) {
  if (interval_ > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

WatchdogPinger::~WatchdogPinger() { Stop(); }

void WatchdogPinger::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void WatchdogPinger::Run() {
  bool was_healthy = true;
  do {
    const bool healthy = healthy_();
    if (healthy) NotifyWatchdog();
    if (healthy != was_healthy) {
      if (healthy) {
        LogInfo("watchdog: health check passes again; WATCHDOG=1 resumed");
      } else {
        LogError("watchdog: health check failed; WATCHDOG=1 withheld (systemd restarts ",
                 "the service unless the check passes again within WatchdogSec)");
      }
      was_healthy = healthy;
    }
  } while (!stop_.WaitForNotificationWithTimeout(interval_));
}

}  // namespace vigil::systemd
