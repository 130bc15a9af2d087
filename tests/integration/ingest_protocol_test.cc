// The ingest contract, driven message by message against an in-process collector with
// real mTLS: identity from the certificate, exactly-once by sequence, definitions per
// stream, rejection of malformed samples, durability across a restart.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "collector/ctl/certs.h"
#include "collector/server.h"
#include "tests/support/temp_dir.h"
#include "vigil/v1/events.grpc.pb.h"
#include "vigil/v1/ingest.grpc.pb.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::testing {
namespace {

class InProcessCollector {
 public:
  InProcessCollector() {
    REQUIRE(ctl::InitCa(dir_.Path("ca"), "Test", false).ok());
    REQUIRE(
        ctl::IssueCertificate(dir_.Path("ca"), {"collector", "localhost", {"IP:127.0.0.1"}}, false)
            .ok());
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"agent", "db-proto", {}}, false).ok());
    REQUIRE(ctl::IssueCertificate(dir_.Path("ca"), {"operator", "oncall", {}}, false).ok());
    config_.listen = "127.0.0.1:0";
    config_.http.listen = "";  // this test is about the gRPC ingest stream
    config_.data_dir = dir_.Path("data");
    config_.tls = {dir_.Path("ca/ca.crt"), dir_.Path("ca/localhost.crt"),
                   dir_.Path("ca/localhost.key")};
    Start();
  }

  void Start() {
    auto server = collector::CollectorServer::Start(config_, &Clock::Real());
    INFO(server.status().message());
    REQUIRE(server.ok());
    server_ = std::move(*server);
  }
  void Restart() {
    server_->Shutdown(absl::Seconds(1));
    server_.reset();
    Start();
  }

  std::shared_ptr<grpc::Channel> Channel(const std::string& name) {
    auto tls = LoadTlsMaterial({dir_.Path("ca/ca.crt"), dir_.Path("ca/" + name + ".crt"),
                                dir_.Path("ca/" + name + ".key")});
    REQUIRE(tls.ok());
    return grpc::CreateChannel(server_->address(), MakeClientCredentials(*tls));
  }

 private:
  TempDir dir_;
  collector::CollectorConfig config_;
  std::unique_ptr<collector::CollectorServer> server_;
};

// One agent stream, message by message.
class AgentStream {
 public:
  AgentStream(std::shared_ptr<grpc::Channel> channel, const std::string& run_id)
      : stub_(v1::Ingest::NewStub(channel)), stream_(stub_->Stream(&context_)) {
    v1::AgentMessage hello;
    hello.mutable_hello()->set_run_id(run_id);
    hello.mutable_hello()->set_agent_version("test");
    REQUIRE(stream_->Write(hello));
    v1::CollectorMessage reply;
    REQUIRE(stream_->Read(&reply));
    REQUIRE(reply.has_hello_ack());
    ack_ = reply.hello_ack();
  }
  ~AgentStream() {
    stream_->WritesDone();
    stream_->Finish();
  }
  const v1::HelloAck& hello_ack() const { return ack_; }

  v1::BatchAck Send(const v1::Batch& batch) {
    v1::AgentMessage message;
    *message.mutable_batch() = batch;
    REQUIRE(stream_->Write(message));
    v1::CollectorMessage reply;
    REQUIRE(stream_->Read(&reply));
    REQUIRE(reply.has_batch_ack());
    return reply.batch_ack();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::CollectorMessage>> stream_;
  v1::HelloAck ack_;
};

// Sample times in these tests are offsets from a minute boundary shortly before now (the
// collector refuses samples older than its raw retention).
const int64_t kBase = (absl::ToUnixMillis(absl::Now()) / 60'000 - 1) * 60'000;

v1::Batch MakeBatch(uint64_t seq, bool define, uint64_t series_id,
                    std::vector<std::pair<int64_t, double>> samples) {
  v1::Batch batch;
  batch.set_sequence(seq);
  if (define) {
    v1::SeriesDefinition* def = batch.add_definitions();
    def->set_series_id(series_id);
    def->set_metric("vigil_test_value");
    v1::Label* spoof = def->add_labels();
    spoof->set_name("instance");
    spoof->set_value("someone-else");  // must be ignored: the certificate decides
    v1::Label* role = def->add_labels();
    role->set_name("role");
    role->set_value("primary");
  }
  for (auto [t, v] : samples) {
    v1::SampleGroup* group = batch.add_groups();
    group->set_timestamp_ms(kBase + t);
    group->add_series_ids(series_id);
    group->add_values(v);
  }
  return batch;
}

v1::QueryRangeResponse Query(InProcessCollector& collector, const std::string& selector) {
  auto stub = v1::Query::NewStub(collector.Channel("oncall"));
  grpc::ClientContext context;
  v1::QueryRangeRequest request;
  request.set_selector(selector);
  request.set_start_ms(kBase);
  request.set_end_ms(kBase + 100000);
  v1::QueryRangeResponse response;
  grpc::Status status = stub->QueryRange(&context, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response;
}

TEST_CASE("the ingest stream stores each batch exactly once under the certificate's host",
          "[integration][ingest]") {
  InProcessCollector collector;
  {
    AgentStream agent(collector.Channel("db-proto"), "run-1");
    CHECK(agent.hello_ack().host() == "db-proto");
    CHECK(agent.hello_ack().last_durable_sequence() == 0);

    v1::BatchAck ack = agent.Send(MakeBatch(1, true, 7, {{1000, 1.0}, {2000, 2.0}}));
    CHECK(ack.sequence() == 1);
    CHECK(ack.samples_stored() == 2);
    CHECK_FALSE(ack.duplicate());

    // A resend of batch 1 (as after a lost ack) is acknowledged and not stored again.
    ack = agent.Send(MakeBatch(1, false, 7, {{3000, 3.0}}));
    CHECK(ack.duplicate());
    CHECK(ack.samples_stored() == 0);

    // Unknown series ids and mismatched lengths are rejected and counted.
    v1::Batch bad = MakeBatch(2, false, 99, {{4000, 4.0}});
    v1::SampleGroup* mismatched = bad.add_groups();
    mismatched->set_timestamp_ms(kBase + 5000);
    mismatched->add_series_ids(7);  // and no value
    ack = agent.Send(bad);
    CHECK(ack.samples_rejected() == 2);
    CHECK(ack.samples_stored() == 0);
  }

  v1::QueryRangeResponse r = Query(collector, "vigil_test_value");
  REQUIRE(r.series_size() == 1);
  std::map<std::string, std::string> labels;
  for (const auto& l : r.series(0).labels()) labels[l.name()] = l.value();
  CHECK(labels["instance"] == "db-proto");
  CHECK(labels["role"] == "primary");
  CHECK(std::vector<int64_t>(r.series(0).timestamps_ms().begin(),
                             r.series(0).timestamps_ms().end()) ==
        std::vector<int64_t>{kBase + 1000, kBase + 2000});

  SECTION("a new stream of the same run resumes after the durable mark, across a restart") {
    collector.Restart();
    AgentStream agent(collector.Channel("db-proto"), "run-1");
    CHECK(agent.hello_ack().last_durable_sequence() == 2);
    // Definitions do not carry over from the previous stream.
    v1::BatchAck ack = agent.Send(MakeBatch(3, false, 7, {{6000, 6.0}}));
    CHECK(ack.samples_rejected() == 1);
    ack = agent.Send(MakeBatch(4, true, 7, {{6000, 6.0}}));
    CHECK(ack.samples_stored() == 1);
    r = Query(collector, "vigil_test_value{instance=\"db-proto\"}");
    REQUIRE(r.series_size() == 1);
    CHECK(r.series(0).timestamps_ms_size() == 3);
  }

  SECTION("another run of the same agent starts its own sequence") {
    AgentStream agent(collector.Channel("db-proto"), "run-2");
    CHECK(agent.hello_ack().last_durable_sequence() == 0);
    CHECK(agent.Send(MakeBatch(1, true, 7, {{7000, 7.0}})).samples_stored() == 1);
  }
}

v1::Event MakeEvent(uint64_t id, int64_t t, const std::string& kind, const std::string& severity,
                    const std::string& message) {
  v1::Event e;
  e.set_event_id(id);
  e.set_timestamp_ms(kBase + t);
  e.set_kind(kind);
  e.set_severity(severity);
  v1::Label* sid = e.add_labels();
  sid->set_name("sid");
  sid->set_value("HISDB");
  e.set_message(message);
  return e;
}

v1::ListEventsResponse ListEvents(InProcessCollector& collector, v1::ListEventsRequest request,
                                  const std::string& who = "oncall") {
  auto stub = v1::Events::NewStub(collector.Channel(who));
  grpc::ClientContext context;
  v1::ListEventsResponse response;
  grpc::Status status = stub->ListEvents(&context, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response;
}

TEST_CASE(
    "events in a batch are stored once with the batch, kept across a restart and listed "
    "newest first by host, time, kind and severity",
    "[integration][ingest][events]") {
  InProcessCollector collector;
  {
    AgentStream agent(collector.Channel("db-proto"), "run-1");
    v1::Batch batch = MakeBatch(1, true, 7, {{1000, 1.0}});
    *batch.add_events() = MakeEvent(1, 900, "oracle_alert_log", "critical",
                                    "ORA-00600: internal error code, arguments: [kcbz]");
    *batch.add_events() = MakeEvent(2, 950, "file_changed", "warning", "mode 0600 -> 0644");
    v1::Event bad = MakeEvent(3, 960, "Bad Kind!", "info", "x");
    *batch.add_events() = bad;
    v1::BatchAck ack = agent.Send(batch);
    CHECK(ack.events_stored() == 2);
    CHECK(ack.events_rejected() == 1);
    // A resend (lost acknowledgement) overwrites the same events: still two.
    ack = agent.Send(batch);
    CHECK(ack.duplicate());
    v1::Batch later = MakeBatch(2, false, 7, {{2000, 2.0}});
    *later.add_events() =
        MakeEvent(4, 1900, "oracle_alert_log", "warning", "ORA-01555: snapshot too old");
    CHECK(agent.Send(later).events_stored() == 1);
  }
  collector.Restart();

  v1::ListEventsRequest all;
  all.set_start_ms(kBase);
  all.set_end_ms(kBase + 10'000);
  v1::ListEventsResponse listed = ListEvents(collector, all);
  REQUIRE(listed.events_size() == 3);
  CHECK_FALSE(listed.truncated());
  CHECK(listed.events(0).host() == "db-proto");
  CHECK(listed.events(0).event().message() == "ORA-01555: snapshot too old");
  CHECK(listed.events(1).event().kind() == "file_changed");
  CHECK(listed.events(2).event().severity() == "critical");

  v1::ListEventsRequest critical = all;
  critical.set_min_severity("critical");
  listed = ListEvents(collector, critical);
  REQUIRE(listed.events_size() == 1);
  CHECK(absl::StrContains(listed.events(0).event().message(), "ORA-00600"));

  v1::ListEventsRequest by_kind = all;
  by_kind.add_kinds("oracle_alert_log");
  by_kind.set_limit(1);
  listed = ListEvents(collector, by_kind);
  REQUIRE(listed.events_size() == 1);
  CHECK(listed.truncated());
  CHECK(listed.events(0).event().event_id() == 4);

  v1::ListEventsRequest other_host = all;
  other_host.set_host("db-other");
  CHECK(ListEvents(collector, other_host).events_size() == 0);

  v1::ListEventsRequest before = all;
  before.set_end_ms(kBase + 920);
  listed = ListEvents(collector, before);
  REQUIRE(listed.events_size() == 1);
  CHECK(listed.events(0).event().event_id() == 1);

  // An agent's certificate is not an operator's: it may not read events.
  auto stub = v1::Events::NewStub(collector.Channel("db-proto"));
  grpc::ClientContext context;
  v1::ListEventsResponse refused;
  CHECK(stub->ListEvents(&context, all, &refused).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace vigil::testing
