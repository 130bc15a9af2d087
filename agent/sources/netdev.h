// The "netdev" source: <proc_root>/net/dev, with node_exporter's metric names.
// Label: device. Devices matching SourceOptions::netdev_exclude_devices (an RE2,
// partial match; empty excludes nothing) are skipped.
//
//   node_network_receive_{bytes,packets,errs,drop,fifo,frame,compressed,multicast}_total
//   node_network_transmit_{bytes,packets,errs,drop,fifo,colls,carrier,compressed}_total
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/sources/skipped_lines.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// One interface line of /proc/net/dev: 8 receive and 8 transmit counters.
struct NetDevStats {
  std::string device;
  uint64_t receive_bytes = 0;
  uint64_t receive_packets = 0;
  uint64_t receive_errs = 0;
  uint64_t receive_drop = 0;
  uint64_t receive_fifo = 0;
  uint64_t receive_frame = 0;
  uint64_t receive_compressed = 0;
  uint64_t receive_multicast = 0;
  uint64_t transmit_bytes = 0;
  uint64_t transmit_packets = 0;
  uint64_t transmit_errs = 0;
  uint64_t transmit_drop = 0;
  uint64_t transmit_fifo = 0;
  uint64_t transmit_colls = 0;
  uint64_t transmit_carrier = 0;
  uint64_t transmit_compressed = 0;
};

struct NetDev {
  std::vector<NetDevStats> devices;  // in file order
  SkippedLines skipped;
};

// Parses the content of /proc/net/dev. The two header lines are skipped; both the
// "eth0: 123" form and the old "%6s:%8lu" form of kernels such as RHEL 5's 2.6.18
// ("eth0:3721937218": no space once the byte counter is wider than 8 digits) are read.
// Malformed lines are skipped and counted; fails ("line N: ...") only if there are
// interface lines and none parses.
absl::StatusOr<NetDev> ParseNetDev(absl::string_view text);

// Fails (naming the option) if netdev_exclude_devices is not a valid RE2.
absl::StatusOr<std::unique_ptr<Source>> CreateNetdevSource(const SourceOptions& options);

}  // namespace vigil::agent
