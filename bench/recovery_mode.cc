// vigil-bench recovery: fill the head of a real collector, kill -9 it right after the last
// acknowledgement, restart it, and time how long until it serves again; then check that
// every acknowledged sample is there.
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/bench_collector.h"
#include "bench/modes.h"
#include "bench/sim_agent.h"
#include "bench/stats.h"
#include "common/log.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::bench {

int RunRecovery(const RecoveryFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  const int n = flags.agents;
  absl::StatusOr<std::unique_ptr<BenchCollector>> created = BenchCollector::Create(
      common.dir, n, static_cast<size_t>(flags.series) + 64, common.keep_dir);
  if (!created.ok()) {
    LogError("recovery: ", created.status().message());
    return 1;
  }
  BenchCollector& collector = **created;
  if (absl::StatusOr<absl::Duration> s = collector.Start(); !s.ok()) {
    LogError("recovery: ", s.status().message());
    return 1;
  }

  const int64_t first_ms = (absl::ToUnixSeconds(absl::Now()) - flags.ticks) * 1000;
  const absl::Time ingest_begin = absl::Now();
  std::vector<uint64_t> acked(n, 0);
  absl::Mutex mu;
  std::string failure;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = collector.Channel(i);
      absl::Status s = channel.status();
      if (s.ok()) {
        SimAgent agent(i, flags.series, *channel);
        s = agent.Connect();
        for (int k = 0; k < flags.ticks && s.ok(); ++k) {
          s = agent.Send(agent.BuildBatch(first_ms + static_cast<int64_t>(k) * 1000, 1));
          if (!s.ok()) break;
          absl::StatusOr<uint32_t> ack = agent.ReadAck();
          if (!ack.ok()) {
            s = ack.status();
            break;
          }
          acked[i] += *ack;
        }
        // No clean close: the collector is killed with these streams open.
      }
      if (!s.ok()) {
        absl::MutexLock lock(&mu);
        if (failure.empty()) failure = absl::StrCat("agent ", i, ": ", s.message());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double ingest_s = absl::ToDoubleSeconds(absl::Now() - ingest_begin);
  if (!failure.empty()) {
    LogError("recovery: ", failure, "\n", collector.Log());
    return 1;
  }
  uint64_t total_acked = 0;
  for (uint64_t a : acked) total_acked += a;

  collector.Kill();
  absl::StatusOr<absl::Duration> restarted = collector.Start();
  if (!restarted.ok()) {
    LogError("recovery: ", restarted.status().message());
    return 1;
  }

  // Every acknowledged sample, per agent.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> op = collector.Channel(-1);
  if (!op.ok()) {
    LogError("recovery: ", op.status().message());
    return 1;
  }
  auto stub = v1::Query::NewStub(*op);
  uint64_t found = 0, series_found = 0;
  for (int i = 0; i < n; ++i) {
    grpc::ClientContext context;
    v1::QueryRangeRequest request;
    request.set_selector(absl::StrCat("{instance=\"", BenchCollector::AgentName(i), "\"}"));
    request.set_start_ms(first_ms - 1000);
    request.set_end_ms(first_ms + flags.ticks * 1000LL);
    v1::QueryRangeResponse response;
    grpc::Status status = stub->QueryRange(&context, request, &response);
    if (!status.ok()) {
      LogError("recovery: query ", request.selector(), ": ", status.error_message());
      return 1;
    }
    series_found += response.series_size();
    for (const v1::SeriesData& s : response.series()) found += s.timestamps_ms_size();
  }
  const uint64_t rss = collector.RssBytes();
  collector.Terminate();
  nlohmann::json figures = {
      {"mode", "recovery"},
      {"series", static_cast<int64_t>(n) * flags.series},
      {"series_found", series_found},
      {"samples_acked", total_acked},
      {"samples_found", found},
      {"nothing_missing", found == total_acked},
      {"ingest_s", ingest_s},
      {"recovery_s", absl::ToDoubleSeconds(*restarted)},
      {"collector_rss_mb_after_restart", static_cast<double>(rss) / (1 << 20)},
  };
  *out = figures;
  PrintFigures("vigil-bench recovery", figures, common.json);
  return found == total_acked ? 0 : 2;
}

}  // namespace vigil::bench
