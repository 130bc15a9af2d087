// A real Vigil deployment on loopback for integration tests: a CA and certificates made
// by the vigilctl binary, vigil-collector processes, and vigil-agent processes, all in
// a private temp dir. Waiting is by polling with a deadline.
#pragma once

#include <map>
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

// How to start an agent (Cluster::StartAgent).
struct AgentSetup {
  std::string cert_dir;                 // where NAME.crt and NAME.key are; "" = CaDir()
  std::vector<std::string> collectors;  // addresses in failover order; empty = collector()'s
  std::string interval = "1s";
  std::string spool_yaml;            // indented lines added under `spool:`
  std::string extra_yaml;            // top-level keys
  std::vector<std::string> wrapper;  // argv the agent's command line is appended to
};

// How to start a collector (Cluster::StartCollector).
struct CollectorSetup {
  int port = 0;          // gRPC; 0 = any
  std::string tls_yaml;  // keys added to its `tls:` section ("  reload_interval: 1s\n")
  // Top-level keys added to its configuration. Unless they hold an `http:` section, the
  // HTTPS API listens on 127.0.0.1 at a port the kernel chooses.
  std::string extra_yaml;
};

class Cluster {
 public:
  // The collector most tests use; its data dir is "data", its log "collector.log".
  static constexpr const char* kCollector = "collector";

  Cluster();

  const TempDir& dir() const { return dir_; }
  // "ca" holds the deployment's CA; certificates are issued into it.
  std::string CaDir() const { return dir_.Path("ca"); }
  void IssueCertificate(const std::string& kind, const std::string& name,
                        const std::string& ca_dir = "") const;

  // Starts collector NAME on 127.0.0.1:port (0 = any) and waits until it listens.
  // Several may run at once; each has its own config, data dir and log (NAME.yaml,
  // NAME-data, NAME.log; kCollector's data dir is "data"). A restart keeps the data.
  // Its certificate is ca/localhost.crt (DNS:localhost, IP:127.0.0.1); `tls_yaml` adds
  // keys to its `tls:` section ("  reload_interval: 1s\n").
  void StartCollector(int port = 0, const std::string& name = kCollector,
                      const std::string& tls_yaml = "");
  void StartCollector(const CollectorSetup& setup, const std::string& name = kCollector);
  // Writes NAME.yaml for `setup` (what StartCollector does first; a test rewrites it
  // before a SIGHUP).
  void WriteCollectorConfig(const CollectorSetup& setup, const std::string& name = kCollector);
  void StopCollector(int signal, const std::string& name = kCollector);
  ChildProcess* collector(const std::string& name = kCollector);
  // host:port it listens on ("" before its first start).
  std::string collector_address(const std::string& name = kCollector) const;
  // The HTTPS API's host:port ("" if it is off or the collector never started).
  std::string collector_http_address(const std::string& name = kCollector) const;
  std::string collector_log(const std::string& name = kCollector) const {
    return dir_.Path(name + ".log");
  }

  // Writes an agent config for certificate NAME and starts it. Its spool is
  // SpoolDir(name), its log AgentLog(name) (appended to by every start).
  ChildProcess* StartAgent(const std::string& name, const AgentSetup& setup);
  // `spool_yaml` adds keys under `spool:` (indented lines), `extra_yaml` top-level keys.
  ChildProcess* StartAgent(const std::string& name, const std::string& cert_dir = "",
                           const std::string& extra_yaml = "", const std::string& spool_yaml = "");
  std::string SpoolDir(const std::string& name) const { return dir_.Path("spool-" + name); }
  std::string AgentConfigPath(const std::string& name) const {
    return dir_.Path("agent-" + name + ".yaml");
  }
  std::string AgentLog(const std::string& name) const {
    return dir_.Path("agent-" + name + ".log");
  }

  // vigilctl with the operator certificate "oncall" against collector `collector`.
  int Ctl(std::vector<std::string> args, std::string* output,
          const std::string& collector = kCollector) const;
  // vigilctl ... --json, parsed; fails the test on a non-zero exit.
  nlohmann::json CtlJson(std::vector<std::string> args,
                         const std::string& collector = kCollector) const;

 private:
  struct Collector {
    std::unique_ptr<ChildProcess> process;
    std::string address;
    std::string http_address;
  };

  TempDir dir_;
  std::map<std::string, Collector> collectors_;
  std::vector<std::unique_ptr<ChildProcess>> agents_;
};

}  // namespace vigil::testing
