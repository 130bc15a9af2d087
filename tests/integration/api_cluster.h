// The fixture of the HTTPS API's integration tests: a real collector with an http
// section, operator certificates for each role, tokens made by `vigilctl token create`,
// clients for each credential, and the agent that feeds it data.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/integration/cluster.h"
#include "tests/integration/https_client.h"

namespace vigil::testing {

// A collector setup with top-level keys `extra_yaml` and `tls:` keys `tls_yaml`.
CollectorSetup WithYaml(std::string extra_yaml, std::string tls_yaml = "");

struct Token {
  std::string role;
  std::string token;
  std::string sha256;
};

// A collector with an HTTPS API: operator certificates alice (admin), bob (operator)
// and oncall (unlisted: the default, viewer); an agent certificate db1; tokens grafana
// (viewer), oncall-op (operator) and ci (admin), made by `vigilctl token create`.
class ApiCluster {
 public:
  explicit ApiCluster(std::string extra_yaml = "");

  // The configuration's extra keys: the http section with the tokens in `granted`.
  std::string Yaml(const std::vector<std::string>& granted = {"grafana", "oncall-op", "ci"}) const;
  void Start(const std::vector<std::string>& granted = {"grafana", "oncall-op", "ci"});
  // Rewrites the configuration (the same HTTPS port) for a SIGHUP or an HTTP reload.
  void Reconfigure(const std::vector<std::string>& granted, const std::string& more = "");

  HttpsClient WithToken(const std::string& name) const;
  HttpsClient WithRawToken(const std::string& token) const;
  HttpsClient WithCertificate(const std::string& name) const;
  HttpsClient Anonymous() const;
  std::string Ca() const { return cluster.CaDir() + "/ca.crt"; }
  std::string AuditFile() const { return cluster.dir().Path("data/audit.log"); }

  // Starts the agent db1 (a sample a second) and waits until 8 s of its node_load1 can be
  // queried.
  void FeedData();

  Cluster cluster;
  std::map<std::string, Token> tokens;

 private:
  std::string extra_yaml_;
};

int64_t NowSeconds();

// Checks a reply for Prometheus' error shape, its status, type and part of its message.
void CheckError(const HttpsReply& reply, int status, const std::string& type,
                const std::string& message_part);

}  // namespace vigil::testing
