// The "kernel_params" source: the kernel parameters that Oracle's and PostgreSQL's
// installation guides set, read from <proc_root>/sys and <sys_root>, for the quarterly
// inspection's check of a database server's OS settings (requirement R10).
//
// Metrics, named as node_exporter's sysctl collector names them
// (`--collector.sysctl.include=vm.swappiness`): node_sysctl_<name, every character
// other than a letter, digit or '_' replaced by '_'>, e.g. node_sysctl_vm_swappiness,
// node_sysctl_fs_file_max. A parameter with several values (kernel.sem,
// net.ipv4.ip_local_port_range) gets one series per value with label index="0", "1",
// ... as node_exporter does without a key mapping. Parameters the kernel does not have
// (a container without /proc/sys/vm) are left out and counted in
// vigil_kernel_params_missing.
// Transparent huge pages, one-hot over the choices the kernel offers:
//   vigil_transparent_hugepage{setting="enabled"|"defrag", value="always"|...} 1/0
// (from /sys/kernel/mm/transparent_hugepage, or RHEL 6's redhat_transparent_hugepage).
//
// They rarely change: the source runs every minute by default.
// Threading: the agent's sampling thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// The sysctls read, dotted ("vm.swappiness").
const std::vector<std::string>& DatabaseSysctls();

// "vm.dirty_ratio" -> "node_sysctl_vm_dirty_ratio"; "fs.file-max" -> "node_sysctl_fs_file_max".
std::string SysctlMetricName(absl::string_view sysctl);
// The whitespace-separated integers of a /proc/sys file ("250\t32000\t100\t128\n").
absl::StatusOr<std::vector<double>> ParseSysctlValues(absl::string_view text);

struct ThpSetting {
  std::vector<std::string> choices;  // in file order
  std::string selected;              // the bracketed one
};
// "always madvise [never]\n" -> choices {always, madvise, never}, selected "never".
absl::StatusOr<ThpSetting> ParseThpSetting(absl::string_view text);

absl::StatusOr<std::unique_ptr<Source>> CreateKernelParamsSource(const SourceOptions& options);

}  // namespace vigil::agent
