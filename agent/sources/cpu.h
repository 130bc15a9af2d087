// The "cpu" source: <proc_root>/stat, with node_exporter's metric names.
//
//   node_cpu_seconds_total{cpu,mode}         mode = user nice system idle iowait irq
//                                            softirq steal (columns the kernel prints)
//   node_cpu_guest_seconds_total{cpu,mode}   mode = user nice (kernels >= 2.6.24/2.6.33)
//   node_context_switches_total, node_forks_total, node_intr_total,
//   node_procs_running, node_procs_blocked, node_boot_time_seconds
//
// Like node_exporter, the aggregate "cpu " line is skipped, and guest time is reported
// as the kernel counts it (it is also included in user/nice).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// One "cpuN" line of /proc/stat, in USER_HZ ticks. The first four columns exist on
// every kernel; the later ones are absent on old kernels (iowait, irq, softirq:
// 2.6.0; steal: 2.6.11; guest: 2.6.24; guest_nice: 2.6.33).
struct CpuTimes {
  std::string cpu;  // "0" for the line "cpu0"
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  std::optional<uint64_t> iowait;
  std::optional<uint64_t> irq;
  std::optional<uint64_t> softirq;
  std::optional<uint64_t> steal;
  std::optional<uint64_t> guest;
  std::optional<uint64_t> guest_nice;
};

// The parts of /proc/stat the agent reports. Lines the kernel may omit are optional.
struct ProcStat {
  std::vector<CpuTimes> cpus;                // per-CPU lines, in file order; never the aggregate
  std::optional<uint64_t> context_switches;  // "ctxt"
  std::optional<uint64_t> forks;             // "processes"
  std::optional<uint64_t> interrupts;        // first number of "intr"
  std::optional<uint64_t> procs_running;
  std::optional<uint64_t> procs_blocked;
  std::optional<uint64_t> boot_time;  // "btime", Unix seconds
  // Malformed lines of a known kind are skipped; the first one is described here.
  SkippedLines skipped;
};

// Parses the content of /proc/stat. Unknown lines (page, swap, softirq, ...) are
// ignored. Fails ("line N: ...") only if no per-CPU line could be parsed.
absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text);

// Creates the "cpu" source. Ticks are converted with sysconf(_SC_CLK_TCK).
absl::StatusOr<std::unique_ptr<Source>> CreateCpuSource(const SourceOptions& options);

}  // namespace vigil::agent
