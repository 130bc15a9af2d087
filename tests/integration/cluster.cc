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
#include "absl/strings/str_cat.h"

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

void Cluster::StartCollector(int port, const std::string& tls_yaml) {
  const std::string config = dir_.Path("collector.yaml");
  dir_.WriteFile("collector.yaml", absl::StrCat("listen: 127.0.0.1:", port,
                                                "\ndata_dir: data\n"
                                                "tls:\n  ca: ca/ca.crt\n"
                                                "  cert: ca/localhost.crt\n"
                                                "  key: ca/localhost.key\n",
                                                tls_yaml));
  const std::string ready = dir_.Path("collector.ready");
  std::filesystem::remove(ready);
  collector_ =
      std::make_unique<ChildProcess>(std::vector<std::string>{Binary("vigil-collector"), "--config",
                                                              config, "--ready-file", ready},
                                     collector_log());
  const bool up = WaitFor([&] { return std::filesystem::exists(ready) || !collector_->Running(); },
                          absl::Seconds(30));
  INFO(collector_->Output());
  REQUIRE(up);
  REQUIRE(collector_->Running());
  std::ifstream in(ready);
  std::getline(in, collector_address_);
  REQUIRE(!collector_address_.empty());
}

void Cluster::StopCollector(int signal) {
  collector_->Signal(signal);
  REQUIRE(collector_->Wait(absl::Seconds(20)) != -1);
}

ChildProcess* Cluster::StartAgent(const std::string& name, const std::string& cert_dir,
                                  const std::string& extra_yaml, const std::string& spool_yaml) {
  const std::string certs = cert_dir.empty() ? CaDir() : cert_dir;
  const std::string config_name = absl::StrCat("agent-", name, ".yaml");
  dir_.WriteFile(config_name, absl::StrCat("collector:\n  address: ", collector_address_,
                                           "\ntls:\n  ca: ", CaDir(), "/ca.crt\n  cert: ", certs,
                                           "/", name, ".crt\n  key: ", certs, "/", name,
                                           ".key\ninterval: 1s\nspool:\n  dir: ", SpoolDir(name),
                                           "\n", spool_yaml, extra_yaml));
  agents_.push_back(std::make_unique<ChildProcess>(
      std::vector<std::string>{Binary("vigil-agent"), "--config", dir_.Path(config_name)},
      dir_.Path(absl::StrCat("agent-", name, ".log"))));
  return agents_.back().get();
}

int Cluster::Ctl(std::vector<std::string> args, std::string* output) const {
  std::vector<std::string> argv = {"--collector", collector_address_,
                                   "--ca",        CaDir() + "/ca.crt",
                                   "--cert",      CaDir() + "/oncall.crt",
                                   "--key",       CaDir() + "/oncall.key",
                                   "--timeout",   "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunVigilctl(argv, output);
}

nlohmann::json Cluster::CtlJson(std::vector<std::string> args) const {
  args.push_back("--json");
  std::string out;
  const int rc = Ctl(args, &out);
  INFO(out);
  REQUIRE(rc == 0);
  return nlohmann::json::parse(out);
}

}  // namespace vigil::testing
