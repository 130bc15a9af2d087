// Simulated series of one database host, sampled every second the way our agent sends
// them (node_exporter names, the agent's own arithmetic on /proc values), for measuring
// the storage engine on data that looks like production rather than on random numbers.
//
// The mix of a default 500-series host (24 CPUs, 3 network interfaces, 6 disks,
// 6 filesystems, one PostgreSQL instance, the agent's own health series):
//   kind               series  what                          what the values look like
//   cpu_seconds          192   node_cpu_seconds_total        USER_HZ ticks / 100: 2-decimal
//                              {cpu, mode}, 8 modes          counters; idle climbs ~1/s,
//                                                            user and system with the load,
//                                                            nice/irq/steal mostly flat
//   memory_bytes          50   node_memory_*_bytes           integer kB * 1024; 24 flat
//                                                            (totals), the rest wandering
//                                                            by pages; Writeback bursty
//   network_counter       48   node_network_*_total          integers; bytes and packets
//                              {device} x 16                 climb by varying amounts,
//                                                            errors/drops/fifo flat or rare
//   disk_counter          96   node_disk_*_total{device}     bursty: idle seconds, then
//                              x 16                          bursts; database volumes also
//                                                            write every second; *_seconds
//                                                            are ms * (1/1000.0), not
//                                                            always the nearest double to
//                                                            the decimal
//   filesystem            30   node_filesystem_{size,free,   sizes flat; free/avail move by
//                              avail}_bytes, files, ...      4 KiB blocks on busy volumes
//   load_average           3   node_load1/5/15               2 decimals, recomputed every
//                                                            5 s
//   time_seconds           1   node_time_seconds             unix seconds, ms precision
//   high_entropy_float    10   vigil_agent_source_duration_  the difference of two monotonic
//                              seconds{source}               clock readings near 2.6e6 s:
//                                                            ~20 significant bits, never
//                                                            decimal
//   state_0_1             31   *_up, filesystem readonly     1 (or 0), rarely flipping for
//                              and device_error              a few seconds
//   int_gauge             25   procs_running/blocked,        small integers, flat, walking
//                              disk io_now, backends, ...    or jumpy
//   event_counter         14   context switches, interrupts, integers; fast ones climb
//                              forks, source errors, drops   every second, the rest flat
// Counters never decrease (no resets are simulated). Other sizes scale the host: the
// list is built for enough CPUs and disks, then sampled evenly down to the size asked.
//
// Thread-safety: none; one generator per thread. Deterministic for a given seed and size.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "bench/host_models.h"

namespace vigil::bench {

enum class SeriesKind {
  kCpuSeconds,
  kMemoryBytes,
  kNetworkCounter,
  kDiskCounter,
  kFilesystem,
  kLoadAverage,
  kTimeSeconds,
  kHighEntropyFloat,
  kState,
  kIntGauge,
  kEventCounter,
};
inline constexpr int kSeriesKindCount = 11;

// "cpu_seconds", "memory_bytes", ...: the names used in reports.
absl::string_view SeriesKindName(SeriesKind kind);

struct SeriesInfo {
  // __name__ first, then the other labels sorted by name.
  std::vector<std::pair<std::string, std::string>> labels;
  SeriesKind kind = SeriesKind::kIntGauge;
  bool counter = false;  // monotonic (a *_total or _seconds_total series)
};

class HostDataGenerator {
 public:
  explicit HostDataGenerator(uint64_t seed, int series_per_host = 500);

  const std::vector<SeriesInfo>& series() const { return series_; }
  size_t size() const { return series_.size(); }

  // Advances the host by one tick at time t_ms (ascending, normally 1 s apart) and sets
  // *values to one sample per series, in series() order. Allocation-free once *values
  // has its size.
  void Tick(int64_t t_ms, std::vector<double>* values);

 private:
  struct Model;
  struct Rng {
    uint64_t state;
    uint64_t Next();
    double Uniform();              // [0, 1)
    int64_t Below(int64_t bound);  // [0, bound)
    double Normal();               // mean 0, deviation 1 (approximate)
  };

  void Build(int cpus, int disks, int interfaces, int filesystems);
  void Select(int series_per_host);

  HostRng rng_;
  std::vector<SeriesInfo> series_;
  std::vector<HostModel> models_;
  std::vector<double> all_values_;  // one per built series
  std::vector<uint32_t> selected_;  // indices into the built series
  int64_t monotonic_ns_ = 0;
  int64_t ticks_ = 0;
};

}  // namespace vigil::bench
