// Roles on the gRPC operator services over real mTLS, in process: the Query service
// needs a viewer, the Admin service an admin; agent certificates get nothing; every
// refusal is in the audit log, which the Admin service reads back.
#include "collector/api/grpc_access.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "collector/api/admin_service.h"
#include "collector/ctl/certs.h"
#include "collector/query/query_service.h"
#include "common/metrics.h"
#include "common/tls.h"
#include "tests/support/temp_dir.h"
#include "vigil/v1/admin.grpc.pb.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::api {
namespace {

class OperatorServer {
 public:
  OperatorServer() : clock_(absl::FromUnixSeconds(1'795'464'000)), access_(Policy()) {
    REQUIRE(ctl::InitCa(dir_.Path("ca"), "Test", false).ok());
    REQUIRE(
        ctl::IssueCertificate(dir_.Path("ca"), {"collector", "localhost", {"IP:127.0.0.1"}}, false)
            .ok());
    for (const char* name : {"alice", "oncall"}) {
      REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"operator", name, {}}, false).ok());
    }
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"agent", "db1", {}}, false).ok());
    absl::StatusOr<std::unique_ptr<AuditLog>> audit =
        AuditLog::Open(dir_.Path("audit.log"), &clock_);
    REQUIRE(audit.ok());
    audit_ = std::move(*audit);
    grpc_access_ = std::make_unique<GrpcAccess>(&access_, audit_.get());
    query_ = std::make_unique<query::QueryService>(nullptr, nullptr, query::QueryLimits(),
                                                   grpc_access_.get(), &metrics_);
    admin_ = std::make_unique<AdminService>(grpc_access_.get(), audit_.get());
    absl::StatusOr<TlsMaterial> tls = Material("localhost");
    REQUIRE(tls.ok());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", MakeServerCredentials(*tls), &port);
    builder.RegisterService(query_.get());
    builder.RegisterService(admin_.get());
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  ~OperatorServer() { server_->Shutdown(); }

  static AccessPolicy Policy() {
    AccessPolicy policy;
    policy.operator_roles = {{"alice", Role::kAdmin}};
    return policy;  // oncall: the default, viewer
  }

  grpc::Status Metrics(const std::string& name) {
    v1::MetricsResponse response;
    grpc::ClientContext context;
    return v1::Query::NewStub(Channel(name))->Metrics(&context, {}, &response);
  }
  grpc::Status ReadAudit(const std::string& name, v1::ReadAuditRequest request,
                         v1::ReadAuditResponse* response) {
    grpc::ClientContext context;
    return v1::Admin::NewStub(Channel(name))->ReadAudit(&context, request, response);
  }
  AccessControl& access() { return access_; }

 private:
  absl::StatusOr<TlsMaterial> Material(const std::string& name) {
    return LoadTlsMaterial({dir_.Path("ca/ca.crt"), dir_.Path("ca/" + name + ".crt"),
                            dir_.Path("ca/" + name + ".key")});
  }
  std::shared_ptr<grpc::Channel> Channel(const std::string& name) {
    absl::StatusOr<TlsMaterial> tls = Material(name);
    REQUIRE(tls.ok());
    return grpc::CreateChannel(address_, MakeClientCredentials(*tls));
  }

  testing::TempDir dir_;
  ManualClock clock_;
  MetricsRegistry metrics_;
  AccessControl access_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<GrpcAccess> grpc_access_;
  std::unique_ptr<query::QueryService> query_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_CASE("gRPC: viewers query, admins read the audit log, agents get nothing") {
  OperatorServer server;
  CHECK(server.Metrics("oncall").ok());
  CHECK(server.Metrics("alice").ok());
  CHECK(server.Metrics("db1").error_code() == grpc::StatusCode::PERMISSION_DENIED);

  v1::ReadAuditResponse response;
  const grpc::Status viewer = server.ReadAudit("oncall", {}, &response);
  CHECK(viewer.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(absl::StrContains(viewer.error_message(), "needs role admin"));

  REQUIRE(server.ReadAudit("alice", {}, &response).ok());
  // The two refusals, not the reads that succeeded.
  REQUIRE(response.entries_size() == 2);
  const v1::AuditEntry& agent = response.entries(0);
  CHECK(agent.principal() == "db1");
  CHECK(agent.auth() == "certificate");
  CHECK(agent.role() == "none");
  CHECK(agent.action() == "grpc /vigil.v1.Query/Metrics");
  CHECK(agent.result() == "refused: forbidden");
  CHECK(agent.status() == 403);
  INFO(agent.remote());
  CHECK(absl::StartsWith(agent.remote(), "127.0.0.1:"));
  const v1::AuditEntry& oncall = response.entries(1);
  CHECK(oncall.principal() == "oncall");
  CHECK(oncall.role() == "viewer");
  CHECK(oncall.action() == "grpc /vigil.v1.Admin/ReadAudit");

  v1::ReadAuditRequest only_agents;
  only_agents.set_principal("db1");
  REQUIRE(server.ReadAudit("alice", only_agents, &response).ok());
  CHECK(response.entries_size() == 1);
  v1::ReadAuditRequest bad;
  bad.set_result("maybe");
  CHECK(server.ReadAudit("alice", bad, &response).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("gRPC: a replaced policy applies to the next call") {
  OperatorServer server;
  AccessPolicy none = OperatorServer::Policy();
  none.default_operator_role = Role::kNone;
  server.access().Replace(none);
  CHECK(server.Metrics("oncall").error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(server.Metrics("alice").ok());
}

}  // namespace
}  // namespace vigil::api
