// vigil-collector: receives samples from agents over mTLS gRPC, stores them in
// RocksDB and answers queries. SIGTERM/SIGINT stop it, SIGHUP reloads the
// configuration; under systemd it speaks sd_notify (Type=notify, WatchdogSec).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/config.h"
#include "collector/reload.h"
#include "collector/server.h"
#include "collector/status_line.h"
#include "common/daemon.h"
#include "common/file.h"
#include "common/log.h"
#include "common/systemd_notify.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"Vigil collector: stores what the agents send and answers queries"};
  std::string config_path = "/etc/vigil/collector.yaml";
  bool check_only = false;
  std::string ready_file;
  std::string http_ready_file;
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.add_option("--ready-file", ready_file,
                 "once listening, write the bound host:port to this file");
  app.add_option("--http-ready-file", http_ready_file,
                 "once listening, write the HTTPS API's bound host:port to this file");
  app.set_version_flag("--version", vigil::kVersion);
  CLI11_PARSE(app, argc, argv);

  vigil::SetLogComponent("collector");
  absl::StatusOr<vigil::collector::CollectorConfig> config =
      vigil::collector::LoadCollectorConfig(config_path);
  if (!config.ok()) {
    std::cerr << "vigil-collector: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    absl::StatusOr<vigil::TlsMaterial> tls = vigil::LoadTlsMaterial(config->tls);
    if (!tls.ok()) {
      std::cerr << "vigil-collector: " << config_path << ": tls: " << tls.status().message()
                << "\n";
      return 2;
    }
    std::cout << config_path << ": OK\n";
    return 0;
  }
  vigil::SetLogLevel(config->log_level);
  vigil::RouteGrpcLogs();

  // Signals are taken by sigtimedwait below, so block them before any thread starts.
  vigil::PrepareDaemonProcess();
  const sigset_t signals = vigil::BlockTerminationAndReloadSignals();

  absl::StatusOr<std::unique_ptr<vigil::collector::CollectorServer>> server =
      vigil::collector::CollectorServer::Start(*config, &vigil::Clock::Real());
  if (!server.ok()) {
    vigil::LogError("cannot start: ", server.status().message());
    return 1;
  }
  vigil::collector::CollectorServer& collector = **server;
  const std::string http_address = collector.http_address();
  vigil::LogInfo("vigil-collector ", vigil::kVersion, " listening on ", collector.address(),
                 " (mTLS)",
                 http_address.empty() ? " (HTTPS API off)"
                                      : absl::StrCat(", HTTPS API on https://", http_address),
                 ", data in ", config->data_dir, ", audit log ", config->audit_file);
  if (!http_ready_file.empty() && !http_address.empty()) {
    absl::Status written = vigil::WriteFileAtomically(http_ready_file, http_address + "\n");
    if (!written.ok()) vigil::LogError("--http-ready-file: ", written.message());
  }
  if (!ready_file.empty()) {
    absl::Status written = vigil::WriteFileAtomically(ready_file, collector.address() + "\n");
    if (!written.ok()) vigil::LogError("--ready-file: ", written.message());
  }

  // systemd (Type=notify): ready now; a status line every 10 s; WATCHDOG=1 while the
  // storage does its work. All no-ops outside systemd. Monotonic time: a clock step
  // neither stops the status line nor skews its rate.
  using vigil::collector::MonotonicNow;
  vigil::collector::StatusLine status(
      http_address.empty() ? collector.address()
                           : absl::StrCat(collector.address(), ", https ", http_address),
      collector.SamplesStored(), MonotonicNow());
  auto status_now = [&] {
    return status.Update(MonotonicNow(), collector.ConnectedAgents(), collector.SamplesStored(),
                         collector.AuditWriteErrors());
  };
  vigil::systemd::NotifyReady(status_now());
  vigil::systemd::WatchdogPinger watchdog([&collector] {
    absl::Status health = collector.CheckHealth();
    if (!health.ok()) vigil::LogError("health: ", health.message());
    return health.ok();
  });
  if (watchdog.interval() > absl::ZeroDuration()) {
    vigil::LogInfo("systemd watchdog: WATCHDOG=1 every ", absl::FormatDuration(watchdog.interval()),
                   " while storage is healthy");
  }

  constexpr absl::Duration kStatusPeriod = absl::Seconds(10);
  absl::Time next_status = MonotonicNow() + kStatusPeriod;
  int sig = 0;
  while (sig != SIGTERM && sig != SIGINT) {
    const timespec wait =
        absl::ToTimespec(std::max(next_status - MonotonicNow(), absl::ZeroDuration()));
    sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGHUP) {
      vigil::LogInfo("received SIGHUP, reloading ", config_path);
      vigil::systemd::NotifyReloading();
      (void)collector.ReloadOnSignal();
      vigil::systemd::NotifyReady(status_now());
    } else if (sig < 0 && MonotonicNow() >= next_status) {
      vigil::systemd::NotifyStatus(status_now());
      next_status = MonotonicNow() + kStatusPeriod;
    }
  }
  vigil::LogInfo("received signal ", sig, ", shutting down");
  vigil::systemd::NotifyStopping();
  vigil::systemd::NotifyStatus("shutting down");
  watchdog.Stop();  // its health check reads the server
  collector.Shutdown(absl::Seconds(5));
  vigil::LogInfo("stopped");
  return 0;
}
