// vigil-bench spool-fill: writes what an earlier agent run would have left in its spool
// after a long collector outage, so that the agent's replay can be measured without
// waiting a day (tests/bench/agent_replay.sh).
//
// The series are this host's, as the agent samples them here: one tick of the agent's
// own sources and self metrics (what `vigil-agent --once` prints), with the agent's
// configuration when one is given. Their values over time come from the simulated host
// (host_data.h): a series the simulated host has by name (node_cpu_seconds_total,
// node_disk_*, ...) follows one of that name's models; the others (the agent's newer
// self metrics, node_cpu_guest_seconds_total) follow an event counter's model if they are
// counters, else a small integer gauge's. Batches are built by the agent's BatchBuilder
// and written with the real Spool, the definitions through the same callback the agent
// uses (SeriesRegistry::Define), one batch a second ending at the current second, as if
// the agent had written them then (segments rotate on the simulated clock).
#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/agent.h"
#include "agent/config.h"
#include "agent/series_registry.h"
#include "agent/spool/spool.h"
#include "bench/host_data.h"
#include "bench/modes.h"
#include "bench/stats.h"
#include "common/log.h"

namespace vigil::bench {
namespace {

struct AgentSeries {
  std::string metric;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;  // at discovery
};

// Collects one tick's samples.
class CaptureSink : public agent::SampleSink {
 public:
  using SampleSink::Add;
  void Add(absl::string_view metric, std::span<const agent::LabelPair> labels,
           double value) override {
    AgentSeries s{std::string(metric), {}, value};
    for (const agent::LabelPair& l : labels) s.labels.emplace_back(l.name, l.value);
    series.push_back(std::move(s));
  }
  void AddEvent(agent::Event) override {}  // the spool benchmark sizes samples only
  std::vector<AgentSeries> series;
};

// A configuration for sampling this host with the agent's defaults. The collector and
// TLS files are never used: the agent only samples once.
constexpr char kDefaultAgentConfig[] = R"(collector: {address: "127.0.0.1:7070"}
tls: {ca: unused/ca.crt, cert: unused/agent.crt, key: unused/agent.key}
)";

absl::StatusOr<agent::AgentConfig> AgentConfigFor(const SpoolFillFlags& flags) {
  if (!flags.agent_config.empty()) return agent::LoadAgentConfig(flags.agent_config);
  return agent::ParseAgentConfig(kDefaultAgentConfig, "default agent configuration", "");
}

// The series the agent samples on this host, in the order it samples them.
absl::StatusOr<std::vector<AgentSeries>> DiscoverSeries(const agent::AgentConfig& config) {
  absl::StatusOr<std::unique_ptr<agent::Agent>> once =
      agent::Agent::Create(config, &Clock::Real(), agent::AgentMode::kOnce);
  if (!once.ok()) return once.status();
  CaptureSink sink;
  (*once)->SampleOnce(&sink);
  return std::move(sink.series);
}

// For each series, the index of the simulated host's series whose values it takes.
std::vector<size_t> MapToModels(const std::vector<AgentSeries>& series,
                                const HostDataGenerator& host) {
  std::map<std::string, std::vector<size_t>> by_name;
  std::vector<size_t> counters, gauges;
  for (size_t i = 0; i < host.size(); ++i) {
    const SeriesInfo& info = host.series()[i];
    by_name[info.labels.front().second].push_back(i);
    if (info.kind == SeriesKind::kEventCounter) counters.push_back(i);
    if (info.kind == SeriesKind::kIntGauge) gauges.push_back(i);
  }
  std::map<std::string, size_t> used;
  size_t next_counter = 0, next_gauge = 0;
  std::vector<size_t> out;
  for (const AgentSeries& s : series) {
    auto it = by_name.find(s.metric);
    if (it != by_name.end()) {
      out.push_back(it->second[used[s.metric]++ % it->second.size()]);
    } else if (absl::EndsWith(s.metric, "_total")) {
      out.push_back(counters[next_counter++ % counters.size()]);
    } else {
      out.push_back(gauges[next_gauge++ % gauges.size()]);
    }
  }
  return out;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) bytes += entry.file_size(error);
  }
  return bytes;
}

}  // namespace

int RunSpoolFill(const SpoolFillFlags& flags, bool json, nlohmann::json* out) {
  absl::StatusOr<agent::AgentConfig> config = AgentConfigFor(flags);
  if (!config.ok()) {
    LogError("spool-fill: ", config.status().message());
    return 2;
  }
  agent::spool::SpoolOptions options = config->outbox.spool;
  if (!flags.spool_dir.empty()) {
    options.dir = flags.spool_dir;
  } else if (flags.agent_config.empty()) {
    LogError("spool-fill: give --spool DIR or --agent-config FILE (whose spool.dir is used)");
    return 2;
  }
  // The agent syncs every few seconds; a day of batches written in seconds needs only
  // the syncs at segment rotation and at the end.
  options.sync_interval = absl::InfiniteDuration();

  const absl::Time begin = absl::Now();
  absl::StatusOr<std::vector<AgentSeries>> discovered = DiscoverSeries(*config);
  if (!discovered.ok()) {
    LogError("spool-fill: sampling this host: ", discovered.status().message());
    return 1;
  }
  std::vector<AgentSeries> series = *std::move(discovered);
  const size_t sampled_here = series.size();
  HostDataGenerator host(flags.seed);
  if (flags.series > 0) {
    // More series than this host has: the simulated host's, beyond those the agent has.
    for (size_t i = 0; series.size() < static_cast<size_t>(flags.series); ++i) {
      const SeriesInfo& info = host.series()[i % host.size()];
      AgentSeries extra{info.labels.front().second, {}, 0};
      extra.labels.assign(info.labels.begin() + 1, info.labels.end());
      extra.labels.emplace_back("copy", absl::StrCat(i / host.size()));
      series.push_back(std::move(extra));
    }
    series.resize(static_cast<size_t>(flags.series));
  }
  const std::vector<size_t> model = MapToModels(series, host);

  agent::SeriesRegistry registry;
  std::vector<std::vector<agent::LabelPair>> label_views;
  for (const AgentSeries& s : series) {
    std::vector<agent::LabelPair> view;
    for (const auto& [name, value] : s.labels) view.push_back({name, value});
    label_views.push_back(std::move(view));
  }

  const int64_t ticks = static_cast<int64_t>(flags.hours * 3600);
  const int64_t last_ms = absl::ToUnixSeconds(absl::Now()) * 1000 - 1000;
  const int64_t first_ms = last_ms - (ticks - 1) * 1000;
  const std::string run_id = agent::NewRunId();
  absl::StatusOr<std::unique_ptr<agent::spool::Spool>> spool =
      agent::spool::Spool::Open(options, run_id);
  if (!spool.ok()) {
    LogError("spool-fill: ", spool.status().message());
    return 1;
  }
  const uint64_t bytes_before = DirectoryBytes(options.dir);
  auto define = [&registry](uint64_t id, v1::SeriesDefinition* def) {
    return registry.Define(id, def);
  };
  std::vector<double> values;
  for (int64_t t = 0; t < ticks; ++t) {
    const int64_t tick_ms = first_ms + t * 1000;
    host.Tick(tick_ms, &values);
    v1::Batch batch;
    {
      agent::BatchBuilder builder(&registry, tick_ms, &batch);
      for (size_t i = 0; i < series.size(); ++i) {
        builder.Add(series[i].metric, label_views[i], values[model[i]]);
      }
    }
    batch.set_sequence(static_cast<uint64_t>(t) + 1);
    // Written a few milliseconds after the tick, as the agent does.
    if (absl::Status s = (*spool)->Append(batch, tick_ms, define, tick_ms + 5); !s.ok()) {
      LogError("spool-fill: ", s.message());
      return 1;
    }
  }
  if (absl::Status s = (*spool)->Sync(); !s.ok()) {
    LogError("spool-fill: ", s.message());
    return 1;
  }
  const uint64_t segments = (*spool)->segments().size();
  const uint64_t last_index = segments > 0 ? (*spool)->segments().back().index : 0;
  spool->reset();  // releases the directory's lock
  const uint64_t bytes = DirectoryBytes(options.dir) - bytes_before;
  const uint64_t samples = static_cast<uint64_t>(ticks) * series.size();

  nlohmann::json figures = {
      {"mode", "spool-fill"},
      {"spool_dir", options.dir},
      {"run_id", run_id},
      {"series", series.size()},
      {"series_sampled_here", sampled_here},
      {"batches", ticks},
      {"samples", samples},
      {"first_ms", first_ms},
      {"last_ms", last_ms},
      {"segments", segments},
      {"last_segment_index", last_index},
      {"spool_bytes", bytes},
      {"bytes_per_sample", samples > 0 ? static_cast<double>(bytes) / samples : 0.0},
      {"fill_s", absl::ToDoubleSeconds(absl::Now() - begin)},
  };
  *out = figures;
  PrintFigures("vigil-bench spool-fill", figures, json);
  return 0;
}

}  // namespace vigil::bench
