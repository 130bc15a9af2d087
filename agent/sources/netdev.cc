#include "agent/sources/netdev.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"
#include "common/file.h"
#include "common/log.h"
#include "re2/re2.h"

namespace vigil::agent {
namespace {

struct Counter {
  absl::string_view metric;
  uint64_t NetDevStats::*field;
};

// In the order of the columns of /proc/net/dev.
constexpr Counter kCounters[] = {
    {"node_network_receive_bytes_total", &NetDevStats::receive_bytes},
    {"node_network_receive_packets_total", &NetDevStats::receive_packets},
    {"node_network_receive_errs_total", &NetDevStats::receive_errs},
    {"node_network_receive_drop_total", &NetDevStats::receive_drop},
    {"node_network_receive_fifo_total", &NetDevStats::receive_fifo},
    {"node_network_receive_frame_total", &NetDevStats::receive_frame},
    {"node_network_receive_compressed_total", &NetDevStats::receive_compressed},
    {"node_network_receive_multicast_total", &NetDevStats::receive_multicast},
    {"node_network_transmit_bytes_total", &NetDevStats::transmit_bytes},
    {"node_network_transmit_packets_total", &NetDevStats::transmit_packets},
    {"node_network_transmit_errs_total", &NetDevStats::transmit_errs},
    {"node_network_transmit_drop_total", &NetDevStats::transmit_drop},
    {"node_network_transmit_fifo_total", &NetDevStats::transmit_fifo},
    {"node_network_transmit_colls_total", &NetDevStats::transmit_colls},
    {"node_network_transmit_carrier_total", &NetDevStats::transmit_carrier},
    {"node_network_transmit_compressed_total", &NetDevStats::transmit_compressed},
};
constexpr size_t kColumns = sizeof(kCounters) / sizeof(kCounters[0]);

// Parses "  eth0: 1 2 ... 16" into *dev. Returns an error message, empty on success.
std::string ParseLine(absl::string_view line, NetDevStats* dev) {
  const size_t colon = line.find(':');  // interface names cannot contain ':'
  const absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, colon));
  if (name.empty()) return "empty interface name";
  const std::vector<absl::string_view> fields =
      absl::StrSplit(line.substr(colon + 1), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() != kColumns) {
    return absl::StrCat("expected ", kColumns, " counters, got ", fields.size());
  }
  for (size_t i = 0; i < kColumns; ++i) {
    if (!absl::SimpleAtoi(fields[i], &(dev->*kCounters[i].field))) {
      return absl::StrCat("bad number \"", fields[i], "\"");
    }
  }
  dev->device = std::string(name);
  return "";
}

class NetdevSource : public Source {
 public:
  NetdevSource(std::string path, std::unique_ptr<RE2> exclude)
      : file_(std::move(path)), exclude_(std::move(exclude)) {}

  absl::string_view name() const override { return "netdev"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    absl::StatusOr<NetDev> netdev = file_.ReadAndParse(ParseNetDev);
    if (!netdev.ok()) return netdev.status();
    for (const NetDevStats& dev : netdev->devices) {
      if (exclude_ != nullptr &&
          RE2::PartialMatch(re2::StringPiece(dev.device.data(), dev.device.size()), *exclude_)) {
        continue;
      }
      const LabelPair labels[] = {{"device", dev.device}};
      for (const Counter& counter : kCounters) {
        sink.Add(counter.metric, labels, static_cast<double>(dev.*counter.field));
      }
    }
    return absl::OkStatus();
  }

 private:
  ProcFile file_;
  const std::unique_ptr<RE2> exclude_;  // null: exclude nothing
};

}  // namespace

absl::StatusOr<NetDev> ParseNetDev(absl::string_view text) {
  NetDev netdev;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::string error;
    if (line.find(':') == absl::string_view::npos) {
      // The two header lines ("Inter-|   Receive ..." and " face |bytes ...") have '|'.
      if (line.find('|') != absl::string_view::npos) continue;
      error = "no ':' after the interface name";
    } else {
      NetDevStats dev;
      error = ParseLine(line, &dev);
      if (error.empty()) netdev.devices.push_back(std::move(dev));
    }
    if (!error.empty()) netdev.skipped.Add(line_number, error);
  }
  if (netdev.devices.empty() && netdev.skipped.count > 0) {
    return absl::InvalidArgumentError(netdev.skipped.first);
  }
  return netdev;
}

absl::StatusOr<std::unique_ptr<Source>> CreateNetdevSource(const SourceOptions& options) {
  std::unique_ptr<RE2> exclude;
  if (!options.netdev_exclude_devices.empty()) {
    exclude = std::make_unique<RE2>(options.netdev_exclude_devices, RE2::Quiet);
    if (!exclude->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("netdev_exclude_devices: invalid regular expression \"",
                       options.netdev_exclude_devices, "\": ", exclude->error()));
    }
  }
  return std::make_unique<NetdevSource>(absl::StrCat(options.proc_root, "/net/dev"),
                                        std::move(exclude));
}

}  // namespace vigil::agent
