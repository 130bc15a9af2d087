#include "agent/sampler.h"

#include <catch2/catch.hpp>

#include "agent/series_registry.h"

namespace vigil::agent {
namespace {

// A source whose outcome the test decides.
class ScriptedSource : public Source {
 public:
  explicit ScriptedSource(bool* fail, int* runs) : fail_(fail), runs_(runs) {}
  absl::string_view name() const override { return "scripted"; }
  absl::Status Collect(const TickContext&, SampleSink& sink) override {
    ++*runs_;
    sink.Add("scripted_value", {{"b", "2"}, {"a", "1"}}, 42);
    if (*fail_) return absl::UnavailableError("scripted failure");
    return absl::OkStatus();
  }

 private:
  bool* fail_;
  int* runs_;
};

struct Sample {
  std::string metric;
  std::map<std::string, std::string> labels;
  double value;
};

std::vector<Sample> Decode(const v1::Batch& batch, const SeriesRegistry& registry) {
  std::vector<Sample> out;
  REQUIRE(batch.groups_size() == 1);  // one instant per tick
  const v1::SampleGroup& group = batch.groups(0);
  REQUIRE(group.series_ids_size() == group.values_size());
  for (int i = 0; i < group.series_ids_size(); ++i) {
    v1::SeriesDefinition def;
    REQUIRE(registry.Define(group.series_ids(i), &def));
    Sample sample{def.metric(), {}, group.values(i)};
    for (const auto& l : def.labels()) sample.labels[l.name()] = l.value();
    out.push_back(sample);
  }
  return out;
}

double Find(const std::vector<Sample>& samples, const std::string& metric) {
  for (const Sample& s : samples) {
    if (s.metric == metric) return s.value;
  }
  FAIL("no sample " << metric);
  return 0;
}

// The newest tick the outbox hands out (everything it has is drained).
v1::Batch LatestTick(Outbox& outbox) {
  v1::Batch latest;
  while (std::optional<v1::Batch> message = outbox.Next(absl::ZeroDuration())) {
    for (const v1::SampleGroup& g : message->groups()) {
      if (latest.groups_size() == 0 || g.timestamp_ms() > latest.groups(0).timestamp_ms()) {
        latest.clear_groups();
        *latest.add_groups() = g;
      }
    }
  }
  return latest;
}

TEST_CASE("the sampler queues one batch per tick with the sources' samples and its own health",
          "[sampler]") {
  bool fail = false;
  int runs = 0;
  std::vector<ScheduledSource> sources;
  sources.push_back({std::make_unique<ScriptedSource>(&fail, &runs), absl::Seconds(1)});
  SeriesRegistry registry;
  const absl::Time t0 = absl::FromUnixSeconds(1800000000);
  ManualClock clock(t0);
  Outbox outbox(OutboxOptions{}, "run", &registry, &clock);
  outbox.StartStream(v1::HelloAck(), 0);
  Sampler sampler(std::move(sources), "/proc", absl::Seconds(1), &registry, &outbox, nullptr);

  sampler.Tick(t0);
  CHECK(outbox.stats().unacknowledged == 1);
  v1::Batch batch = LatestTick(outbox);
  CHECK(batch.groups(0).timestamp_ms() == 1800000000000);
  std::vector<Sample> samples = Decode(batch, registry);
  CHECK(Find(samples, "scripted_value") == 42);
  CHECK(samples[0].labels == std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
  CHECK(Find(samples, "vigil_agent_source_up") == 1);
  CHECK(Find(samples, "vigil_agent_source_errors_total") == 0);

  SECTION(
      "a failing source is counted, keeps its samples, and is retried slowly after 5 failures") {
    fail = true;
    absl::Time t = t0;
    for (int i = 1; i <= 5; ++i) sampler.Tick(t += absl::Seconds(1));
    CHECK(runs == 6);
    clock.Set(t);
    samples = Decode(LatestTick(outbox), registry);
    CHECK(Find(samples, "vigil_agent_source_up") == 0);
    CHECK(Find(samples, "vigil_agent_source_errors_total") == 5);
    for (int i = 0; i < 30; ++i) sampler.Tick(t += absl::Seconds(1));
    CHECK(runs == 6);  // resting
    sampler.Tick(t += absl::Seconds(31));
    CHECK(runs == 7);  // one retry a minute later
    fail = false;
    sampler.Tick(t += absl::Seconds(61));
    CHECK(runs == 8);
    sampler.Tick(t += absl::Seconds(1));
    CHECK(runs == 9);  // healthy again: every tick
    clock.Set(t);
    samples = Decode(LatestTick(outbox), registry);
    CHECK(Find(samples, "vigil_agent_source_up") == 1);
  }
}

TEST_CASE("a source with a longer interval runs on its first tick and then on its boundaries",
          "[sampler]") {
  bool fail = false;
  int runs = 0;
  std::vector<ScheduledSource> sources;
  sources.push_back({std::make_unique<ScriptedSource>(&fail, &runs), absl::Seconds(5)});
  SeriesRegistry registry;
  absl::Time t = absl::FromUnixSeconds(1800000002);
  ManualClock clock(t);
  Outbox outbox(OutboxOptions{}, "run", &registry, &clock);
  Sampler sampler(std::move(sources), "/proc", absl::Seconds(1), &registry, &outbox, nullptr);
  sampler.Tick(t);
  CHECK(runs == 1);
  for (int i = 0; i < 10; ++i) sampler.Tick(t += absl::Seconds(1));  // ...03 to ...12
  CHECK(runs == 3);                                                  // at ...05 and ...10
}

TEST_CASE("series ids are stable whatever the label order", "[sampler]") {
  SeriesRegistry registry;
  const LabelPair ab[] = {{"a", "1"}, {"b", "2"}};
  const LabelPair ba[] = {{"b", "2"}, {"a", "1"}};
  const uint64_t id = registry.Intern("m", ab);
  CHECK(registry.Intern("m", ba) == id);
  CHECK(registry.Intern("m2", ab) != id);
  const LabelPair other[] = {{"a", "1"}, {"b", "3"}};
  CHECK(registry.Intern("m", other) != id);
  CHECK(registry.size() == 3);
  v1::SeriesDefinition def;
  REQUIRE(registry.Define(id, &def));
  CHECK(def.metric() == "m");
  REQUIRE(def.labels_size() == 2);
  CHECK(def.labels(0).name() == "a");
  CHECK_FALSE(registry.Define(99, &def));

  // A mount point named in GBK: the definition carries valid UTF-8 (protobuf requires it).
  const LabelPair gbk[] = {{"mountpoint", "/\xCA\xFD\xBE\xDD"}};
  REQUIRE(registry.Define(registry.Intern("node_filesystem_avail_bytes", gbk), &def));
  CHECK(def.labels(0).value() == "/\\xCA\\xFD\\xBE\\xDD");
  v1::Batch batch;
  *batch.add_definitions() = def;
  v1::Batch parsed;
  CHECK(parsed.ParseFromString(batch.SerializeAsString()));
}

}  // namespace
}  // namespace vigil::agent
