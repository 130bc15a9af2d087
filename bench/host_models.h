// Value models of the simulated host (host_data.h): each model produces the samples of
// one group of consecutive series (a CPU's 8 modes, a disk's 17 counters) or of a single
// series, with the arithmetic the agent applies to the kernel's numbers. Parameters are
// fixed when the host is laid out; StepHostModel advances the state by one tick.
//
// Thread-safety: none; a host's models and generator belong to one thread.
#pragma once

#include <cstdint>
#include <vector>

namespace vigil::bench {

// splitmix64: small, fast and deterministic everywhere.
struct HostRng {
  uint64_t state = 0;
  uint64_t Next();
  double Uniform();              // [0, 1)
  int64_t Below(int64_t bound);  // [0, bound)
  double Normal();               // mean 0, deviation 1 (approximate)
};

// What a model's values depend on besides its own state.
struct HostTick {
  int64_t t_ms = 0;
  int64_t index = 0;         // ticks since the host started
  int64_t monotonic_ns = 0;  // the host's monotonic clock at the tick
};

struct HostModel {
  enum class Type {
    kConstant,     // level
    kCpu,          // c: ticks per mode; level: busy fraction
    kWalk,         // integer level c[0] in `unit`s, changes with p_change by ~sigma units
    kBurstGauge,   // 0, or with p_change a random 1..sigma units for one tick
    kNetDevice,    // c: 16 counters; rate: bytes per second; level: activity
    kDisk,         // c: 17 raw counters; rate: burst size; hold: busy ticks left
    kFilesystem,   // c: total, free and reserved blocks, files, free files
    kLoad,         // levels in l[3]
    kTime,         // the tick's time plus a few ms of scrape lateness
    kDuration,     // rate: mean duration in ns
    kState,        // level: the normal value; hold: ticks left in the other state
    kRandomInt,    // lo + a uniform draw below sigma
    kRateCounter,  // c[0] += ~rate (spread relative) with probability p_change
  };
  Type type = Type::kConstant;
  uint32_t first = 0;
  double level = 0;
  double rate = 0;
  double spread = 0;
  double p_change = 0;
  int64_t unit = 1;
  int64_t sigma = 0;
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t hold = 0;
  bool steady = false;  // disks: a database volume that writes every second
  double l[3] = {0, 0, 0};
  std::vector<int64_t> c;
};

// Advances `m` by one tick and writes the values of its series to out[0], out[1], ...
void StepHostModel(HostModel& m, const HostTick& tick, HostRng& r, double* out);

// Units and the agent's conversions, shared with the host layout.
inline constexpr int64_t kKiB = 1024;
inline constexpr int64_t kPage = 4096;
inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr double kUserHz = 100;

}  // namespace vigil::bench
