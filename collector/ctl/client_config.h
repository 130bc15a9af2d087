// How vigilctl reaches the collector: address, CA, operator certificate and key, from
// a small YAML file (so a user types them once) overridden by command-line flags.
//
//   collector: 127.0.0.1:7070
//   server_name: collector.hospital.local   # optional: name in the collector's certificate
//   ca: /etc/vigil/ca.crt
//   cert: ~/.config/vigil/alice.crt
//   key: ~/.config/vigil/alice.key
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/tls.h"

namespace vigil::ctl {

struct ClientConfig {
  std::string collector;
  std::string server_name;
  TlsFiles tls;
};

// The file vigilctl reads when --config is not given: $VIGILCTL_CONFIG, else
// $XDG_CONFIG_HOME/vigil/vigilctl.yaml (~/.config/vigil/vigilctl.yaml).
std::string DefaultClientConfigPath();

// Loads `path`; a missing file is not an error when `required` is false. Relative paths
// in it are resolved against its directory.
absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path, bool required);

// Checks that every field is set and the TLS files load, and opens a channel.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ClientConfig& config);

}  // namespace vigil::ctl
