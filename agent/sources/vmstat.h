// The "vmstat" source: counters from <proc_root>/vmstat, named as node_exporter's
// vmstat collector names them (node_vmstat_<field>), for the fields it exports by
// default: oom_kill (kernel 4.13+), pgfault, pgmajfault, pgpgin, pgpgout, pswpin,
// pswpout. Fields the kernel lacks (oom_kill before 4.13) are left out.
//
// When oom_kill rises between two runs the source emits an `oom_kill` event (critical)
// with the number of kills. The victim's name is in the kernel log only (dmesg,
// journalctl -k), which needs privileges the agent does not take; the event says so.
// Counted in vigil_vmstat_oom_kill_events_total (rules alert on node_vmstat_oom_kill).
//
// Threading: the agent's sampling thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

struct Vmstat {
  std::map<std::string, uint64_t> fields;  // only the exported ones
  SkippedLines skipped;
};

// Parses /proc/vmstat ("name value" lines), keeping the exported fields.
absl::StatusOr<Vmstat> ParseVmstat(absl::string_view text);

absl::StatusOr<std::unique_ptr<Source>> CreateVmstatSource(const SourceOptions& options);

}  // namespace vigil::agent
