// vigil-bench ingest: N simulated agents over mTLS gRPC into a real collector process.
//
// Phase 1, burst: every agent sends a backlog (as after an outage) as fast as the
// collector acknowledges it, two batches in flight; the figure is acknowledged samples
// per second over the whole phase. Phase 2, sustained: every agent sends one tick a
// second at real time (ticks aligned to the second, as the agent does, with a few ms of
// per-host jitter); the figures are the acknowledgement latency and how many of the
// machine's cores the collector used.
#include <atomic>
#include <barrier>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/bench_collector.h"
#include "bench/modes.h"
#include "bench/sim_agent.h"
#include "bench/stats.h"
#include "common/log.h"

namespace vigil::bench {
namespace {

void SleepUntil(absl::Time t) {
  const absl::Duration d = t - absl::Now();
  if (d > absl::ZeroDuration()) absl::SleepFor(d);
}

}  // namespace

int RunIngest(const IngestFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  const int n = flags.agents;
  absl::StatusOr<std::unique_ptr<BenchCollector>> created = BenchCollector::Create(
      common.dir, n, static_cast<size_t>(flags.series) + 64, common.keep_dir);
  if (!created.ok()) {
    LogError("ingest: ", created.status().message());
    return 1;
  }
  BenchCollector& collector = **created;
  absl::StatusOr<absl::Duration> started = collector.Start();
  if (!started.ok()) {
    LogError("ingest: ", started.status().message());
    return 1;
  }

  std::vector<std::unique_ptr<SimAgent>> agents(n);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = collector.Channel(i);
    if (!channel.ok()) {
      LogError("ingest: ", channel.status().message());
      return 1;
    }
    agents[i] = std::make_unique<SimAgent>(i, flags.series, *channel);
  }

  const int batches = std::max(1, flags.burst_ticks / flags.batch_ticks);
  const int64_t now_s = absl::ToUnixSeconds(absl::Now());
  const int64_t burst_start_ms = (now_s - batches * flags.batch_ticks - 2) * 1000;
  std::atomic<int64_t> sustained_start_ms{0};  // set by the main thread after the burst

  absl::Mutex mu;
  std::vector<double> latencies_ms;
  uint64_t burst_samples = 0, sustained_samples = 0;
  std::string failure;
  absl::Time burst_begin, burst_end, sustained_begin;
  double cpu_burst_begin = 0, cpu_burst_end = 0;
  // Every agent connects and builds its backlog, then all start the burst together.
  std::barrier ready(n + 1), burst_done(n + 1), go(n + 1);

  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      SimAgent& agent = *agents[i];
      auto fail = [&](const absl::Status& s) {
        absl::MutexLock lock(&mu);
        if (failure.empty()) failure = absl::StrCat("agent ", i, ": ", s.message());
      };
      absl::Status connected = agent.Connect();
      if (!connected.ok()) fail(connected);
      std::vector<v1::AgentMessage> backlog;
      for (int b = 0; b < batches; ++b) {
        backlog.push_back(
            agent.BuildBatch(burst_start_ms + static_cast<int64_t>(b) * flags.batch_ticks * 1000,
                             flags.batch_ticks));
      }
      ready.arrive_and_wait();
      uint64_t stored = 0;
      if (connected.ok()) {
        // Two batches in flight.
        size_t sent = 0, acked = 0;
        while (acked < backlog.size()) {
          while (sent < backlog.size() && sent < acked + 2) {
            absl::Status s = agent.Send(backlog[sent++]);
            if (!s.ok()) {
              fail(s);
              break;
            }
          }
          absl::StatusOr<uint32_t> ack = agent.ReadAck();
          if (!ack.ok()) {
            fail(ack.status());
            break;
          }
          stored += *ack;
          ++acked;
        }
      }
      backlog.clear();
      {
        absl::MutexLock lock(&mu);
        burst_samples += stored;
      }
      burst_done.arrive_and_wait();
      go.arrive_and_wait();

      // Sustained: one tick a second at real time.
      std::vector<double> mine;
      uint64_t sustained = 0;
      const absl::Duration jitter = absl::Milliseconds((i * 7919) % 50);
      for (int s = 0; s < flags.seconds && connected.ok(); ++s) {
        const int64_t t = sustained_start_ms.load() + static_cast<int64_t>(s) * 1000;
        SleepUntil(absl::FromUnixMillis(t) + jitter);
        v1::AgentMessage batch = agent.BuildBatch(t, 1);
        const absl::Time sent = absl::Now();
        absl::Status st = agent.Send(batch);
        absl::StatusOr<uint32_t> ack = st.ok() ? agent.ReadAck() : absl::StatusOr<uint32_t>(st);
        if (!ack.ok()) {
          fail(ack.status());
          break;
        }
        mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
        sustained += *ack;
      }
      agent.Close().IgnoreError();
      absl::MutexLock lock(&mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      sustained_samples += sustained;
    });
  }
  ready.arrive_and_wait();
  cpu_burst_begin = collector.CpuSeconds();
  burst_begin = absl::Now();
  burst_done.arrive_and_wait();
  burst_end = absl::Now();
  cpu_burst_end = collector.CpuSeconds();
  sustained_start_ms = (absl::ToUnixSeconds(absl::Now()) + 2) * 1000;
  go.arrive_and_wait();
  SleepUntil(absl::FromUnixMillis(sustained_start_ms.load()));
  sustained_begin = absl::Now();
  const double cpu_sustained_begin = collector.CpuSeconds();
  for (std::thread& t : threads) t.join();
  const absl::Time sustained_end = absl::Now();
  const double cpu_sustained_end = collector.CpuSeconds();
  const uint64_t rss = collector.RssBytes();
  collector.Terminate();

  if (!failure.empty()) {
    LogError("ingest: ", failure, "\ncollector log:\n", collector.Log());
    return 1;
  }
  const double burst_s = absl::ToDoubleSeconds(burst_end - burst_begin);
  const double sustained_s = absl::ToDoubleSeconds(sustained_end - sustained_begin);
  nlohmann::json figures = {
      {"mode", "ingest"},
      {"agents", n},
      {"series", static_cast<int64_t>(n) * flags.series},
      {"burst_samples", burst_samples},
      {"burst_samples_per_sec", static_cast<double>(burst_samples) / burst_s},
      {"burst_collector_cpu_cores", (cpu_burst_end - cpu_burst_begin) / burst_s},
      {"sustained_samples_per_sec", static_cast<double>(sustained_samples) / sustained_s},
      {"sustained_collector_cpu_cores", (cpu_sustained_end - cpu_sustained_begin) / sustained_s},
      {"samples_per_sec", static_cast<double>(burst_samples) / burst_s},
      {"p50_ms", Percentile(latencies_ms, 0.5)},
      {"p99_ms", Percentile(latencies_ms, 0.99)},
      {"collector_rss_mb", static_cast<double>(rss) / (1 << 20)},
      {"collector_start_s", absl::ToDoubleSeconds(*started)},
  };
  *out = figures;
  PrintFigures("vigil-bench ingest", figures, common.json);
  return 0;
}

}  // namespace vigil::bench
