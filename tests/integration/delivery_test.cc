// Delivery under failure, with the real binaries on loopback (issue 4's test list): a
// collector killed or stopped mid-stream, an agent restarted with a backlog, a torn,
// full, bounded or read-only spool, failover between two collectors, a certificate
// replaced on disk and a configuration reloaded by SIGHUP.
//
// Every case waits by polling with a deadline. The only fixed waits are the outages the
// scenarios are made of (the collector is away for N seconds).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "agent/spool/record_format.h"
#include "tests/integration/cluster.h"
#include "vigil/v1/ingest.pb.h"

namespace vigil::testing {
namespace {

constexpr int64_t kFastMs = 100;

// An agent sampling `sources` (all when empty) every 100 ms.
AgentSetup Fast(const std::vector<std::string>& sources) {
  AgentSetup setup;
  setup.interval = absl::StrCat(kFastMs, "ms");
  if (!sources.empty()) {
    setup.extra_yaml = absl::StrCat("sources: [", absl::StrJoin(sources, ", "), "]\n");
  }
  return setup;
}

std::string Series(const std::string& metric, const std::string& instance) {
  return absl::StrCat(metric, "{instance=\"", instance, "\"}");
}

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

std::string UnixSeconds(absl::Time t) {
  return absl::StrFormat("%.3f", absl::ToDoubleSeconds(t - absl::UnixEpoch()));
}

struct Sample {
  int64_t ms = 0;
  double value = 0;
};

// The samples of the one series `selector` selects, stored by `collector` at times
// from `start` on.
std::vector<Sample> Samples(const Cluster& cluster, const std::string& selector, absl::Time start,
                            const std::string& collector = Cluster::kCollector) {
  nlohmann::json r = cluster.CtlJson({"samples", selector, "--start", UnixSeconds(start), "--end",
                                      UnixSeconds(absl::Now() + absl::Seconds(5))},
                                     collector);
  REQUIRE(r["status"] == "success");
  const nlohmann::json& result = r["data"]["result"];
  INFO(selector << " selects " << result.size() << " series");
  REQUIRE(result.size() <= 1);
  std::vector<Sample> out;
  if (result.empty()) return out;
  for (const auto& v : result[0]["values"]) {
    out.push_back(
        Sample{std::llround(v[0].get<double>() * 1000), std::stod(v[1].get<std::string>())});
  }
  return out;
}

std::vector<int64_t> Times(const Cluster& cluster, const std::string& selector, absl::Time start,
                           const std::string& collector = Cluster::kCollector) {
  std::vector<int64_t> out;
  for (const Sample& s : Samples(cluster, selector, start, collector)) out.push_back(s.ms);
  return out;
}

// The newest value of `selector` in the last minute, if any.
std::optional<double> Latest(const Cluster& cluster, const std::string& selector) {
  std::vector<Sample> samples = Samples(cluster, selector, absl::Now() - absl::Minutes(1));
  if (samples.empty()) return std::nullopt;
  return samples.back().value;
}

// The steps of `times` other than one `step_ms`: (sample before, sample after).
std::vector<std::pair<int64_t, int64_t>> Breaks(const std::vector<int64_t>& times,
                                                int64_t step_ms) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] - times[i - 1] != step_ms) out.emplace_back(times[i - 1], times[i]);
  }
  return out;
}

// "" if `times` is one sample every `step_ms`; else where it is not, for a message.
std::string FirstBreak(const std::vector<int64_t>& times, int64_t step_ms) {
  if (times.empty()) return "no samples";
  const auto breaks = Breaks(times, step_ms);
  if (breaks.empty()) return "";
  return absl::StrCat(breaks.size(), " irregular steps in ", times.size(), " samples, the first ",
                      breaks[0].second - breaks[0].first, " ms after ",
                      absl::FormatTime(absl::FromUnixMillis(breaks[0].first)));
}

// A line of `vigilctl metrics` that starts with `series` (name and labels as printed).
std::optional<double> CollectorMetric(const Cluster& cluster, const std::string& series,
                                      const std::string& collector = Cluster::kCollector) {
  std::string out;
  REQUIRE(cluster.Ctl({"metrics"}, &out, collector) == 0);
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

bool HostConnected(const Cluster& cluster, const std::string& host,
                   const std::string& collector = Cluster::kCollector) {
  nlohmann::json hosts = cluster.CtlJson({"hosts"}, collector);
  for (const auto& h : hosts["hosts"]) {
    if (h["host"] == host) return h["connected"].get<bool>();
  }
  return false;
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The first line of `text` that contains `needle` ("" if none).
std::string LineWith(const std::string& text, const std::string& needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) return std::string(line);
  }
  return "";
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

// One record of a spool segment, found with the framing of agent/spool/record_format.h.
struct SpoolRecord {
  size_t offset = 0;
  size_t size = 0;
  uint64_t sequence = 0;
  int64_t tick_ms = 0;
};

std::vector<SpoolRecord> ReadSegment(const std::string& bytes) {
  size_t offset = 0;
  REQUIRE(agent::spool::ParseSegmentHeader(bytes, &offset).ok());
  std::vector<SpoolRecord> records;
  agent::spool::RecordDecoder decoder;
  while (offset < bytes.size()) {
    const absl::string_view rest = absl::string_view(bytes).substr(offset);
    std::optional<agent::spool::RecordHeader> header = agent::spool::ParseRecordHeader(rest);
    REQUIRE(header.has_value());
    REQUIRE(header->total_size() <= rest.size());
    absl::StatusOr<std::string> payload =
        decoder.Decode(*header, rest.substr(0, header->total_size()));
    REQUIRE(payload.ok());
    v1::Batch batch;
    REQUIRE(batch.ParseFromString(*payload));
    REQUIRE(batch.groups_size() > 0);
    records.push_back(SpoolRecord{offset, header->total_size(), batch.sequence(),
                                  batch.groups(0).timestamp_ms()});
    offset += header->total_size();
  }
  return records;
}

// The spool segment with the highest index.
std::string NewestSegment(const std::string& spool_dir) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir)) {
    const std::string path = entry.path().string();
    if (absl::EndsWith(path, ".seg") && path > newest) newest = path;
  }
  REQUIRE(!newest.empty());
  return newest;
}

// The argv prefix that runs a command in a private mount namespace, with a tmpfs of
// `size` mounted on `dir` (created if missing).
std::vector<std::string> InPrivateTmpfs(const std::string& dir, const std::string& size) {
  return {"/usr/bin/unshare",
          "--mount",
          "--propagation",
          "private",
          "/bin/sh",
          "-c",
          "mkdir -p \"$1\" && mount -t tmpfs -o size=\"$2\" vigil-spool \"$1\" && shift 2 && "
          "exec \"$@\"",
          "sh",
          dir,
          size};
}

// Why this environment cannot run InPrivateTmpfs (no unshare(1), no CAP_SYS_ADMIN, a
// seccomp profile...); "" if it can.
std::string PrivateMountsUnavailable(const TempDir& dir) {
  if (access("/usr/bin/unshare", X_OK) != 0 || access("/usr/bin/nsenter", X_OK) != 0) {
    return "unshare(1) or nsenter(1) is not installed";
  }
  std::vector<std::string> argv = InPrivateTmpfs(dir.Path("mount-probe"), "64k");
  argv.push_back("/bin/true");
  std::string out;
  const int status = RunCommand(argv, &out, absl::Seconds(20));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return absl::StrCat("cannot mount a tmpfs in a private mount namespace: ", out);
}

TEST_CASE("kill -9 of the collector mid-stream: every sample is stored exactly once",
          "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-kill");
  const int port = FreePort();
  cluster.StartCollector(port);
  const std::string address = cluster.collector_address();
  const absl::Time started = absl::Now();
  ChildProcess* agent = cluster.StartAgent("db-kill", Fast({"time"}));
  const std::string selector = Series("node_time_seconds", "db-kill");
  REQUIRE(
      WaitFor([&] { return Times(cluster, selector, started).size() >= 20; }, absl::Seconds(30)));

  // A batch goes out every 100 ms: the kill lands with batches in flight.
  cluster.StopCollector(SIGKILL);
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "collector " + address + ": "); },
                  absl::Seconds(15)));
  absl::SleepFor(absl::Seconds(3));  // the outage
  cluster.StartCollector(port);
  const absl::Time restarted = absl::Now();

  std::vector<int64_t> times;
  const bool complete = WaitFor(
      [&] {
        times = Times(cluster, selector, started - absl::Seconds(1));
        return !times.empty() && times.back() > Ms(restarted + absl::Seconds(2)) &&
               FirstBreak(times, kFastMs).empty();
      },
      absl::Seconds(30));
  INFO(FirstBreak(times, kFastMs));
  CHECK(complete);
  REQUIRE(times.size() >= 2);
  // Every tick from the agent's first on, once.
  CHECK(times.front() <= Ms(started + absl::Seconds(2)));
  CHECK(static_cast<int64_t>(times.size()) == (times.back() - times.front()) / kFastMs + 1);
  CHECK(std::set<int64_t>(times.begin(), times.end()).size() == times.size());
  // What was durable before the kill but not acknowledged comes back as whole duplicate
  // batches (the collector's durable sequence set), never as samples stored twice.
  CHECK(CollectorMetric(cluster, "vigil_collector_samples_refused_total{reason=\"duplicate\"}") ==
        0.0);
  CHECK(agent->Running());
}

TEST_CASE(
    "after a 20 s collector outage live samples arrive within seconds and the backlog fills "
    "the gap",
    "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-outage");
  const int port = FreePort();
  cluster.StartCollector(port);
  const absl::Time started = absl::Now();
  cluster.StartAgent("db-outage", Fast({"time"}));
  const std::string selector = Series("node_time_seconds", "db-outage");
  REQUIRE(
      WaitFor([&] { return Times(cluster, selector, started).size() >= 10; }, absl::Seconds(30)));

  cluster.StopCollector(SIGTERM);
  const absl::Time stopped = absl::Now();
  absl::SleepFor(absl::Seconds(20));  // the outage: about 200 batches into the spool
  const absl::Time restart = absl::Now();
  cluster.StartCollector(port);

  // The present first: a sample taken after the restart is stored within seconds.
  const bool live = WaitFor([&] { return !Times(cluster, selector, restart).empty(); },
                            restart + absl::Seconds(15) - absl::Now());
  INFO("a live sample was stored " << absl::FormatDuration(absl::Now() - restart)
                                   << " after the restart");
  REQUIRE(live);

  // And the whole outage, one sample every 100 ms, no gap.
  std::vector<int64_t> times;
  const bool complete = WaitFor(
      [&] {
        times = Times(cluster, selector, started - absl::Seconds(1));
        return !times.empty() && times.back() > Ms(restart + absl::Seconds(2)) &&
               FirstBreak(times, kFastMs).empty();
      },
      absl::Seconds(30));
  INFO(FirstBreak(times, kFastMs));
  CHECK(complete);
  REQUIRE(!times.empty());
  CHECK(times.front() < Ms(stopped - absl::Seconds(1)));
  CHECK(static_cast<int64_t>(times.size()) == (times.back() - times.front()) / kFastMs + 1);

  // The agent says it replayed, the collector that it stored a replay.
  CHECK(WaitFor(
      [&] {
        std::optional<double> resent =
            Latest(cluster, Series("vigil_agent_batches_resent_total", "db-outage"));
        return resent.has_value() && *resent > 0;
      },
      absl::Seconds(15)));
  CHECK(CollectorMetric(cluster, "vigil_collector_batches_replayed_total").value_or(0) > 0);
}

// An agent NAME (100 ms ticks, the time source only) that streamed until the collector
// stopped, spooled `outage` of batches nobody received, and was killed with SIGKILL:
// its spool holds an earlier run's backlog. The collector is down on `port`.
struct KilledWithBacklog {
  int port = 0;
  absl::Time started;  // the agent's start
  absl::Time killed;
};
KilledWithBacklog SpoolThenKill(Cluster& cluster, const std::string& name, absl::Duration outage) {
  cluster.IssueCertificate("agent", name);
  KilledWithBacklog out;
  out.port = FreePort();
  cluster.StartCollector(out.port);
  out.started = absl::Now();
  ChildProcess* agent = cluster.StartAgent(name, Fast({"time"}));
  const std::string selector = Series("node_time_seconds", name);
  REQUIRE(WaitFor([&] { return Times(cluster, selector, out.started).size() >= 10; },
                  absl::Seconds(30)));
  cluster.StopCollector(SIGTERM);
  absl::SleepFor(outage);  // the scenario: batches only the spool has
  out.killed = absl::Now();
  agent->Signal(SIGKILL);
  REQUIRE(agent->Wait(absl::Seconds(10)) != -1);
  return out;
}

TEST_CASE("an agent restarted with a backlog in its spool sends the earlier run's batches",
          "[integration][delivery]") {
  Cluster cluster;
  const KilledWithBacklog first = SpoolThenKill(cluster, "db-rerun", absl::Seconds(4));
  const absl::Time started = first.started;
  const absl::Time killed = first.killed;
  const std::string selector = Series("node_time_seconds", "db-rerun");
  absl::SleepFor(absl::Seconds(1));  // the scenario: the agent is down for a second

  cluster.StartCollector(first.port);
  const absl::Time restarted = absl::Now();
  ChildProcess* second = cluster.StartAgent("db-rerun", Fast({"time"}));
  REQUIRE(WaitFor(
      [&] { return absl::StrContains(second->Output(), "batches of 1 earlier runs to send"); },
      absl::Seconds(15)));

  // One gap only: the time the agent was down.
  std::vector<int64_t> times;
  std::vector<std::pair<int64_t, int64_t>> breaks;
  const bool complete = WaitFor(
      [&] {
        times = Times(cluster, selector, started - absl::Seconds(1));
        breaks = Breaks(times, kFastMs);
        return !times.empty() && times.back() > Ms(restarted + absl::Seconds(2)) &&
               breaks.size() == 1 && breaks[0].first >= Ms(killed) - 500;
      },
      absl::Seconds(30));
  INFO(FirstBreak(times, kFastMs));
  CHECK(complete);
  REQUIRE(breaks.size() == 1);
  INFO("the gap is from " << absl::FormatTime(absl::FromUnixMillis(breaks[0].first)) << " to "
                          << absl::FormatTime(absl::FromUnixMillis(breaks[0].second)));
  // The first run's samples up to its last tick before the kill are there...
  CHECK(breaks[0].first >= Ms(killed) - 500);
  CHECK(breaks[0].first <= Ms(killed) + 100);
  // ... and the second run's from its start.
  CHECK(breaks[0].second >= Ms(restarted));
  CHECK(breaks[0].second <= Ms(restarted + absl::Seconds(3)));
  CHECK(times.front() <= Ms(started + absl::Seconds(2)));
  CHECK(absl::StrContains(ReadAll(cluster.collector_log()), "backlog of 1 earlier runs"));
}

TEST_CASE("a torn and corrupt spool tail is skipped and counted and the readable batches arrive",
          "[integration][delivery]") {
  Cluster cluster;
  const KilledWithBacklog first = SpoolThenKill(cluster, "db-torn", absl::Seconds(3));
  const absl::Time started = first.started;
  const std::string selector = Series("node_time_seconds", "db-torn");

  // Damage the newest segment as a power cut and a bad sector would: the last record cut
  // half-way with garbage after it, and a flipped byte inside an earlier record.
  const std::string segment = NewestSegment(cluster.SpoolDir("db-torn"));
  std::string bytes = ReadAll(segment);
  const std::vector<SpoolRecord> records = ReadSegment(bytes);
  REQUIRE(records.size() >= 20);
  const SpoolRecord corrupt = records[records.size() - 6];
  const SpoolRecord torn = records.back();
  bytes[corrupt.offset + corrupt.size / 2] ^= 0x5a;
  bytes.resize(torn.offset + torn.size / 2);
  bytes += std::string(100, '\xa5');
  WriteBytes(segment, bytes);
  const uint64_t damaged_bytes = corrupt.size + (bytes.size() - torn.offset);

  cluster.StartCollector(first.port);
  ChildProcess* second = cluster.StartAgent("db-torn", Fast({"time"}));

  // It says which file and how much, and keeps running.
  REQUIRE(WaitFor([&] { return absl::StrContains(second->Output(), "spool: " + segment); },
                  absl::Seconds(15)));
  const std::string line = LineWith(second->Output(), "spool: " + segment);
  INFO(line);
  CHECK(absl::StrContains(line, absl::StrCat("skipped ", damaged_bytes,
                                             " bytes of torn or corrupt records (2 regions)")));
  CHECK(WaitFor(
      [&] {
        return Latest(cluster, Series("vigil_agent_spool_corrupt_bytes_total", "db-torn")) ==
               static_cast<double>(damaged_bytes);
      },
      absl::Seconds(15)));

  // Every readable record arrives; the two damaged ones are what is missing.
  std::set<int64_t> stored;
  std::vector<int64_t> missing;
  const bool arrived = WaitFor(
      [&] {
        const std::vector<int64_t> times = Times(cluster, selector, started - absl::Seconds(1));
        stored = std::set<int64_t>(times.begin(), times.end());
        missing.clear();
        for (const SpoolRecord& r : records) {
          if (r.offset != corrupt.offset && r.offset != torn.offset && !stored.contains(r.tick_ms))
            missing.push_back(r.tick_ms);
        }
        return missing.empty();
      },
      absl::Seconds(30));
  INFO(missing.size() << " readable records not stored, the first at "
                      << (missing.empty() ? 0 : missing[0]));
  CHECK(arrived);
  CHECK_FALSE(stored.contains(corrupt.tick_ms));
  CHECK_FALSE(stored.contains(torn.tick_ms));
  CHECK(second->Running());
}

TEST_CASE("a spool at its bound drops its oldest segment and the loss is counted and reported",
          "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-bound");
  const int port = FreePort();
  AgentSetup setup = Fast({});  // every source: bigger batches fill the spool sooner
  setup.collectors = {absl::StrCat("127.0.0.1:", port)};
  setup.spool_yaml = "  max_bytes: 256KiB\n";
  const absl::Time started = absl::Now();
  ChildProcess* agent = cluster.StartAgent("db-bound", setup);

  // The collector is down until the spool is full and the oldest segment goes.
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "spool: dropped "); },
                  absl::Seconds(120)));
  INFO(LineWith(agent->Output(), "spool: dropped "));
  CHECK(absl::StrContains(agent->Output(), "(spool over max_bytes)"));
  cluster.StartCollector(port);
  const absl::Time restarted = absl::Now();

  // The agent reports its loss, and the collector counts the same.
  std::optional<double> agent_dropped, collector_dropped;
  const bool reported = WaitFor(
      [&] {
        agent_dropped = Latest(cluster, Series("vigil_agent_samples_dropped_total", "db-bound"));
        collector_dropped = CollectorMetric(cluster, "vigil_collector_agent_samples_dropped_total");
        return agent_dropped.value_or(0) > 0 && agent_dropped == collector_dropped;
      },
      absl::Seconds(30));
  INFO("agent: " << agent_dropped.value_or(-1)
                 << ", collector: " << collector_dropped.value_or(-1));
  CHECK(reported);

  // What was not dropped is complete, from the oldest batch kept to now.
  const std::string selector = Series("node_time_seconds", "db-bound");
  std::vector<int64_t> times;
  const bool complete = WaitFor(
      [&] {
        times = Times(cluster, selector, started - absl::Seconds(1));
        return !times.empty() && times.back() > Ms(restarted + absl::Seconds(2)) &&
               FirstBreak(times, kFastMs).empty();
      },
      absl::Seconds(30));
  INFO(FirstBreak(times, kFastMs));
  CHECK(complete);
  REQUIRE(!times.empty());
  CHECK(times.front() > Ms(started + absl::Seconds(1)));  // the beginning was dropped
  CHECK(agent->Running());
}

// Waits for the agent to log `error` for a file in `spool`, then checks that it says so
// in vigil_agent_spool_ok and that live samples keep arriving, without a gap.
void ExpectSpoolErrorAndLiveData(Cluster& cluster, ChildProcess* agent, const std::string& host,
                                 const std::string& spool, const std::string& error) {
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), error); }, absl::Seconds(60)));
  const absl::Time failed = absl::Now();
  const std::string line = LineWith(agent->Output(), error);
  INFO(line);
  CHECK(absl::StrContains(line, spool + "/"));  // names the file
  REQUIRE(agent->Running());
  CHECK(WaitFor([&] { return Latest(cluster, Series("vigil_agent_spool_ok", host)) == 0.0; },
                absl::Seconds(30)));
  const std::string selector = Series("node_time_seconds", host);
  std::vector<int64_t> times;
  const bool live = WaitFor(
      [&] {
        times = Times(cluster, selector, failed - absl::Seconds(2));
        return !times.empty() && times.back() > Ms(failed + absl::Seconds(3));
      },
      absl::Seconds(20));
  CHECK(live);
  INFO(FirstBreak(times, kFastMs));
  CHECK(FirstBreak(times, kFastMs).empty());
  CHECK(agent->Running());
}

// Starts the collector and agent `host` (`setup`) with its spool on a private tmpfs of
// `size`; null, after a warning that the test is skipped, where this environment cannot
// mount one.
ChildProcess* StartAgentOnTmpfs(Cluster& cluster, const std::string& host, AgentSetup setup,
                                const std::string& size) {
  const std::string unavailable = PrivateMountsUnavailable(cluster.dir());
  if (!unavailable.empty()) {
    WARN("skipped: " << unavailable);
    return nullptr;
  }
  cluster.IssueCertificate("agent", host);
  cluster.StartCollector();
  setup.wrapper = InPrivateTmpfs(cluster.SpoolDir(host), size);
  return cluster.StartAgent(host, setup);
}

TEST_CASE("a full spool filesystem is reported and live samples keep arriving",
          "[integration][delivery]") {
  Cluster cluster;
  ChildProcess* agent = StartAgentOnTmpfs(cluster, "db-full", Fast({}), "64k");
  if (agent == nullptr) return;
  const std::string spool = cluster.SpoolDir("db-full");

  ExpectSpoolErrorAndLiveData(cluster, agent, "db-full", spool, "No space left on device");
}

TEST_CASE("a spool directory made read-only is reported and live samples keep arriving",
          "[integration][delivery]") {
  Cluster cluster;
  AgentSetup setup = Fast({});
  setup.spool_yaml = "  max_bytes: 256KiB\n";  // 16 KiB segments: a new file every few seconds
  ChildProcess* agent = StartAgentOnTmpfs(cluster, "db-ro", setup, "4m");
  if (agent == nullptr) return;
  const std::string spool = cluster.SpoolDir("db-ro");
  const std::string selector = Series("node_time_seconds", "db-ro");
  REQUIRE(
      WaitFor([&] { return Times(cluster, selector, absl::Now() - absl::Minutes(1)).size() >= 5; },
              absl::Seconds(30)));

  // `mount -o remount,ro` is refused (EBUSY) while the agent has a segment open for
  // writing; a read-only bind mount over the directory makes every file the agent
  // creates or deletes there fail from now on, as a read-only remount would.
  std::string out;
  const int status = RunCommand(
      {"/usr/bin/nsenter", "--target", std::to_string(agent->pid()), "--mount", "/bin/sh", "-c",
       "mount --bind \"$1\" \"$1\" && mount -o remount,ro,bind \"$1\"", "sh", spool},
      &out);
  INFO(out);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));

  ExpectSpoolErrorAndLiveData(cluster, agent, "db-ro", spool, "Read-only file system");
}

TEST_CASE("failover: data goes to the second collector while the first is down and back",
          "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-failover");
  const int port_a = FreePort();
  cluster.StartCollector(0, "b");
  AgentSetup setup = Fast({"time"});
  setup.collectors = {absl::StrCat("127.0.0.1:", port_a), cluster.collector_address("b")};
  const absl::Time started = absl::Now();
  ChildProcess* agent = cluster.StartAgent("db-failover", setup);
  const std::string selector = Series("node_time_seconds", "db-failover");

  // A is down: the data goes to B.
  REQUIRE(WaitFor([&] { return Times(cluster, selector, started, "b").size() >= 10; },
                  absl::Seconds(30)));
  CHECK(absl::StrContains(agent->Output(),
                          "connected to collector " + cluster.collector_address("b")));

  // B dies, A comes up: the data goes to A, everything sampled since B died included.
  cluster.StopCollector(SIGKILL, "b");
  const absl::Time switched = absl::Now();
  cluster.StartCollector(port_a, "a");
  std::vector<int64_t> times;
  const bool arrived = WaitFor(
      [&] {
        times = Times(cluster, selector, switched, "a");
        return !times.empty() && times.back() > Ms(absl::Now() - absl::Seconds(1));
      },
      absl::Seconds(30));
  CHECK(arrived);
  REQUIRE(!times.empty());
  CHECK(times.front() <= Ms(switched) + kFastMs);
  INFO(FirstBreak(times, kFastMs));
  CHECK(FirstBreak(times, kFastMs).empty());
  CHECK(HostConnected(cluster, "db-failover", "a"));
}

TEST_CASE("a certificate replaced on disk is used by the next connection",
          "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-cert-old");
  std::string out;
  const int issued = RunVigilctl({"certs", "issue", "--dir", cluster.CaDir(), "--kind", "agent",
                                  "--name", "db-cert-new", "--days", "40"},
                                 &out);
  INFO(out);
  REQUIRE(issued == 0);
  // The agent's own copy of its files, replaced later.
  const std::string tls = cluster.dir().Path("agent-tls");
  std::filesystem::create_directories(tls);
  for (const char* ext : {".crt", ".key"}) {
    std::filesystem::copy_file(cluster.CaDir() + "/db-cert-old" + ext, tls + "/db-cert-old" + ext);
  }
  cluster.StartCollector();
  AgentSetup setup = Fast({"time"});
  setup.cert_dir = tls;
  ChildProcess* agent = cluster.StartAgent("db-cert-old", setup);
  REQUIRE(WaitFor([&] { return HostConnected(cluster, "db-cert-old"); }, absl::Seconds(30)));

  // Replace both files as a deployment tool would: each written beside the old one and
  // renamed over it, the key first.
  for (const char* ext : {".key", ".crt"}) {
    const std::string temp = tls + "/.incoming" + ext;
    std::filesystem::copy_file(cluster.CaDir() + "/db-cert-new" + ext, temp);
    std::filesystem::rename(temp, tls + "/db-cert-old" + ext);
  }
  const absl::Time replaced = absl::Now();

  // The collector names hosts by certificate: the next stream is the new host's.
  const bool switched =
      WaitFor([&] { return HostConnected(cluster, "db-cert-new"); }, absl::Seconds(30));
  INFO("the new certificate was in use " << absl::FormatDuration(absl::Now() - replaced)
                                         << " after it was replaced");
  REQUIRE(switched);
  CHECK(absl::StrContains(agent->Output(), "certificate files changed: reconnecting"));
  CHECK(WaitFor([&] { return !HostConnected(cluster, "db-cert-old"); }, absl::Seconds(15)));

  // The expiry the agent reports is the new certificate's: 40 days from now.
  std::optional<double> expiry;
  REQUIRE(WaitFor(
      [&] {
        expiry = Latest(cluster,
                        Series("vigil_agent_certificate_expiry_timestamp_seconds", "db-cert-new"));
        return expiry.has_value();
      },
      absl::Seconds(15)));
  const double expected =
      absl::ToDoubleSeconds(absl::Now() + absl::Hours(40 * 24) - absl::UnixEpoch());
  CHECK(std::abs(*expiry - expected) < 86400);
}

TEST_CASE(
    "SIGHUP applies a valid configuration without dropping the stream and keeps the "
    "running one when the new one is invalid",
    "[integration][delivery]") {
  Cluster cluster;
  cluster.IssueCertificate("agent", "db-hup");
  cluster.StartCollector();
  AgentSetup setup;
  setup.extra_yaml = "sources: [time]\n";
  const absl::Time started = absl::Now();
  ChildProcess* agent = cluster.StartAgent("db-hup", setup);
  const std::string selector = Series("node_time_seconds", "db-hup");
  REQUIRE(
      WaitFor([&] { return Times(cluster, selector, started).size() >= 2; }, absl::Seconds(30)));
  const std::string connected = "ingest: db-hup connected from";
  REQUIRE(Occurrences(ReadAll(cluster.collector_log()), connected) == 1);

  // A valid change: one more source, half the interval.
  const std::string path = cluster.AgentConfigPath("db-hup");
  const std::string config = ReadAll(path);
  const std::string changed = absl::StrReplaceAll(
      config,
      {{"interval: 1s", "interval: 500ms"}, {"sources: [time]", "sources: [time, loadavg]"}});
  REQUIRE(changed != config);
  cluster.dir().WriteFile("agent-db-hup.yaml", changed);
  agent->Signal(SIGHUP);
  const absl::Time reloaded = absl::Now();
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "reloaded " + path); },
                  absl::Seconds(10)));
  CHECK(WaitFor([&] { return !Times(cluster, Series("node_load1", "db-hup"), reloaded).empty(); },
                absl::Seconds(15)));
  // The link looks at a new configuration at its next check (every 10 s): past it, the
  // stream is still the first one, now at the new interval.
  std::vector<int64_t> times;
  REQUIRE(WaitFor(
      [&] {
        times = Times(cluster, selector, reloaded + absl::Seconds(2));
        return !times.empty() && times.back() > Ms(reloaded + absl::Seconds(12));
      },
      absl::Seconds(30)));
  INFO(FirstBreak(times, 500));
  CHECK(FirstBreak(times, 500).empty());
  CHECK(Occurrences(ReadAll(cluster.collector_log()), connected) == 1);
  CHECK_FALSE(absl::StrContains(agent->Output(), "reconnecting"));

  // An invalid one: refused with the reason, the running configuration kept.
  cluster.dir().WriteFile("agent-db-hup.yaml", changed + "intervall: 2s\n");
  agent->Signal(SIGHUP);
  const absl::Time refused = absl::Now();
  REQUIRE(WaitFor([&] { return absl::StrContains(agent->Output(), "reload failed"); },
                  absl::Seconds(10)));
  const std::string line = LineWith(agent->Output(), "reload failed");
  INFO(line);
  CHECK(absl::StrContains(line, "intervall: unknown key"));
  REQUIRE(WaitFor(
      [&] {
        times = Times(cluster, selector, refused);
        return !times.empty() && times.back() > Ms(refused + absl::Seconds(3));
      },
      absl::Seconds(15)));
  INFO(FirstBreak(times, 500));
  CHECK(FirstBreak(times, 500).empty());
  CHECK(agent->Running());
  CHECK(Occurrences(ReadAll(cluster.collector_log()), connected) == 1);
}

}  // namespace
}  // namespace vigil::testing
