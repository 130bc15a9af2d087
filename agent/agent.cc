#include "agent/agent.h"

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "agent/host_facts.h"
#include "agent/registry.h"
#include "common/log.h"
#include "common/version.h"

namespace vigil::agent {

std::string NewRunId() {
  absl::BitGen random;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

Agent::Agent(const AgentConfig& config, const Clock* clock)
    : config_(config), clock_(clock), pending_(config.buffer_max_bytes) {}

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config,
                                                     const Clock* clock) {
  std::unique_ptr<Agent> agent(new Agent(config, clock));
  std::vector<ScheduledSource> sources;
  for (const std::string& name : config.sources) {
    absl::StatusOr<std::unique_ptr<Source>> source = CreateSource(name, config.source_options);
    if (!source.ok()) return source.status();
    auto it = config.source_intervals.find(name);
    sources.push_back(ScheduledSource{
        std::move(*source), it != config.source_intervals.end() ? it->second : config.interval});
  }
  agent->sampler_ = std::make_unique<Sampler>(std::move(sources), config.source_options.proc_root,
                                              config.interval, &agent->registry_, &agent->pending_);
  v1::Hello hello;
  hello.set_agent_version(kVersion);
  hello.set_boot_id(ReadBootId(config.source_options.proc_root));
  *hello.mutable_facts() =
      ReadHostFacts(config.source_options.proc_root, config.source_options.root_fs);
  hello.set_run_id(NewRunId());
  hello.set_sample_interval_ms(static_cast<uint32_t>(absl::ToInt64Milliseconds(config.interval)));
  agent->link_ = std::make_unique<CollectorLink>(config.link, std::move(hello), &agent->registry_,
                                                 &agent->pending_, clock);
  return agent;
}

void Agent::Run() {
  std::thread transport([this] { link_->Run(); });
  const absl::Duration interval = config_.interval;
  while (!stop_.HasBeenNotified()) {
    // Ticks fall on interval boundaries (12:00:00, 12:00:01, ...) so that every host's
    // samples line up in time.
    const absl::Time now = clock_->Now();
    const absl::Time next = absl::UnixEpoch() + absl::Ceil(now - absl::UnixEpoch(), interval);
    if (stop_.WaitForNotificationWithTimeout(next - now)) break;
    sampler_->Tick(next);
  }
  link_->Stop();
  pending_.Close();
  transport.join();
}

void Agent::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
}

void Agent::SampleOnce(SampleSink* sink) { sampler_->Tick(clock_->Now(), sink); }

}  // namespace vigil::agent
