// The daemons' side of systemd's service notification protocol (sd_notify(3)), over
// libsystemd: a unit with Type=notify learns when the daemon is ready, reloading or
// stopping, shows its STATUS line in `systemctl status`, and with WatchdogSec= restarts
// a daemon that stops sending WATCHDOG=1.
//
// Every function is a no-op when NOTIFY_SOCKET is unset (not started by systemd, or a
// unit without Type=notify), so callers never check. Sending is best-effort: a message
// that cannot be sent is dropped (systemd then notices by itself: a start timeout, a
// watchdog timeout), never reported to the caller.
//
// Thread-safe: any thread may call any function (each sends one datagram; systemd
// accepts them from every thread of the main process with NotifyAccess=main).
#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace vigil::systemd {

// READY=1 with a STATUS line: start-up is complete (systemd now starts the units ordered
// after this one), or a reload announced by NotifyReloading() is complete.
void NotifyReady(absl::string_view status);

// STATUS=...: one line of free text shown by `systemctl status`. Newlines in `status`
// are sent as spaces (a newline would start another assignment).
void NotifyStatus(absl::string_view status);

// RELOADING=1 (with MONOTONIC_USEC, which systemd 253+ requires): the configuration is
// being re-read. Send NotifyReady() when done, whether or not the new one was taken.
void NotifyReloading();

// STOPPING=1: shutdown has begun.
void NotifyStopping();

// How often to send WATCHDOG=1: half of the unit's WatchdogSec= (from WATCHDOG_USEC, if
// WATCHDOG_PID is unset or this process; see sd_watchdog_enabled(3)). Zero when the
// watchdog is off.
absl::Duration WatchdogInterval();

// WATCHDOG=1: this process is alive and well.
void NotifyWatchdog();

// Sends WATCHDOG=1 every `interval` from a thread of its own, but only while the health
// check passes, so that a daemon whose real work is stuck (a hung loop, broken storage)
// is killed and restarted by systemd instead of answering pings from a healthy thread.
//
// `healthy` runs on the pinger's thread, once per interval; it must be thread-safe with
// respect to what it inspects, return quickly, and not call Stop(). A failing check is
// logged when it starts failing and when it passes again.
//
// With a zero interval (the default when the watchdog is off) no thread is started and
// nothing is sent. Owns its thread; Stop() or the destructor ends it promptly (within
// the time one health check takes), not at the next interval. Thread-safe.
class WatchdogPinger {
 public:
  explicit WatchdogPinger(std::function<bool()> healthy,
                          absl::Duration interval = WatchdogInterval());
  ~WatchdogPinger();
  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

  absl::Duration interval() const { return interval_; }

  // Ends the thread and waits for it. Idempotent; safe from any thread but the pinger's.
  void Stop();

 private:
  void Run();

  const std::function<bool()> healthy_;
  const absl::Duration interval_;
  absl::Notification stop_;
  absl::Mutex stop_mu_;  // serializes Stop()
  // Last: started after the members it uses. Not joinable when the interval is zero.
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace vigil::systemd
