// vigil-bench alert: end-to-end alert latency through a real collector process.
//
// The collector evaluates the shipped rule packs (deploy/rules) plus one benchmark rule,
// `vigil_bench_probe > 100` with `for: 0`, and notifies a webhook receiver in this
// process (webhook_receiver.h). N simulated agents (sim_agent.h) send node_exporter-like
// series every second for the whole run. A probe agent samples
// vigil_bench_probe{trial="N"} every second: 50 for one or two ticks, then 150 until
// the receiver has the firing alert for trial N. A trial's latency is the receive time
// minus the timestamp of the first sample over the threshold (both this machine's
// clock). Each trial is a new series and so a new alert (no flapping protection); its
// series goes back to 50 at the next trial's first tick, so the alert resolves.
//
// Also, from the collector's own metrics between the first and the last trial: rule
// evaluations and series evaluated per second, the mean time of one evaluation, and
// the collector's CPU.
#include <atomic>
#include <barrier>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "bench/bench_collector.h"
#include "bench/metrics_text.h"
#include "bench/modes.h"
#include "bench/probe_agent.h"
#include "bench/sim_agent.h"
#include "bench/stats.h"
#include "bench/webhook_receiver.h"
#include "collector/alerts/rule_file.h"
#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "vigil/v1/query.grpc.pb.h"

namespace vigil::bench {
namespace {

constexpr char kProbeMetric[] = "vigil_bench_probe";
constexpr char kProbeRule[] = "BenchProbe";
constexpr char kTrialLabel[] = "trial";
constexpr double kBelow = 50, kAbove = 150;

void SleepUntil(absl::Time t) {
  const absl::Duration d = t - absl::Now();
  if (d > absl::ZeroDuration()) absl::SleepFor(d);
}

// The alert manager's counters at one moment.
struct AlertCounters {
  double evaluations = 0;
  double failures = 0;
  double series = 0;
  double seconds_sum = 0;
  double seconds_count = 0;
};

absl::StatusOr<AlertCounters> ScrapeAlertCounters(v1::Query::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::MetricsResponse response;
  grpc::Status status = stub.Metrics(&context, v1::MetricsRequest(), &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("collector metrics: ", status.error_message()));
  }
  AlertCounters c;
  const std::pair<const char*, double*> wanted[] = {
      {"vigil_alert_rule_evaluations_total", &c.evaluations},
      {"vigil_alert_rule_evaluation_failures_total", &c.failures},
      {"vigil_alert_series_evaluated_total", &c.series},
      {"vigil_alert_rule_evaluation_seconds_sum", &c.seconds_sum},
      {"vigil_alert_rule_evaluation_seconds_count", &c.seconds_count},
  };
  for (const auto& [name, value] : wanted) {
    VIGIL_ASSIGN_OR_RETURN(*value, MetricSum(response.text(), name));
  }
  return c;
}

// The simulated agents loading the collector: one thread each, one tick a second at
// real time (aligned to the second with a few ms of per-host jitter) until Stop.
class LoadAgents {
 public:
  explicit LoadAgents(std::vector<std::unique_ptr<SimAgent>> agents)
      : agents_(std::move(agents)), first_(static_cast<std::ptrdiff_t>(agents_.size()) + 1) {}

  // Starts the threads; returns once every agent has connected and its first tick (the
  // one with the series definitions) is acknowledged.
  absl::Status Start() {
    const int n = static_cast<int>(agents_.size());
    first_tick_s_ = absl::ToUnixSeconds(absl::Now()) + 1;
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, i] { Run(i); });
    }
    first_.arrive_and_wait();
    absl::MutexLock lock(&mu_);
    if (!failure_.empty()) return absl::UnavailableError(failure_);
    latencies_ms_.clear();  // the first tick defines the series: not steady state
    late_ticks_ = 0;
    return absl::OkStatus();
  }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  std::string failure() const {
    absl::MutexLock lock(&mu_);
    return failure_;
  }
  std::vector<double> latencies_ms() const {
    absl::MutexLock lock(&mu_);
    return latencies_ms_;
  }
  uint64_t late_ticks() const {
    absl::MutexLock lock(&mu_);
    return late_ticks_;
  }

 private:
  void Run(int i) {
    SimAgent& agent = *agents_[i];
    auto fail = [&](const absl::Status& s) {
      absl::MutexLock lock(&mu_);
      if (failure_.empty()) failure_ = absl::StrCat("agent ", i, ": ", s.message());
    };
    const absl::Duration jitter = absl::Milliseconds((i * 7919) % 50);
    absl::Status ok = agent.Connect();
    int64_t second = first_tick_s_;
    bool first_done = false;
    std::vector<double> mine;
    uint64_t late = 0;
    while (ok.ok() && !stop_) {
      SleepUntil(absl::FromUnixSeconds(second) + jitter);
      v1::AgentMessage batch = agent.BuildBatch(second * 1000, 1);
      const absl::Time sent = absl::Now();
      ok = agent.Send(batch);
      absl::StatusOr<uint32_t> ack = ok.ok() ? agent.ReadAck() : absl::StatusOr<uint32_t>(ok);
      if (!ack.ok()) {
        ok = ack.status();
        break;
      }
      mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
      if (!first_done) {
        first_done = true;
        mine.clear();
        first_.arrive_and_wait();
      }
      // The next second; if the collector kept us past it, the current one (an agent
      // samples on time and does not catch up on ticks it missed).
      const int64_t now_s = absl::ToUnixSeconds(absl::Now());
      if (now_s > second + 1) {
        ++late;
        second = now_s;
      } else {
        ++second;
      }
    }
    if (!ok.ok() && !stop_) fail(ok);
    if (!first_done) first_.arrive_and_wait();
    agent.Close().IgnoreError();
    absl::MutexLock lock(&mu_);
    latencies_ms_.insert(latencies_ms_.end(), mine.begin(), mine.end());
    late_ticks_ += late;
  }

  std::vector<std::unique_ptr<SimAgent>> agents_;
  std::barrier<> first_;  // every agent's first tick is acknowledged (or it failed)
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  int64_t first_tick_s_ = 0;
  mutable absl::Mutex mu_;
  std::string failure_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  uint64_t late_ticks_ ABSL_GUARDED_BY(mu_) = 0;
};

int Fail(absl::string_view what, const BenchCollector* collector = nullptr) {
  LogError("alert: ", what, collector ? absl::StrCat("\ncollector log:\n", collector->Log()) : "");
  return 1;
}

}  // namespace

int RunAlert(const AlertFlags& flags, const CommonFlags& common, nlohmann::json* out) {
  const int n = flags.agents;
  const size_t max_series = static_cast<size_t>(std::max(flags.series, flags.trials)) + 64;
  // Agents 0..n-1 load the collector; agent n is the probe.
  // Rules over all hosts select up to every series: let a query do that (0: the flag's
  // default), so that the rule packs evaluate rather than fail at the limit.
  const size_t query_max_series = flags.query_max_series > 0
                                      ? static_cast<size_t>(flags.query_max_series)
                                      : static_cast<size_t>(n + 1) * max_series;
  absl::StatusOr<std::unique_ptr<BenchCollector>> created =
      BenchCollector::Create(common.dir, n + 1, max_series, common.keep_dir, query_max_series);
  if (!created.ok()) return Fail(created.status().message());
  BenchCollector& collector = **created;

  absl::StatusOr<std::unique_ptr<WebhookReceiver>> receiver =
      WebhookReceiver::Start(kProbeRule, kTrialLabel);
  if (!receiver.ok()) return Fail(receiver.status().message());

  const std::string bench_rules = collector.dir() + "/bench-rules.yaml";
  absl::Status written = WriteFileAtomically(
      bench_rules,
      absl::StrCat("groups:\n  - name: bench\n    rules:\n      - alert: ", kProbeRule,
                   "\n        expr: '", kProbeMetric, " > 100'\n", "        severity: critical\n"));
  if (!written.ok()) return Fail(written.message());
  std::vector<std::string> rule_files = {bench_rules};
  if (!flags.rules_dir.empty()) rule_files.push_back(flags.rules_dir + "/*.yaml");
  absl::StatusOr<alerts::RuleSet> rules = alerts::LoadRuleFiles(rule_files);
  if (!rules.ok()) return Fail(rules.status().message());
  absl::Status configured = collector.AppendConfig(absl::StrCat(
      "alerting:\n  rule_files: [", absl::StrJoin(rule_files, ", "), "]\n",
      "  receivers:\n    - {name: bench, type: webhook, url: \"", (*receiver)->url(), "\"}\n"));
  if (!configured.ok()) return Fail(configured.message());

  absl::StatusOr<absl::Duration> started = collector.Start();
  if (!started.ok()) return Fail(started.status().message());

  std::vector<std::unique_ptr<SimAgent>> sims(n);
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = collector.Channel(i);
    if (!channel.ok()) return Fail(channel.status().message());
    sims[i] = std::make_unique<SimAgent>(i, flags.series, *channel);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> probe_channel = collector.Channel(n);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> operator_channel = collector.Channel(-1);
  if (!probe_channel.ok()) return Fail(probe_channel.status().message());
  if (!operator_channel.ok()) return Fail(operator_channel.status().message());
  ProbeAgent probe(kProbeMetric, kTrialLabel, *probe_channel);
  std::unique_ptr<v1::Query::Stub> query = v1::Query::NewStub(*operator_channel);

  LoadAgents load(std::move(sims));
  if (absl::Status s = load.Start(); !s.ok()) {
    load.Stop();
    return Fail(s.message(), &collector);
  }
  if (absl::Status s = probe.Connect(); !s.ok()) {
    load.Stop();
    return Fail(s.message(), &collector);
  }
  std::fprintf(stderr, "alert: %d agents connected; warming up for %d s\n", n, flags.warmup);
  absl::SleepFor(absl::Seconds(flags.warmup));

  absl::StatusOr<AlertCounters> before = ScrapeAlertCounters(*query);
  if (!before.ok()) {
    load.Stop();
    return Fail(before.status().message(), &collector);
  }
  const double cpu_begin = collector.CpuSeconds();
  const double self_cpu_begin = ProcessCpuSeconds();
  const absl::Time begin = absl::Now();

  std::mt19937_64 rng(flags.seed);
  std::vector<double> latencies_ms;
  int timeouts = 0;
  std::string failure;
  std::string previous;  // the last trial's key: back to 50 at this trial's first tick
  for (int trial = 0; trial < flags.trials && failure.empty(); ++trial) {
    const std::string key = absl::StrCat(trial);
    // A random phase against the load agents' ticks, then one or two samples below.
    absl::Time next = absl::Now() + absl::Milliseconds(static_cast<int64_t>(rng() % 1000));
    const int below = 1 + static_cast<int>(rng() % 2);
    absl::Status s;
    for (int k = 0; k < below && s.ok(); ++k) {
      SleepUntil(next);
      std::vector<std::pair<std::string, double>> values = {{key, kBelow}};
      if (!previous.empty()) values.emplace_back(previous, kBelow);
      previous.clear();
      s = probe.Sample(absl::Now(), values);
      next += absl::Seconds(1);
    }
    SleepUntil(next);
    const absl::Time over = absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
    if (s.ok()) s = probe.Sample(over, {{key, kAbove}});
    const absl::Time deadline = over + absl::Seconds(flags.timeout);
    std::optional<absl::Time> received;
    while (s.ok()) {
      next += absl::Seconds(1);
      received = (*receiver)->WaitFiring(key, std::min(next, deadline));
      if (received.has_value() || absl::Now() >= deadline) break;
      s = probe.Sample(absl::Now(), {{key, kAbove}});  // still over, every second
    }
    if (!s.ok()) {
      failure = std::string(s.message());
    } else if (received.has_value()) {
      latencies_ms.push_back(absl::ToDoubleMilliseconds(*received - over));
    } else {
      ++timeouts;
      LogWarning("alert: trial ", trial, ": no notification within ", flags.timeout, " s");
    }
    previous = key;
    if ((trial + 1) % 10 == 0) {
      std::fprintf(stderr, "alert: %d trials, p50 %.0f ms\n", trial + 1,
                   Percentile(latencies_ms, 0.5));
    }
  }

  const absl::Time end = absl::Now();
  const double cpu_end = collector.CpuSeconds();
  const double self_cpu_end = ProcessCpuSeconds();
  absl::StatusOr<AlertCounters> after = ScrapeAlertCounters(*query);
  const uint64_t rss = collector.RssBytes();
  probe.Close().IgnoreError();
  load.Stop();
  collector.Terminate();
  if (!failure.empty()) return Fail(failure, &collector);
  if (!load.failure().empty()) return Fail(load.failure(), &collector);
  if (!after.ok()) return Fail(after.status().message(), &collector);
  if (latencies_ms.empty()) return Fail("no trial was notified", &collector);

  const double seconds = absl::ToDoubleSeconds(end - begin);
  const double evaluations = after->evaluations - before->evaluations;
  const double eval_count = after->seconds_count - before->seconds_count;
  const WebhookReceiver::Counts counts = (*receiver)->counts();
  const std::vector<double> load_acks = load.latencies_ms();
  nlohmann::json figures = {
      {"mode", "alert"},
      {"agents", n},
      {"series", static_cast<int64_t>(n) * flags.series},
      {"rules", rules->RuleCount()},
      {"query_max_series", query_max_series},
      {"trials", flags.trials},
      {"notified", latencies_ms.size()},
      {"timeouts", timeouts},
      {"p50_ms", Percentile(latencies_ms, 0.5)},
      {"p90_ms", Percentile(latencies_ms, 0.9)},
      {"p99_ms", Percentile(latencies_ms, 0.99)},
      {"max_ms", Percentile(latencies_ms, 1.0)},
      {"min_ms", Percentile(latencies_ms, 0.0)},
      {"rule_evaluations_per_sec", evaluations / seconds},
      {"series_evaluated_per_sec", (after->series - before->series) / seconds},
      {"rule_evaluation_failures", after->failures - before->failures},
      {"rule_evaluation_mean_ms",
       eval_count > 0 ? 1000 * (after->seconds_sum - before->seconds_sum) / eval_count : 0.0},
      {"collector_cpu_cores", (cpu_end - cpu_begin) / seconds},
      {"bench_cpu_cores", (self_cpu_end - self_cpu_begin) / seconds},
      {"collector_rss_mb", static_cast<double>(rss) / (1 << 20)},
      {"agent_ack_p50_ms", Percentile(load_acks, 0.5)},
      {"agent_ack_p99_ms", Percentile(load_acks, 0.99)},
      {"agent_late_ticks", load.late_ticks()},
      {"webhook_posts", counts.posts},
      {"webhook_other_alerts", counts.other_alerts},
      {"measured_s", seconds},
  };
  *out = figures;
  PrintFigures("vigil-bench alert", figures, common.json);
  return counts.bad_posts == 0
             ? 0
             : Fail(
                   absl::StrCat(counts.bad_posts, " webhook posts were not Alertmanager payloads"));
}

}  // namespace vigil::bench
