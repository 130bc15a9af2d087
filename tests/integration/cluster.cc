#include "tests/integration/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vigil::testing {

std::string Binary(const std::string& name) { return std::string(VIGIL_BIN_DIR) + "/" + name; }

int RunVigilctl(const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> argv = {Binary("vigilctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  const int status = RunCommand(argv, output);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

Cluster::Cluster() {
  std::string out;
  REQUIRE(RunVigilctl({"certs", "init-ca", "--dir", CaDir()}, &out) == 0);
  IssueCertificate("operator", "oncall");
  std::string collector_out;
  REQUIRE(RunVigilctl({"certs", "issue", "--dir", CaDir(), "--kind", "collector", "--name",
                       "localhost", "--san", "IP:127.0.0.1"},
                      &collector_out) == 0);
}

void Cluster::IssueCertificate(const std::string& kind, const std::string& name,
                               const std::string& ca_dir) const {
  std::string out;
  const int rc = RunVigilctl({"certs", "issue", "--dir", ca_dir.empty() ? CaDir() : ca_dir,
                              "--kind", kind, "--name", name},
                             &out);
  INFO(out);
  REQUIRE(rc == 0);
}

void Cluster::StartCollector(int port, const std::string& name, const std::string& tls_yaml) {
  CollectorSetup setup;
  setup.port = port;
  setup.tls_yaml = tls_yaml;
  StartCollector(setup, name);
}

void Cluster::WriteCollectorConfig(const CollectorSetup& setup, const std::string& name) {
  const bool is_default = name == kCollector;
  const bool has_http =
      absl::StartsWith(setup.extra_yaml, "http:") || absl::StrContains(setup.extra_yaml, "\nhttp:");
  dir_.WriteFile(name + ".yaml",
                 absl::StrCat("listen: 127.0.0.1:", setup.port,
                              "\ndata_dir: ", is_default ? "data" : name + "-data",
                              "\ntls:\n  ca: ca/ca.crt\n"
                              "  cert: ca/localhost.crt\n"
                              "  key: ca/localhost.key\n",
                              setup.tls_yaml, has_http ? "" : "http:\n  listen: 127.0.0.1:0\n",
                              setup.extra_yaml));
}

void Cluster::StartCollector(const CollectorSetup& setup, const std::string& name) {
  WriteCollectorConfig(setup, name);
  const std::string config = dir_.Path(name + ".yaml");
  const std::string ready = dir_.Path(name + ".ready");
  const std::string http_ready = dir_.Path(name + ".http-ready");
  std::filesystem::remove(ready);
  std::filesystem::remove(http_ready);
  Collector& c = collectors_[name];
  c.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{Binary("vigil-collector"), "--config", config, "--ready-file", ready,
                               "--http-ready-file", http_ready},
      collector_log(name));
  const bool up = WaitFor([&] { return std::filesystem::exists(ready) || !c.process->Running(); },
                          absl::Seconds(30));
  INFO(c.process->Output());
  REQUIRE(up);
  REQUIRE(c.process->Running());
  std::ifstream in(ready);
  std::getline(in, c.address);
  REQUIRE(!c.address.empty());
  // The HTTPS address is written before the gRPC one, so it is there by now (if on).
  c.http_address.clear();
  std::ifstream http_in(http_ready);
  if (http_in) std::getline(http_in, c.http_address);
}

void Cluster::StopCollector(int signal, const std::string& name) {
  ChildProcess* process = collector(name);
  REQUIRE(process != nullptr);
  process->Signal(signal);
  REQUIRE(process->Wait(absl::Seconds(20)) != -1);
}

ChildProcess* Cluster::collector(const std::string& name) {
  auto it = collectors_.find(name);
  return it == collectors_.end() ? nullptr : it->second.process.get();
}

std::string Cluster::collector_address(const std::string& name) const {
  auto it = collectors_.find(name);
  return it == collectors_.end() ? "" : it->second.address;
}

std::string Cluster::collector_http_address(const std::string& name) const {
  auto it = collectors_.find(name);
  return it == collectors_.end() ? "" : it->second.http_address;
}

ChildProcess* Cluster::StartAgent(const std::string& name, const AgentSetup& setup) {
  const std::string certs = setup.cert_dir.empty() ? CaDir() : setup.cert_dir;
  std::string collector = "collector:\n";
  if (setup.collectors.empty()) {
    absl::StrAppend(&collector, "  address: ", collector_address(), "\n");
  } else {
    absl::StrAppend(&collector, "  addresses: [", absl::StrJoin(setup.collectors, ", "), "]\n");
  }
  dir_.WriteFile(
      "agent-" + name + ".yaml",
      absl::StrCat(collector, "tls:\n  ca: ", CaDir(), "/ca.crt\n  cert: ", certs, "/", name,
                   ".crt\n  key: ", certs, "/", name, ".key\ninterval: ", setup.interval,
                   "\nspool:\n  dir: ", SpoolDir(name), "\n", setup.spool_yaml, setup.extra_yaml));
  std::vector<std::string> argv = setup.wrapper;
  for (const std::string& arg :
       {Binary("vigil-agent"), std::string("--config"), AgentConfigPath(name)}) {
    argv.push_back(arg);
  }
  agents_.push_back(std::make_unique<ChildProcess>(std::move(argv), AgentLog(name)));
  return agents_.back().get();
}

ChildProcess* Cluster::StartAgent(const std::string& name, const std::string& cert_dir,
                                  const std::string& extra_yaml, const std::string& spool_yaml) {
  AgentSetup setup;
  setup.cert_dir = cert_dir;
  setup.extra_yaml = extra_yaml;
  setup.spool_yaml = spool_yaml;
  return StartAgent(name, setup);
}

int Cluster::Ctl(std::vector<std::string> args, std::string* output,
                 const std::string& collector) const {
  std::vector<std::string> argv = {"--collector", collector_address(collector),
                                   "--ca",        CaDir() + "/ca.crt",
                                   "--cert",      CaDir() + "/oncall.crt",
                                   "--key",       CaDir() + "/oncall.key",
                                   "--timeout",   "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunVigilctl(argv, output);
}

nlohmann::json Cluster::CtlJson(std::vector<std::string> args, const std::string& collector) const {
  args.push_back("--json");
  std::string out;
  const int rc = Ctl(args, &out, collector);
  INFO(out);
  REQUIRE(rc == 0);
  return nlohmann::json::parse(out);
}

}  // namespace vigil::testing
