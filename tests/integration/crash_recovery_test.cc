// Kill -9 a real collector process while agents stream into it, restart it on the same
// data: every sample the collector acknowledged is there, exactly once.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/tls.h"
#include "tests/integration/cluster.h"
#include "vigil/v1/ingest.grpc.pb.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::testing {
namespace {

constexpr int kAgents = 3;
constexpr int kSeries = 200;

std::shared_ptr<grpc::Channel> ChannelFor(const Cluster& cluster, const std::string& name) {
  auto tls = LoadTlsMaterial({cluster.CaDir() + "/ca.crt", cluster.CaDir() + "/" + name + ".crt",
                              cluster.CaDir() + "/" + name + ".key"});
  REQUIRE(tls.ok());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(cluster.collector_address(), MakeClientCredentials(*tls), args);
}

// What one agent sent and what the collector acknowledged.
struct Ledger {
  absl::Mutex mu;
  std::set<int64_t> sent;   // timestamps of batches written to the stream
  std::set<int64_t> acked;  // timestamps of acknowledged batches
};

// Streams batches (one tick of kSeries series each, 100 ms apart from `base_ms`) until
// the stream breaks or `stop` is set.
void Stream(const Cluster& cluster, const std::string& name, int64_t base_ms,
            std::atomic<bool>* stop, Ledger* ledger) {
  std::shared_ptr<grpc::Channel> channel = ChannelFor(cluster, name);
  auto stub = v1::Ingest::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Stream(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_run_id(absl::StrCat(name, "-run"));
  if (!stream->Write(hello)) return;
  v1::CollectorMessage reply;
  if (!stream->Read(&reply) || !reply.has_hello_ack()) return;
  for (uint64_t seq = 1; !stop->load(); ++seq) {
    v1::AgentMessage message;
    v1::Batch* batch = message.mutable_batch();
    batch->set_sequence(seq);
    if (seq == 1) {
      for (int i = 0; i < kSeries; ++i) {
        v1::SeriesDefinition* def = batch->add_definitions();
        def->set_series_id(i + 1);
        def->set_metric("crash_test_value");
        v1::Label* label = def->add_labels();
        label->set_name("i");
        label->set_value(absl::StrCat(i));
      }
    }
    const int64_t t = base_ms + static_cast<int64_t>(seq) * 100;
    v1::SampleGroup* group = batch->add_groups();
    group->set_timestamp_ms(t);
    for (int i = 0; i < kSeries; ++i) {
      group->add_series_ids(i + 1);
      group->add_values(static_cast<double>(seq * 1000 + i));
    }
    {
      absl::MutexLock lock(&ledger->mu);
      ledger->sent.insert(t);
    }
    if (!stream->Write(message) || !stream->Read(&reply) || !reply.has_batch_ack()) break;
    absl::MutexLock lock(&ledger->mu);
    ledger->acked.insert(t);
  }
  context.TryCancel();
}

TEST_CASE("every acknowledged sample survives kill -9 of the collector mid-ingest",
          "[integration][storage]") {
  Cluster cluster;
  for (int a = 0; a < kAgents; ++a) cluster.IssueCertificate("agent", absl::StrCat("crash-", a));
  const int port = FreePort();
  cluster.StartCollector(port);

  const int64_t base_ms = absl::ToUnixMillis(absl::Now()) - 120'000;
  std::atomic<bool> stop{false};
  Ledger ledgers[kAgents];
  std::vector<std::thread> agents;
  for (int a = 0; a < kAgents; ++a) {
    agents.emplace_back(
        [&, a] { Stream(cluster, absl::StrCat("crash-", a), base_ms, &stop, &ledgers[a]); });
  }
  // Kill while every agent has acknowledged batches and more in flight.
  REQUIRE(WaitFor(
      [&] {
        for (Ledger& l : ledgers) {
          absl::MutexLock lock(&l.mu);
          if (l.acked.size() < 300) return false;
        }
        return true;
      },
      absl::Seconds(60)));
  cluster.StopCollector(SIGKILL);
  stop = true;
  for (std::thread& t : agents) t.join();

  cluster.StartCollector(port);
  auto stub = v1::Query::NewStub(ChannelFor(cluster, "oncall"));
  for (int a = 0; a < kAgents; ++a) {
    const std::string host = absl::StrCat("crash-", a);
    grpc::ClientContext context;
    v1::QueryRangeRequest request;
    request.set_selector(absl::StrCat("crash_test_value{instance=\"", host, "\"}"));
    request.set_start_ms(base_ms);
    request.set_end_ms(base_ms + 3'600'000);
    v1::QueryRangeResponse response;
    grpc::Status status = stub->QueryRange(&context, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    REQUIRE(response.series_size() == kSeries);
    absl::MutexLock lock(&ledgers[a].mu);
    INFO(host << ": " << ledgers[a].acked.size() << " batches acknowledged, "
              << ledgers[a].sent.size() << " sent");
    for (const v1::SeriesData& series : response.series()) {
      const std::set<int64_t> stored(series.timestamps_ms().begin(), series.timestamps_ms().end());
      // Exactly once: no repeated timestamp, nothing that was never sent.
      CHECK(stored.size() == static_cast<size_t>(series.timestamps_ms_size()));
      CHECK(std::includes(ledgers[a].sent.begin(), ledgers[a].sent.end(), stored.begin(),
                          stored.end()));
      // Nothing acknowledged is missing.
      CHECK(std::includes(stored.begin(), stored.end(), ledgers[a].acked.begin(),
                          ledgers[a].acked.end()));
      // Values are the ones sent for those timestamps.
      std::string i;
      for (const v1::Label& l : series.labels())
        if (l.name() == "i") i = l.value();
      for (int k = 0; k < series.values_size(); ++k) {
        const int64_t seq = (series.timestamps_ms(k) - base_ms) / 100;
        CHECK(series.values(k) == static_cast<double>(seq * 1000 + std::stoi(i)));
      }
    }
  }
}

}  // namespace
}  // namespace vigil::testing
