// vigil-collector: receives samples from agents over mTLS gRPC, stores them in
// RocksDB and answers queries.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "collector/config.h"
#include "collector/server.h"
#include "common/daemon.h"
#include "common/file.h"
#include "common/log.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"Vigil collector: stores what the agents send and answers queries"};
  std::string config_path = "/etc/vigil/collector.yaml";
  bool check_only = false;
  std::string ready_file;
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.add_option("--ready-file", ready_file,
                 "once listening, write the bound host:port to this file");
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

  // Signals are taken by sigwait below, so block them before any thread starts.
  vigil::PrepareDaemonProcess();
  sigset_t signals = vigil::BlockTerminationSignals();

  absl::StatusOr<std::unique_ptr<vigil::collector::CollectorServer>> server =
      vigil::collector::CollectorServer::Start(*config, &vigil::Clock::Real());
  if (!server.ok()) {
    vigil::LogError("cannot start: ", server.status().message());
    return 1;
  }
  vigil::LogInfo("vigil-collector ", vigil::kVersion, " listening on ", (*server)->address(),
                 " (mTLS), data in ", config->data_dir);
  if (!ready_file.empty()) {
    absl::Status written = vigil::WriteFileAtomically(ready_file, (*server)->address() + "\n");
    if (!written.ok()) vigil::LogError("--ready-file: ", written.message());
  }
  int sig = 0;
  sigwait(&signals, &sig);
  vigil::LogInfo("received signal ", sig, ", shutting down");
  (*server)->Shutdown(absl::Seconds(5));
  vigil::LogInfo("stopped");
  return 0;
}
