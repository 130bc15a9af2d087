#include "agent/agent.h"

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "agent/host_facts.h"
#include "agent/registry.h"
#include "agent/self_metrics.h"
#include "common/log.h"
#include "common/version.h"

namespace vigil::agent {
namespace {

OutboxOptions OutboxOptionsFor(const AgentConfig& config, AgentMode mode) {
  OutboxOptions options = config.outbox;
  if (mode == AgentMode::kOnce) options.spool.dir.clear();
  return options;
}

}  // namespace

std::string NewRunId() {
  absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

Agent::Agent(const AgentConfig& config, const Clock* clock, AgentMode mode)
    : clock_(clock),
      run_id_(NewRunId()),
      outbox_(OutboxOptionsFor(config, mode), run_id_, &registry_, clock),
      config_(config) {}

absl::StatusOr<std::unique_ptr<Sampler>> Agent::MakeSampler(const AgentConfig& config) {
  std::vector<ScheduledSource> sources;
  for (const std::string& name : config.sources) {
    absl::StatusOr<std::unique_ptr<Source>> source = CreateSource(name, config.source_options);
    if (!source.ok()) return source.status();
    auto it = config.source_intervals.find(name);
    sources.push_back(ScheduledSource{
        std::move(*source), it != config.source_intervals.end() ? it->second : config.interval});
  }
  return std::make_unique<Sampler>(
      std::move(sources), config.source_options.proc_root, config.interval, &registry_, &outbox_,
      [this](SampleSink& sink) { EmitSelfMetrics(outbox_, link_.get(), registry_, sink); });
}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config, const Clock* clock,
                                                     AgentMode mode) {
  std::unique_ptr<Agent> agent(new Agent(config, clock, mode));
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = agent->MakeSampler(config);
  if (!sampler.ok()) return sampler.status();
  {
    absl::MutexLock lock(&agent->mu_);
    agent->sampler_ = std::move(*sampler);
  }
  v1::Hello hello;
  hello.set_agent_version(kVersion);
  hello.set_boot_id(ReadBootId(config.source_options.proc_root));
  *hello.mutable_facts() =
      ReadHostFacts(config.source_options.proc_root, config.source_options.root_fs);
  hello.set_run_id(agent->run_id_);
  hello.set_sample_interval_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(config.interval)));
  agent->link_ =
      std::make_unique<CollectorLink>(config.link, std::move(hello), &agent->outbox_, clock);
  return agent;
}

void Agent::Run(absl::Duration flush_timeout) {
  std::thread transport([this] { link_->Run(); });
  while (!stop_.HasBeenNotified()) {
    std::shared_ptr<Sampler> sampler;
    {
      absl::MutexLock lock(&mu_);
      sampler = sampler_;
    }
    // Ticks fall on interval boundaries (12:00:00, 12:00:01, ...) so that every host's
    // samples line up in time.
    const absl::Duration interval = sampler->base_interval();
    const absl::Time now = clock_->Now();
    const absl::Time next = absl::UnixEpoch() + absl::Ceil(now - absl::UnixEpoch(), interval);
    if (stop_.WaitForNotificationWithTimeout(next - now)) break;
    sampler->Tick(next);
    last_tick_ms_ = clock_->NowMs();
  }
  // Flush: what is spooled is made durable; the last live batches get a moment to
  // reach the collector (the rest is sent after the next start).
  outbox_.Sync();
  const absl::Time deadline = absl::Now() + flush_timeout;
  while (link_->connected() && !outbox_.LiveDrained() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  link_->Stop();
  outbox_.Close();
  transport.join();
}

void Agent::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
}

absl::Status Agent::Reload(const AgentConfig& config) {
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeSampler(config);
  if (!sampler.ok()) return sampler.status();
  {
    absl::MutexLock lock(&mu_);
    const spool::SpoolOptions& was = config_.outbox.spool;
    const spool::SpoolOptions& now = config.outbox.spool;
    if (was.dir != now.dir || was.max_bytes != now.max_bytes || was.max_age != now.max_age ||
        was.sync_interval != now.sync_interval ||
        config_.outbox.memory_max_bytes != config.outbox.memory_max_bytes ||
        config_.outbox.replay_message_bytes != config.outbox.replay_message_bytes) {
      LogWarning("reload: spool settings changed; they take effect when the agent restarts");
    }
    sampler_ = std::move(*sampler);
    config_ = config;
  }
  SetLogLevel(config.log_level);
  link_->Reconfigure(config.link);
  return absl::OkStatus();
}

bool Agent::Healthy() const {
  absl::Duration interval;
  {
    absl::MutexLock lock(&mu_);
    interval = sampler_->base_interval();
  }
  const int64_t last = last_tick_ms_.load();
  if (last == 0) return true;  // not started yet
  return clock_->NowMs() - last <= absl::ToInt64Milliseconds(3 * interval) + 5000;
}

std::string Agent::StatusLine() const {
  const LinkStats link = link_->stats();
  const OutboxStats out = outbox_.stats();
  return absl::StrFormat("%s; %d batches unacknowledged; spool %s, %.1f MiB",
                         link.connected ? "streaming to " + link.address : "collector unreachable",
                         out.unacknowledged, out.spool_ok ? "ok" : "NOT WRITABLE",
                         static_cast<double>(out.spool_bytes) / (1 << 20));
}

void Agent::SampleOnce(SampleSink* sink) {
  std::shared_ptr<Sampler> sampler;
  {
    absl::MutexLock lock(&mu_);
    sampler = sampler_;
  }
  // SQL and scripts run in the background: give them a moment to be in the output.
  sampler->AwaitFirstResults(absl::Seconds(30));
  sampler->Tick(clock_->Now(), sink);
}

}  // namespace vigil::agent
