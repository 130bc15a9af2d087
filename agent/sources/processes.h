// The "processes" source: how many processes are in each state (zombies above all),
// named as node_exporter's processes collector names them:
//   node_processes_state{state="R"|"S"|"D"|"Z"|"T"|"t"|"I"|...}  processes per state
//   node_processes_pids          processes
//   node_processes_threads       threads of all processes
//   node_processes_max_processes kernel.pid_max
//   node_processes_max_threads   kernel.threads-max
// R, S, D, Z, T and I are always reported (0 when none) so that rules see them.
//
// Cost. The state is in /proc/<pid>/stat, which the shared process table
// (process_table.h) reads only for database processes, to stay within the agent's CPU
// budget at 1 s sampling. This source reads the stat of every process itself (one
// openat + read each, ~7 us), so it runs every 15 s by default: 1000 processes cost
// ~7 ms per run, under 0.5 ms a second.
//
// Threading: the agent's sampling thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct ProcessState {
  char state = '?';     // stat field 3
  int64_t threads = 0;  // stat field 20
};

// The state and thread count from the content of /proc/<pid>/stat.
absl::StatusOr<ProcessState> ParseProcessState(absl::string_view stat);

absl::StatusOr<std::unique_ptr<Source>> CreateProcessesSource(const SourceOptions& options);

}  // namespace vigil::agent
