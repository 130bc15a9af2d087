// QueryService::Metrics over real mTLS, in process: the registry's text for an operator,
// refusal for an agent certificate, UNAVAILABLE without a registry.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "collector/ctl/certs.h"
#include "collector/query/query_service.h"
#include "common/metrics.h"
#include "common/tls.h"
#include "tests/support/temp_dir.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::query {
namespace {

// A gRPC server with only the query service, on 127.0.0.1 and a kernel-chosen port.
class QueryServer {
 public:
  explicit QueryServer(const MetricsRegistry* metrics)
      : access_(api::AccessPolicy()),  // operator certificates are viewers
        audit_(*api::AuditLog::Open(dir_.Path("audit.log"), &Clock::Real())),
        grpc_access_(&access_, audit_.get()),
        service_(/*tsdb=*/nullptr, /*connections=*/nullptr, QueryLimits(), &grpc_access_, metrics) {
    REQUIRE(ctl::InitCa(dir_.Path("ca"), "Test", false).ok());
    REQUIRE(
        ctl::IssueCertificate(dir_.Path("ca"), {"collector", "localhost", {"IP:127.0.0.1"}}, false)
            .ok());
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"operator", "oncall", {}}, false).ok());
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"agent", "db1", {}}, false).ok());
    absl::StatusOr<TlsMaterial> tls = Material("localhost");
    REQUIRE(tls.ok());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", MakeServerCredentials(*tls), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
    REQUIRE(port != 0);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  ~QueryServer() { server_->Shutdown(); }

  // Calls Metrics with the certificate `name` issued above.
  grpc::Status Metrics(const std::string& name, v1::MetricsResponse* response) {
    absl::StatusOr<TlsMaterial> tls = Material(name);
    REQUIRE(tls.ok());
    std::unique_ptr<v1::Query::Stub> stub =
        v1::Query::NewStub(grpc::CreateChannel(address_, MakeClientCredentials(*tls)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub->Metrics(&context, v1::MetricsRequest(), response);
  }

 private:
  absl::StatusOr<TlsMaterial> Material(const std::string& name) {
    return LoadTlsMaterial({dir_.Path("ca/ca.crt"), dir_.Path("ca/" + name + ".crt"),
                            dir_.Path("ca/" + name + ".key")});
  }

  testing::TempDir dir_;
  api::AccessControl access_;
  std::unique_ptr<api::AuditLog> audit_;
  api::GrpcAccess grpc_access_;
  QueryService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_CASE("Metrics answers an operator with the registry's text") {
  MetricsRegistry registry;
  absl::StatusOr<Counter*> batches = registry.AddCounter("vigil_test_batches_total", "Batches.");
  REQUIRE(batches.ok());
  (*batches)->Add(7);
  QueryServer server(&registry);

  v1::MetricsResponse response;
  grpc::Status status = server.Metrics("oncall", &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(response.text() ==
        "# HELP vigil_test_batches_total Batches.\n"
        "# TYPE vigil_test_batches_total counter\n"
        "vigil_test_batches_total 7\n");

  // Rendered at each call.
  (*batches)->Inc();
  REQUIRE(server.Metrics("oncall", &response).ok());
  CHECK(response.text().find("vigil_test_batches_total 8\n") != std::string::npos);
}

TEST_CASE("Metrics refuses an agent certificate") {
  MetricsRegistry registry;
  QueryServer server(&registry);
  v1::MetricsResponse response;
  CHECK(server.Metrics("db1", &response).error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(response.text().empty());
}

TEST_CASE("Metrics is UNAVAILABLE without a registry") {
  QueryServer server(nullptr);
  v1::MetricsResponse response;
  CHECK(server.Metrics("oncall", &response).error_code() == grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace vigil::query
