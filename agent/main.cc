// vigil-agent: samples this host and its databases and streams the samples to the
// collector over mutually authenticated TLS.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "agent/agent.h"
#include "agent/config.h"
#include "common/daemon.h"
#include "common/labels.h"
#include "common/log.h"
#include "common/sample_value.h"
#include "common/systemd_notify.h"
#include "common/time_parse.h"
#include "common/tls.h"
#include "common/version.h"

namespace {

// Prints samples in the Prometheus text format, for --once.
class PrintingSink : public vigil::agent::SampleSink {
 public:
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const vigil::agent::LabelPair> labels,
           double value) override {
    std::vector<vigil::agent::LabelPair> sorted(labels.begin(), labels.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    std::string line(metric);
    if (!sorted.empty()) {
      line += '{';
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i > 0) line += ',';
        absl::StrAppend(&line, sorted[i].name, "=\"", vigil::EscapeLabelValue(sorted[i].value),
                        "\"");
      }
      line += '}';
    }
    absl::StrAppend(&line, " ", vigil::FormatSampleValue(value), "\n");
    std::cout << line;
  }
  // Events as comments, so the output stays valid Prometheus text.
  void AddEvent(vigil::agent::Event event) override {
    std::string labels;
    for (const auto& [name, value] : event.labels) {
      absl::StrAppend(&labels, labels.empty() ? "" : ",", name, "=\"",
                      vigil::EscapeLabelValue(value), "\"");
    }
    std::string text = absl::StrReplaceAll(event.message, {{"\n", "\\n"}});
    std::cout << "# EVENT " << vigil::FormatTimestamp(event.time) << " " << event.kind << " "
              << vigil::agent::EventSeverityName(event.severity) << " {" << labels << "} " << text
              << "\n";
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Vigil agent: samples this host and its databases for the Vigil collector"};
  std::string config_path = "/etc/vigil/agent.yaml";
  bool check_only = false;
  bool once = false;
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.add_flag("--once", once,
               "sample every source once, print the samples (Prometheus text format) and exit");
  app.set_version_flag("--version", vigil::kVersion);
  CLI11_PARSE(app, argc, argv);

  vigil::SetLogComponent("agent");
  absl::StatusOr<vigil::agent::AgentConfig> config = vigil::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "vigil-agent: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    absl::StatusOr<vigil::TlsMaterial> tls = vigil::LoadTlsMaterial(config->link.tls);
    if (!tls.ok()) {
      std::cerr << "vigil-agent: " << config_path << ": tls: " << tls.status().message() << "\n";
      return 2;
    }
    std::cout << config_path << ": OK\n";
    return 0;
  }
  vigil::SetLogLevel(config->log_level);
  vigil::RouteGrpcLogs();

  if (!once) {
    // A missing or unreadable certificate is a configuration error, reported now.
    absl::StatusOr<vigil::TlsMaterial> tls = vigil::LoadTlsMaterial(config->link.tls);
    if (!tls.ok()) {
      vigil::LogError("cannot start: tls: ", tls.status().message());
      return 2;
    }
  }

  vigil::PrepareDaemonProcess();
  // Signals are taken by the loop below (SIGTERM/SIGINT stop, SIGHUP reloads), so block
  // them before any thread starts.
  sigset_t signals = vigil::BlockTerminationAndReloadSignals();

  absl::StatusOr<std::unique_ptr<vigil::agent::Agent>> created = vigil::agent::Agent::Create(
      *config, &vigil::Clock::Real(),
      once ? vigil::agent::AgentMode::kOnce : vigil::agent::AgentMode::kDaemon);
  if (!created.ok()) {
    vigil::LogError("cannot start: ", created.status().message());
    return 1;
  }
  vigil::agent::Agent& agent = **created;
  if (once) {
    PrintingSink sink;
    agent.SampleOnce(&sink);
    return 0;
  }
  vigil::LogInfo("vigil-agent ", vigil::kVersion, " sampling every ",
                 absl::FormatDuration(config->interval), ", sending to ",
                 absl::StrJoin(config->link.addresses, ", "), "; spool in ",
                 config->outbox.spool.dir);
  std::thread run([&agent] { agent.Run(); });

  // systemd (Type=notify): ready once sampling runs (the collector may be away: the
  // spool keeps everything); a status line every 10 s; WATCHDOG=1 while ticks happen.
  // All no-ops outside systemd.
  vigil::systemd::NotifyReady(agent.StatusLine());
  vigil::systemd::WatchdogPinger watchdog([&agent] { return agent.Healthy(); });
  constexpr absl::Duration kStatusPeriod = absl::Seconds(10);
  int sig = 0;
  while (sig != SIGTERM && sig != SIGINT) {
    const timespec wait = absl::ToTimespec(kStatusPeriod);
    sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGHUP) {
      vigil::systemd::NotifyReloading();
      absl::StatusOr<vigil::agent::AgentConfig> fresh = vigil::agent::LoadAgentConfig(config_path);
      absl::Status reloaded = fresh.status();
      if (fresh.ok()) {
        // New certificate paths must work before the running ones are given up.
        absl::StatusOr<vigil::TlsMaterial> tls = vigil::LoadTlsMaterial(fresh->link.tls);
        reloaded = tls.ok() ? agent.Reload(*fresh)
                            : absl::InvalidArgumentError(
                                  absl::StrCat(config_path, ": tls: ", tls.status().message()));
      }
      if (reloaded.ok()) {
        vigil::LogInfo("reloaded ", config_path);
      } else {
        vigil::LogError("reload failed, keeping the running configuration: ", reloaded.message());
      }
      vigil::systemd::NotifyReady(agent.StatusLine());
    } else if (sig < 0) {
      vigil::systemd::NotifyStatus(agent.StatusLine());
    }
  }
  vigil::LogInfo("received signal ", sig, ", stopping");
  vigil::systemd::NotifyStopping();
  watchdog.Stop();
  agent.Stop();
  run.join();
  vigil::LogInfo("stopped");
  return 0;
}
