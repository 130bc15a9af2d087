// A real vigil-collector process for the end-to-end benchmarks: its own temporary
// directory, a CA with certificates for the collector, an operator and N agents, a
// config on loopback with a kernel-chosen port, started and waited for by its ready
// file, killable with SIGKILL and restartable on the same data.
//
// Not thread-safe; owned by one benchmark run.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/stats.h"
#include "common/child_process.h"

namespace vigil::bench {

class BenchCollector {
 public:
  // Creates the working directory (WorkDir: `dir`, or a temporary one removed at the end
  // unless `keep_dir`), the CA and certificates
  // for `agents` agents named AgentName(i). A query may select `query_max_series` series
  // (0: twice max_series_per_agent).
  static absl::StatusOr<std::unique_ptr<BenchCollector>> Create(const std::string& dir, int agents,
                                                                size_t max_series_per_agent,
                                                                bool keep_dir,
                                                                size_t query_max_series = 0);
  ~BenchCollector();

  static std::string AgentName(int i);

  // Appends `yaml` (top-level sections, e.g. `alerting:`) to the collector's config;
  // call before Start.
  absl::Status AppendConfig(const std::string& yaml);
  // The working directory (certificates, config, data, logs).
  const std::string& dir() const { return dir_; }

  // Starts the collector and waits until it serves; returns how long that took.
  absl::StatusOr<absl::Duration> Start();
  void Kill();       // SIGKILL, then reap
  void Terminate();  // SIGTERM, wait for a clean exit

  const std::string& address() const { return address_; }
  int pid() const { return process_ ? process_->pid() : -1; }
  std::string Log() const { return process_ ? process_->Output() : ""; }
  // A channel of its own (own TCP connection and TLS session) for agent `i`, or for the
  // operator when i < 0.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(int i) const;

  // CPU seconds (user + system) the collector process has used, from /proc/PID/stat.
  double CpuSeconds() const;
  // Its resident set size in bytes, from /proc/PID/status.
  uint64_t RssBytes() const;

 private:
  explicit BenchCollector(WorkDir work) : work_(std::move(work)), dir_(work_.path()) {}
  WorkDir work_;  // outlives the process below (members are destroyed in reverse order)
  const std::string dir_;
  std::string config_;  // what config_path_ holds
  std::string config_path_;
  std::string ready_path_;
  std::string address_;
  std::unique_ptr<ChildProcess> process_;
  int restarts_ = 0;
};

}  // namespace vigil::bench
