#include "common/reloading_server_credentials.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "common/log.h"

namespace vigil {
namespace {

// grpc::ServerCredentials over a core grpc_server_credentials: in gRPC 1.51 the C++
// class is an interface whose only job is AddPortToServer (a private virtual, which a
// subclass may override), so the core SSL credentials with a fetcher plug in here.
class ReloadingServerCredentials final : public grpc::ServerCredentials {
 public:
  explicit ReloadingServerCredentials(const TlsReloader* reloader) : reloader_(reloader) {
    grpc_ssl_server_credentials_options* options =
        grpc_ssl_server_credentials_create_options_using_config_fetcher(
            GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, &Fetch, this);
    credentials_ = grpc_ssl_server_credentials_create_with_options(options);  // takes options
  }
  ~ReloadingServerCredentials() override { grpc_server_credentials_release(credentials_); }

  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    // Vigil authorizes from the certificate (AuthorizePeer). Ignoring an authorization
    // hook silently would be worse than stopping.
    LogError("ReloadingServerCredentials: SetAuthMetadataProcessor is not supported");
    std::abort();
  }

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    if (port_added_.exchange(true)) {
      LogError("reloading server credentials serve one listening port; refused ", addr);
      return 0;
    }
    return grpc_server_add_http2_port(server, addr.c_str(), credentials_);
  }

  // Called by gRPC (on its threads, and once when the port is added, where it must
  // answer NEW) before each new connection's handshake.
  static grpc_ssl_certificate_config_reload_status Fetch(
      void* user_data, grpc_ssl_server_certificate_config** config) {
    auto* self = static_cast<ReloadingServerCredentials*>(user_data);
    if (self->reloader_->generation() == self->handed_.load(std::memory_order_acquire)) {
      return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
    }
    const std::shared_ptr<const TlsReloader::Snapshot> current = self->reloader_->Current();
    grpc_ssl_pem_key_cert_pair pair = {current->material.key_pem.c_str(),
                                       current->material.cert_pem.c_str()};
    // Copies the strings.
    *config = grpc_ssl_server_certificate_config_create(current->material.ca_pem.c_str(), &pair, 1);
    self->handed_.store(current->generation, std::memory_order_release);
    return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
  }

  const TlsReloader* const reloader_;
  grpc_server_credentials* credentials_ = nullptr;
  std::atomic<bool> port_added_{false};
  std::atomic<uint64_t> handed_{0};  // generation of the material gRPC has
};

}  // namespace

std::shared_ptr<grpc::ServerCredentials> MakeReloadingServerCredentials(
    const TlsReloader* reloader) {
  return std::make_shared<ReloadingServerCredentials>(reloader);
}

}  // namespace vigil
