#include "collector/ctl/client_config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/config_node.h"
#include "common/file.h"
#include "common/status.h"

namespace vigil::ctl {

std::string DefaultClientConfigPath() {
  if (const char* env = std::getenv("VIGILCTL_CONFIG"); env != nullptr && *env != '\0') return env;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return absl::StrCat(xdg, "/vigil/vigilctl.yaml");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : "", "/.config/vigil/vigilctl.yaml");
}

absl::StatusOr<ClientConfig> LoadClientConfig(const std::string& path, bool required) {
  ClientConfig config;
  if (!required && ::access(path.c_str(), F_OK) != 0) return config;
  VIGIL_ASSIGN_OR_RETURN(ConfigNode root, ConfigNode::LoadFile(path));
  VIGIL_RETURN_IF_ERROR(root.CheckKeys({"collector", "server_name", "ca", "cert", "key"}));
  VIGIL_RETURN_IF_ERROR(root.GetString("collector", &config.collector));
  VIGIL_RETURN_IF_ERROR(root.GetString("server_name", &config.server_name));
  VIGIL_RETURN_IF_ERROR(root.GetString("ca", &config.tls.ca));
  VIGIL_RETURN_IF_ERROR(root.GetString("cert", &config.tls.cert));
  VIGIL_RETURN_IF_ERROR(root.GetString("key", &config.tls.key));
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  const char* home = std::getenv("HOME");
  for (std::string* p : {&config.tls.ca, &config.tls.cert, &config.tls.key}) {
    if (p->starts_with("~/") && home != nullptr) *p = absl::StrCat(home, p->substr(1));
    if (!p->empty() && p->front() != '/') *p = (base / *p).lexically_normal().string();
  }
  return config;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ClientConfig& config) {
  if (config.collector.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no collector address: pass --collector HOST:PORT or set \"collector\" in ",
                     DefaultClientConfigPath()));
  }
  if (config.tls.ca.empty() || config.tls.cert.empty() || config.tls.key.empty()) {
    return absl::InvalidArgumentError(
        "an operator certificate is required: pass --ca, --cert and --key or set them in the "
        "client config (vigilctl certs issue --kind operator makes one)");
  }
  VIGIL_ASSIGN_OR_RETURN(TlsMaterial tls, LoadTlsMaterial(config.tls));
  grpc::ChannelArguments args;
  if (!config.server_name.empty()) args.SetSslTargetNameOverride(config.server_name);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(config.collector, MakeClientCredentials(tls), args);
}

}  // namespace vigil::ctl
