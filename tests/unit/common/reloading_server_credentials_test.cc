// Reloading server credentials over real mTLS, in process: after a reload a new
// connection gets the new certificate (and the old name no longer verifies), an open
// connection keeps working, a refused replacement leaves the last good pair in use, a
// replaced CA decides which clients get in, and AuthorizePeer reads the peer as before.
#include "common/reloading_server_credentials.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collector/ctl/certs.h"
#include "common/file.h"
#include "common/tls.h"
#include "common/tls_reloader.h"
#include "tests/support/live_tls_files.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil {
namespace {

// Answers Metrics with the CN of an operator (AuthorizePeer), refuses other kinds.
class WhoAmI final : public v1::Query::Service {
  grpc::Status Metrics(grpc::ServerContext* context, const v1::MetricsRequest*,
                       v1::MetricsResponse* response) override {
    absl::StatusOr<PeerIdentity> peer = AuthorizePeer(*context, kKindOperator);
    if (!peer.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(peer.status().code()),
                          std::string(peer.status().message()));
    }
    response->set_text(peer->name);
    return grpc::Status::OK;
  }
};

// The certificates of testing::LiveTlsFiles (no IP names: clients verify a name given
// with the target name override) and agent "db1"; the server is started with the live
// files (alpha's pair).
class Fixture : public testing::LiveTlsFiles {
 public:
  Fixture() : LiveTlsFiles(std::vector<ctl::CertRequest>{{"agent", "db1", {}}}) {
    absl::StatusOr<std::unique_ptr<TlsReloader>> tls = TlsReloader::Create(files());
    REQUIRE(tls.ok());
    tls_ = std::move(*tls);
    credentials_ = MakeReloadingServerCredentials(tls_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", credentials_, &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port != 0);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  ~Fixture() { server_->Shutdown(std::chrono::system_clock::now()); }

  TlsReloader& tls() { return *tls_; }
  const std::string& address() const { return address_; }

  // A channel of its own (a new TCP connection and TLS handshake) that presents
  // `client` (from `client_ca_dir`) and verifies the server's certificate for
  // `server_name` against ca/ca.crt.
  std::shared_ptr<grpc::Channel> Connect(const std::string& client, const std::string& server_name,
                                         const std::string& client_ca_dir = "ca") const {
    absl::StatusOr<TlsMaterial> tls =
        LoadTlsMaterial({Path("ca/ca.crt"), Path(client_ca_dir + "/" + client + ".crt"),
                         Path(client_ca_dir + "/" + client + ".key")});
    REQUIRE(tls.ok());
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(server_name);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // never share a connection
    return grpc::CreateCustomChannel(address_, MakeClientCredentials(*tls), args);
  }

 private:
  WhoAmI service_;
  std::unique_ptr<TlsReloader> tls_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  std::unique_ptr<grpc::Server> server_;  // last: destroyed before what it calls into
  std::string address_;
};

// One Metrics call on `channel`; the peer name the server saw, or the status.
grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, std::string* name = nullptr) {
  std::unique_ptr<v1::Query::Stub> stub = v1::Query::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::MetricsResponse response;
  grpc::Status status = stub->Metrics(&context, v1::MetricsRequest(), &response);
  if (name != nullptr) *name = response.text();
  return status;
}

TEST_CASE("Reloading credentials serve the first pair and require a client certificate") {
  Fixture f;
  std::string name;
  grpc::Status status = Call(f.Connect("oncall", "alpha"), &name);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(name == "oncall");
  CHECK(Call(f.Connect("db1", "alpha")).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(Call(f.Connect("oncall", "beta")).error_code() == grpc::StatusCode::UNAVAILABLE);

  // A client without a certificate does not get past the handshake.
  absl::StatusOr<TlsMaterial> ca =
      LoadTlsMaterial({f.Path("ca/ca.crt"), f.Path("ca/oncall.crt"), f.Path("ca/oncall.key")});
  REQUIRE(ca.ok());
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = ca->ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("alpha");
  CHECK(Call(grpc::CreateCustomChannel(f.address(), grpc::SslCredentials(anonymous), args))
            .error_code() == grpc::StatusCode::UNAVAILABLE);
}

TEST_CASE("After a reload new connections get the new certificate and open ones go on") {
  Fixture f;
  std::shared_ptr<grpc::Channel> open = f.Connect("oncall", "alpha");
  REQUIRE(Call(open).ok());

  f.InstallPair("beta");
  REQUIRE(f.tls().Check() == TlsReloader::CheckResult::kReloaded);

  std::string name;
  grpc::Status status = Call(f.Connect("oncall", "beta"), &name);
  INFO(status.error_message());
  CHECK(status.ok());
  CHECK(name == "oncall");
  CHECK(Call(f.Connect("oncall", "alpha")).error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(Call(f.Connect("db1", "beta")).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  // The connection made before the reload still works (alpha's session).
  CHECK(Call(open).ok());
  CHECK(open->GetState(false) == GRPC_CHANNEL_READY);
}

TEST_CASE("A refused replacement leaves the last good pair serving new connections") {
  Fixture f;
  f.Install("ca/db1.key", "live/tls.key");
  REQUIRE(f.tls().Check() == TlsReloader::CheckResult::kRejected);
  CHECK(Call(f.Connect("oncall", "alpha")).ok());
}

TEST_CASE("A replaced CA decides which client certificates new connections accept") {
  Fixture f;
  REQUIRE(ctl::InitCa(f.Path("new-ca"), "New", false).ok());
  REQUIRE(ctl::IssueCertificate(f.Path("new-ca"), {"operator", "newcomer", {}}, false).ok());
  CHECK(Call(f.Connect("newcomer", "alpha", "new-ca")).error_code() ==
        grpc::StatusCode::UNAVAILABLE);

  f.Install("new-ca/ca.crt", "live/ca.crt");
  REQUIRE(f.tls().Check() == TlsReloader::CheckResult::kReloaded);
  std::string name;
  CHECK(Call(f.Connect("newcomer", "alpha", "new-ca"), &name).ok());
  CHECK(name == "newcomer");
  CHECK(Call(f.Connect("oncall", "alpha")).error_code() == grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace vigil
