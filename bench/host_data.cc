#include "bench/host_data.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace vigil::bench {

// One source of values: a group of consecutive built series (a CPU's 8 modes, a disk's
// 17 counters) or a single series. Parameters are fixed at build time; the state moves.
namespace {}  // namespace

absl::string_view SeriesKindName(SeriesKind kind) {
  switch (kind) {
    case SeriesKind::kCpuSeconds:
      return "cpu_seconds";
    case SeriesKind::kMemoryBytes:
      return "memory_bytes";
    case SeriesKind::kNetworkCounter:
      return "network_counter";
    case SeriesKind::kDiskCounter:
      return "disk_counter";
    case SeriesKind::kFilesystem:
      return "filesystem";
    case SeriesKind::kLoadAverage:
      return "load_average";
    case SeriesKind::kTimeSeconds:
      return "time_seconds";
    case SeriesKind::kHighEntropyFloat:
      return "high_entropy_float";
    case SeriesKind::kState:
      return "state_0_1";
    case SeriesKind::kIntGauge:
      return "int_gauge";
    case SeriesKind::kEventCounter:
      return "event_counter";
  }
  return "?";
}

HostDataGenerator::HostDataGenerator(uint64_t seed, int series_per_host) : rng_{seed} {
  const int target = std::max(series_per_host, 1);
  // The default host is exactly 500 series; larger ones get more CPUs, disks and
  // interfaces, then every host is sampled evenly down to the size asked for.
  for (int scale = (target + 499) / 500;; ++scale) {
    rng_ = HostRng{seed};
    series_.clear();
    models_.clear();
    Build(24 * scale, 6 * scale, 3 * scale, 6);
    if (series_.size() >= static_cast<size_t>(target)) break;
  }
  Select(target);
}

void HostDataGenerator::Build(int cpus, int disks, int interfaces, int filesystems) {
  auto add = [&](std::string name, std::vector<std::pair<std::string, std::string>> labels,
                 SeriesKind kind, bool counter) {
    std::sort(labels.begin(), labels.end());
    labels.insert(labels.begin(), {"__name__", std::move(name)});
    series_.push_back(SeriesInfo{std::move(labels), kind, counter});
  };
  auto model = [&](HostModel::Type type) -> HostModel& {
    models_.emplace_back();
    models_.back().type = type;
    models_.back().first = static_cast<uint32_t>(series_.size());
    return models_.back();
  };
  auto constant = [&](std::string name, std::vector<std::pair<std::string, std::string>> labels,
                      SeriesKind kind, bool counter, double value) {
    model(HostModel::Type::kConstant).level = value;
    add(std::move(name), std::move(labels), kind, counter);
  };
  const int64_t uptime_s = 30 * 86400 + rng_.Below(86400);
  monotonic_ns_ = uptime_s * 1000000000;

  // CPUs: 8 modes each, in the agent's order.
  static const char* const kModes[] = {"user",   "nice", "system",  "idle",
                                       "iowait", "irq",  "softirq", "steal"};
  static const double kShare[] = {0.12, 0.001, 0.04, 0.8, 0.01, 0.001, 0.005, 0};
  for (int cpu = 0; cpu < cpus; ++cpu) {
    HostModel& m = model(HostModel::Type::kCpu);
    m.level = 0.05 + rng_.Uniform() * 0.3;
    for (int mode = 0; mode < 8; ++mode) {
      m.c.push_back(
          static_cast<int64_t>(kShare[mode] * uptime_s * kUserHz * (0.8 + 0.4 * rng_.Uniform())));
      add("node_cpu_seconds_total", {{"cpu", absl::StrCat(cpu)}, {"mode", kModes[mode]}},
          SeriesKind::kCpuSeconds, true);
    }
  }
  // /proc/stat's other lines.
  auto rate_counter = [&](std::string name, double rate, double spread, double p, SeriesKind kind) {
    HostModel& m = model(HostModel::Type::kRateCounter);
    m.rate = rate;
    m.spread = spread;
    m.p_change = p;
    m.c = {static_cast<int64_t>(rate * p * uptime_s)};
    add(std::move(name), {}, kind, true);
  };
  rate_counter("node_context_switches_total", 800.0 * cpus, 0.4, 1, SeriesKind::kEventCounter);
  rate_counter("node_intr_total", 500.0 * cpus, 0.3, 1, SeriesKind::kEventCounter);
  rate_counter("node_forks_total", 4, 1, 0.7, SeriesKind::kEventCounter);
  {
    HostModel& m = model(HostModel::Type::kRandomInt);
    m.lo = 1;
    m.sigma = std::max(2, cpus / 3);
    add("node_procs_running", {}, SeriesKind::kIntGauge, false);
    HostModel& b = model(HostModel::Type::kBurstGauge);
    b.p_change = 0.05;
    b.sigma = 3;
    add("node_procs_blocked", {}, SeriesKind::kIntGauge, false);
  }
  constant("node_boot_time_seconds", {}, SeriesKind::kIntGauge, false,
           static_cast<double>(1795000000 - uptime_s));

  // /proc/meminfo: {key, share of MemTotal, unit, p_change, sigma units}; p_change 0 is
  // flat. Keys without kB (HugePages_*) are counts.
  struct Mem {
    const char* key;
    double share;
    int64_t unit;
    double p;
    int64_t sigma;
  };
  static const Mem kMem[] = {
      {"MemTotal", 1, kKiB, 0, 0},
      {"MemFree", 0.05, kPage, 0.95, 3000},
      {"MemAvailable", 0.4, kPage, 0.95, 3000},
      {"Buffers", 0.002, kPage, 0.3, 4},
      {"Cached", 0.35, kPage, 0.8, 800},
      {"SwapCached", 0.0001, kPage, 0.01, 2},
      {"Active", 0.3, kPage, 0.8, 400},
      {"Inactive", 0.2, kPage, 0.7, 400},
      {"Active_anon", 0.1, kPage, 0.6, 200},
      {"Inactive_anon", 0.05, kPage, 0.3, 50},
      {"Active_file", 0.2, kPage, 0.7, 300},
      {"Inactive_file", 0.15, kPage, 0.6, 300},
      {"Unevictable", 0.0001, kPage, 0, 0},
      {"Mlocked", 0.0001, kPage, 0, 0},
      {"SwapTotal", 0.03, kKiB, 0, 0},
      {"SwapFree", 0.029, kKiB, 0.001, 4},
      {"Zswap", 0, kKiB, 0, 0},
      {"Zswapped", 0, kKiB, 0, 0},
      {"Dirty", 0.0002, kPage, 0.9, 300},
      {"Writeback", 0, kPage, 0, 0},
      {"AnonPages", 0.12, kPage, 0.8, 200},
      {"Mapped", 0.02, kPage, 0.3, 20},
      {"Shmem", 0.25, kPage, 0.1, 10},
      {"KReclaimable", 0.01, kPage, 0.4, 20},
      {"Slab", 0.015, kPage, 0.5, 20},
      {"SReclaimable", 0.01, kPage, 0.4, 20},
      {"SUnreclaim", 0.005, kPage, 0.3, 8},
      {"KernelStack", 0.0002, 4 * kKiB, 0.2, 4},
      {"PageTables", 0.003, kPage, 0.4, 10},
      {"SecPageTables", 0, kKiB, 0, 0},
      {"NFS_Unstable", 0, kKiB, 0, 0},
      {"Bounce", 0, kKiB, 0, 0},
      {"WritebackTmp", 0, kKiB, 0, 0},
      {"CommitLimit", 0.53, kKiB, 0, 0},
      {"Committed_AS", 0.3, kKiB, 0.8, 2000},
      {"VmallocTotal", 128, kKiB, 0, 0},
      {"VmallocUsed", 0.0003, kKiB, 0.1, 16},
      {"VmallocChunk", 0, kKiB, 0, 0},
      {"Percpu", 0.0002, kKiB, 0, 0},
      {"HardwareCorrupted", 0, kKiB, 0, 0},
      {"AnonHugePages", 0.01, 2048 * kKiB, 0.01, 1},
      {"ShmemHugePages", 0, kKiB, 0, 0},
      {"ShmemPmdMapped", 0, kKiB, 0, 0},
      {"FileHugePages", 0, kKiB, 0, 0},
      {"FilePmdMapped", 0, kKiB, 0, 0},
      {"Hugepagesize", 0, 2048 * kKiB, 0, 0},
      {"Hugetlb", 0, kKiB, 0, 0},
      {"DirectMap4k", 0.001, kKiB, 0, 0},
      {"DirectMap2M", 0.2, kKiB, 0, 0},
      {"DirectMap1G", 0.8, kKiB, 0, 0},
  };
  const int64_t mem_total = 256 * kGiB;
  for (const Mem& mem : kMem) {
    const std::string name = absl::StrCat("node_memory_", mem.key, "_bytes");
    const int64_t units = std::max<int64_t>(mem.share > 0 ? 1 : 0,
                                            static_cast<int64_t>(mem.share * mem_total / mem.unit));
    if (absl::string_view(mem.key) == "Writeback") {
      HostModel& m = model(HostModel::Type::kBurstGauge);
      m.p_change = 0.03;
      m.sigma = 2000;
      m.unit = kPage;
    } else if (mem.p == 0) {
      model(HostModel::Type::kConstant).level = static_cast<double>(units * mem.unit);
    } else {
      HostModel& m = model(HostModel::Type::kWalk);
      m.unit = mem.unit;
      m.p_change = mem.p;
      m.sigma = mem.sigma;
      m.lo = 0;
      m.hi = units * 2 + mem.sigma * 10;
      m.c = {units};
    }
    add(name, {}, SeriesKind::kMemoryBytes, false);
  }
  for (const char* key :
       {"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"}) {
    constant(absl::StrCat("node_memory_", key), {}, SeriesKind::kIntGauge, false, 0);
  }

  // Network interfaces: 16 counters each, in the agent's order.
  static const char* const kNet[] = {
      "receive_bytes",  "receive_packets",  "receive_errs",       "receive_drop",
      "receive_fifo",   "receive_frame",    "receive_compressed", "receive_multicast",
      "transmit_bytes", "transmit_packets", "transmit_errs",      "transmit_drop",
      "transmit_fifo",  "transmit_colls",   "transmit_carrier",   "transmit_compressed"};
  for (int i = 0; i < interfaces; ++i) {
    const std::string device = i % 3 == 2
                                   ? absl::StrCat("lo", i / 3 == 0 ? "" : absl::StrCat(i / 3))
                                   : absl::StrCat("eth", i - i / 3);
    HostModel& m = model(HostModel::Type::kNetDevice);
    m.rate = i % 3 == 0 ? 4e6 : i % 3 == 1 ? 2e5 : 3e4;
    m.level = 1;
    for (int k = 0; k < 16; ++k) {
      const bool traffic = k == 0 || k == 1 || k == 8 || k == 9;
      m.c.push_back(traffic ? static_cast<int64_t>(m.rate * uptime_s / (k % 8 == 1 ? 900 : 1))
                    : k == 3 || k == 7 ? rng_.Below(5000)
                                       : 0);
      add(absl::StrCat("node_network_", kNet[k], "_total"), {{"device", device}},
          SeriesKind::kNetworkCounter, true);
    }
  }

  // Disks: 17 series each, in the agent's order; io_now is a gauge.
  static const char* const kDisk[] = {"reads_completed_total",
                                      "reads_merged_total",
                                      "read_bytes_total",
                                      "read_time_seconds_total",
                                      "writes_completed_total",
                                      "writes_merged_total",
                                      "written_bytes_total",
                                      "write_time_seconds_total",
                                      "io_now",
                                      "io_time_seconds_total",
                                      "io_time_weighted_seconds_total",
                                      "discards_completed_total",
                                      "discards_merged_total",
                                      "discarded_sectors_total",
                                      "discard_time_seconds_total",
                                      "flush_requests_total",
                                      "flush_requests_time_seconds_total"};
  static const char* const kDiskNames[] = {"nvme0n1", "nvme1n1", "dm-0", "sda", "sdb", "sdc"};
  for (int d = 0; d < disks; ++d) {
    const std::string device = d < 6 ? kDiskNames[d] : absl::StrCat("sdx", d);
    HostModel& m = model(HostModel::Type::kDisk);
    m.steady = d % 6 < 3;                 // database volumes
    m.p_change = m.steady ? 0.08 : 0.01;  // a burst starts
    m.rate = m.steady ? 400 : 80;
    for (int k = 0; k < 17; ++k) {
      m.c.push_back(k == 8 ? 0 : rng_.Below(int64_t{1} << 30) * (m.steady ? 8 : 1));
      add(absl::StrCat("node_disk_", kDisk[k]), {{"device", device}},
          k == 8 ? SeriesKind::kIntGauge : SeriesKind::kDiskCounter, k != 8);
    }
  }

  // Filesystems: device_error, readonly, size, free, avail, files, files_free.
  static const char* const kMounts[] = {
      "/var/lib/postgresql", "/", "/var/log", "/boot", "/tmp", "/home"};
  for (int f = 0; f < filesystems; ++f) {
    const std::vector<std::pair<std::string, std::string>> labels = {
        {"device", absl::StrCat("/dev/mapper/vg-", f)},
        {"fstype", f == 3 ? "ext4" : "xfs"},
        {"mountpoint", kMounts[f % 6]}};
    constant("node_filesystem_device_error", labels, SeriesKind::kState, false, 0);
    constant("node_filesystem_readonly", labels, SeriesKind::kState, false, 0);
    HostModel& m = model(HostModel::Type::kFilesystem);
    const int64_t blocks = (f == 0 ? 4096 : f == 3 ? 1 : 100) * (kGiB / kPage);
    const int64_t free_blocks = static_cast<int64_t>(blocks * (0.2 + 0.6 * rng_.Uniform()));
    m.c = {blocks, free_blocks, blocks / 20, blocks / 16, blocks / 16 - rng_.Below(blocks / 32)};
    m.p_change = f == 0 ? 0.9 : f == 2 ? 0.3 : f == 1 || f == 4 ? 0.05 : 0;
    m.sigma = f == 0 ? 2000 : 50;
    m.rate = f == 0 ? -150 : f == 2 ? -5 : 0;  // drift in blocks per tick
    for (const char* name : {"size_bytes", "free_bytes", "avail_bytes", "files", "files_free"}) {
      add(absl::StrCat("node_filesystem_", name), labels, SeriesKind::kFilesystem, false);
    }
  }

  {
    HostModel& m = model(HostModel::Type::kLoad);
    m.level = 0.2 * cpus;
    for (double& load : m.l) load = m.level;
    add("node_load1", {}, SeriesKind::kLoadAverage, false);
    add("node_load5", {}, SeriesKind::kLoadAverage, false);
    add("node_load15", {}, SeriesKind::kLoadAverage, false);
  }
  model(HostModel::Type::kTime);
  add("node_time_seconds", {}, SeriesKind::kTimeSeconds, false);

  // The agent's health series, per source and overall (agent/sampler.h).
  static const char* const kSources[] = {
      "cpu",    "diskstats",        "filesystem", "loadavg",       "meminfo",
      "netdev", "postgres_process", "time",       "process_table", "host_facts"};
  static const double kDurationNs[] = {60e3, 45e3, 900e3, 12e3, 55e3, 40e3, 2.5e6, 3e3, 4e6, 30e3};
  for (int s = 0; s < 10; ++s) {
    const std::vector<std::pair<std::string, std::string>> labels = {{"source", kSources[s]}};
    HostModel& up = model(HostModel::Type::kState);
    up.level = 1;
    up.p_change = 2e-5;
    add("vigil_agent_source_up", labels, SeriesKind::kState, false);
    constant("vigil_agent_source_errors_total", labels, SeriesKind::kEventCounter, true,
             s == 6 ? 3 : 0);
    model(HostModel::Type::kDuration).rate = kDurationNs[s];
    add("vigil_agent_source_duration_seconds", labels, SeriesKind::kHighEntropyFloat, false);
  }
  {
    HostModel& m = model(HostModel::Type::kBurstGauge);
    m.p_change = 0.002;
    m.sigma = 2;
    add("vigil_agent_pending_batches", {}, SeriesKind::kIntGauge, false);
  }
  constant("vigil_agent_samples_dropped_total", {}, SeriesKind::kEventCounter, true, 0);
  constant("vigil_agent_series", {}, SeriesKind::kIntGauge, false, 500);

  // One PostgreSQL instance (agent/sources/postgres_process.cc).
  const std::vector<std::pair<std::string, std::string>> db = {
      {"db", "postgres"}, {"instance_name", "main"}, {"port", "5432"}};
  HostModel& db_up = model(HostModel::Type::kState);
  db_up.level = 1;
  db_up.p_change = 1e-5;
  add("vigil_db_up", db, SeriesKind::kState, false);
  static const char* const kRoles[] = {"postmaster",          "checkpointer", "background_writer",
                                       "walwriter",           "autovacuum",   "stats_collector",
                                       "logical_replication", "archiver"};
  for (const char* role : kRoles) {
    auto labels = db;
    labels.emplace_back("role", role);
    HostModel& up = model(HostModel::Type::kState);
    up.level = 1;
    up.p_change = 1e-5;
    add("vigil_process_up", labels, SeriesKind::kState, false);
    HostModel& count = model(HostModel::Type::kWalk);
    const bool workers = absl::string_view(role) == "autovacuum";
    count.c = {workers ? 3 : 1};
    count.p_change = workers ? 0.02 : 0;
    count.sigma = 1;
    count.lo = 1;
    count.hi = workers ? 6 : 1;
    add("vigil_process_count", labels, SeriesKind::kIntGauge, false);
  }
  HostModel& backends = model(HostModel::Type::kWalk);
  backends.c = {120};
  backends.p_change = 0.3;
  backends.sigma = 3;
  backends.lo = 10;
  backends.hi = 400;
  add("vigil_db_backends", db, SeriesKind::kIntGauge, false);
  constant("vigil_db_start_time_seconds", db, SeriesKind::kIntGauge, false,
           static_cast<double>(1795000000 - uptime_s / 2));
}

void HostDataGenerator::Select(int series_per_host) {
  const size_t built = series_.size();
  const size_t n = std::min<size_t>(static_cast<size_t>(series_per_host), built);
  std::vector<SeriesInfo> chosen;
  chosen.reserve(n);
  selected_.clear();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = i * built / n;
    selected_.push_back(static_cast<uint32_t>(index));
    chosen.push_back(series_[index]);
  }
  series_ = std::move(chosen);
  all_values_.assign(built, 0);
}

void HostDataGenerator::Tick(int64_t t_ms, std::vector<double>* values) {
  const HostTick tick{t_ms, ticks_, monotonic_ns_};
  for (HostModel& m : models_) StepHostModel(m, tick, rng_, all_values_.data() + m.first);
  monotonic_ns_ += 1000000000;
  ++ticks_;
  values->resize(selected_.size());
  for (size_t i = 0; i < selected_.size(); ++i) (*values)[i] = all_values_[selected_[i]];
}

}  // namespace vigil::bench
