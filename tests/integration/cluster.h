// A real Vigil deployment on loopback for integration tests: a CA and certificates made
// by the vigilctl binary, a vigil-collector process, and vigil-agent processes, all in
// a private temp dir. Waiting is by polling with a deadline.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace vigil::testing {

// Path of a built binary (build/bin/NAME).
std::string Binary(const std::string& name);

// Runs vigilctl with `args`; returns its exit status and fills `output` (stdout+stderr).
int RunVigilctl(const std::vector<std::string>& args, std::string* output);

// Asks the kernel for a free loopback TCP port.
int FreePort();

class Cluster {
 public:
  Cluster();

  const TempDir& dir() const { return dir_; }
  // "ca" holds the deployment's CA; certificates are issued into it.
  std::string CaDir() const { return dir_.Path("ca"); }
  void IssueCertificate(const std::string& kind, const std::string& name,
                        const std::string& ca_dir = "") const;

  // Starts the collector on 127.0.0.1:port (0 = any) and waits until it listens. Its
  // certificate is ca/localhost.crt (DNS:localhost, IP:127.0.0.1); `tls_yaml` adds keys
  // to its `tls:` section ("  reload_interval: 1s\n").
  void StartCollector(int port = 0, const std::string& tls_yaml = "");
  void StopCollector(int signal);
  ChildProcess* collector() { return collector_.get(); }
  const std::string& collector_address() const { return collector_address_; }
  std::string collector_log() const { return dir_.Path("collector.log"); }

  // Writes an agent config for certificate NAME (in cert_dir, default CaDir()) and starts
  // it. Its spool is SpoolDir(name); `spool_yaml` adds keys under `spool:` (indented
  // lines), `extra_yaml` top-level keys.
  ChildProcess* StartAgent(const std::string& name, const std::string& cert_dir = "",
                           const std::string& extra_yaml = "", const std::string& spool_yaml = "");
  std::string SpoolDir(const std::string& name) const { return dir_.Path("spool-" + name); }
  std::string AgentConfigPath(const std::string& name) const {
    return dir_.Path("agent-" + name + ".yaml");
  }

  // vigilctl with the operator certificate "oncall" and this collector.
  int Ctl(std::vector<std::string> args, std::string* output) const;
  // vigilctl ... --json, parsed; fails the test on a non-zero exit.
  nlohmann::json CtlJson(std::vector<std::string> args) const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> collector_;
  std::string collector_address_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
};

}  // namespace vigil::testing
