#include "agent/sources/netdev.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using vigil::testing::RecordingSink;
using vigil::testing::TestDataDir;

std::string Fixture(const std::string& tree) { return TestDataDir() + "/proc/" + tree; }

NetDev MustParse(const std::string& tree) {
  absl::StatusOr<std::string> text = ReadFile(Fixture(tree) + "/net/dev");
  REQUIRE(text.ok());
  absl::StatusOr<NetDev> netdev = ParseNetDev(*text);
  REQUIRE(netdev.ok());
  return *netdev;
}

const NetDevStats* FindDevice(const NetDev& netdev, const std::string& name) {
  for (const NetDevStats& dev : netdev.devices) {
    if (dev.device == name) return &dev;
  }
  return nullptr;
}

constexpr char kHeader[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

TEST_CASE("ParseNetDev reads the old 'eth0:123' form of RHEL 5 (2.6.18)") {
  const NetDev netdev = MustParse("kernel-2.6.18-rhel5");
  REQUIRE(netdev.devices.size() == 4);
  CHECK(netdev.skipped.count == 0);
  const NetDevStats* eth0 = FindDevice(netdev, "eth0");
  REQUIRE(eth0 != nullptr);
  CHECK(eth0->receive_bytes == 3721937218ull);
  CHECK(eth0->receive_packets == 1273812394);
  CHECK(eth0->receive_multicast == 4182);
  CHECK(eth0->transmit_bytes == 2960734432ull);
  CHECK(eth0->transmit_packets == 1829375421);
  const NetDevStats* lo = FindDevice(netdev, "lo");
  REQUIRE(lo != nullptr);
  CHECK(lo->receive_bytes == 1427387616);
  const NetDevStats* eth1 = FindDevice(netdev, "eth1");
  REQUIRE(eth1 != nullptr);
  CHECK(eth1->receive_bytes == 184926);
}

TEST_CASE("ParseNetDev reads RHEL 7 (3.10) bonds and long interface names") {
  const NetDev netdev = MustParse("kernel-3.10-rhel7");
  REQUIRE(netdev.devices.size() == 8);
  CHECK(netdev.devices[0].device == "ens1f0");
  CHECK(netdev.devices[0].receive_bytes == 918273645123ull);
  CHECK(netdev.devices[0].transmit_bytes == 1203948572634ull);
  const NetDevStats* slave = FindDevice(netdev, "ens1f1");
  REQUIRE(slave != nullptr);
  CHECK(slave->receive_drop == 38274);
  CHECK(slave->receive_multicast == 18273);
  CHECK(FindDevice(netdev, "virbr0-nic") != nullptr);
  CHECK(FindDevice(netdev, "bond0")->receive_packets == 1827402786);
}

TEST_CASE("ParseNetDev maps all sixteen columns in order") {
  absl::StatusOr<NetDev> netdev =
      ParseNetDev(std::string(kHeader) + "  eth9: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
  REQUIRE(netdev.ok());
  REQUIRE(netdev->devices.size() == 1);
  const NetDevStats& d = netdev->devices[0];
  CHECK(d.device == "eth9");
  CHECK(d.receive_bytes == 1);
  CHECK(d.receive_packets == 2);
  CHECK(d.receive_errs == 3);
  CHECK(d.receive_drop == 4);
  CHECK(d.receive_fifo == 5);
  CHECK(d.receive_frame == 6);
  CHECK(d.receive_compressed == 7);
  CHECK(d.receive_multicast == 8);
  CHECK(d.transmit_bytes == 9);
  CHECK(d.transmit_packets == 10);
  CHECK(d.transmit_errs == 11);
  CHECK(d.transmit_drop == 12);
  CHECK(d.transmit_fifo == 13);
  CHECK(d.transmit_colls == 14);
  CHECK(d.transmit_carrier == 15);
  CHECK(d.transmit_compressed == 16);
}

TEST_CASE("ParseNetDev skips malformed lines and counts them") {
  absl::StatusOr<NetDev> netdev = ParseNetDev(std::string(kHeader) +
                                              "  eth0: 1 2 3\n"
                                              "  eth1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                                              "    : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                                              "  eth2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n"
                                              "  eth3:1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
  REQUIRE(netdev.ok());
  REQUIRE(netdev->devices.size() == 1);
  CHECK(netdev->devices[0].device == "eth3");
  CHECK(netdev->devices[0].transmit_compressed == 16);
  CHECK(netdev->skipped.count == 4);
  CHECK(netdev->skipped.first == "line 3: expected 16 counters, got 3");
}

TEST_CASE("ParseNetDev: headers only is valid, garbage is an error") {
  absl::StatusOr<NetDev> headers = ParseNetDev(kHeader);
  REQUIRE(headers.ok());
  CHECK(headers->devices.empty());
  CHECK(ParseNetDev("").ok());
  absl::StatusOr<NetDev> garbage = ParseNetDev("segmentation fault: core dumped\n");
  REQUIRE_FALSE(garbage.ok());
  CHECK(std::string(garbage.status().message()).find("line 1:") == 0);
}

TEST_CASE("netdev source reports every interface of a Debian 12 tree by default") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-6.1-debian12");
  absl::StatusOr<std::unique_ptr<Source>> source = CreateNetdevSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->name() == "netdev");
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_network_receive_bytes_total", "device") ==
        std::vector<std::string>{"bond0", "br-5e2a91c4b7d0", "docker0", "enp65s0f0", "enp65s0f1",
                                 "lo", "veth8f3c2d1", "vethb71e0aa"});
  CHECK(sink.samples().size() == 8 * 16);
  CHECK(sink.Find("node_network_receive_bytes_total", {{"device", "bond0"}}) == 839275935573.0);
  CHECK(sink.Find("node_network_receive_drop_total", {{"device", "enp65s0f1"}}) == 12837);
  CHECK(sink.Find("node_network_receive_multicast_total", {{"device", "bond0"}}) == 91009);
  CHECK(sink.Find("node_network_transmit_bytes_total", {{"device", "enp65s0f0"}}) ==
        1928374651823.0);
  CHECK(sink.Find("node_network_transmit_packets_total", {{"device", "docker0"}}) == 1827364);
  for (const char* metric :
       {"node_network_receive_errs_total", "node_network_receive_fifo_total",
        "node_network_receive_frame_total", "node_network_receive_compressed_total",
        "node_network_transmit_errs_total", "node_network_transmit_drop_total",
        "node_network_transmit_fifo_total", "node_network_transmit_colls_total",
        "node_network_transmit_carrier_total", "node_network_transmit_compressed_total"}) {
    INFO(metric);
    CHECK(sink.Count(metric) == 8);
  }
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("netdev source skips devices matching netdev_exclude_devices") {
  SourceOptions options;
  options.proc_root = Fixture("kernel-6.1-debian12");
  options.netdev_exclude_devices = "^(veth|br-|lo$)";
  auto source = CreateNetdevSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.LabelValues("node_network_transmit_bytes_total", "device") ==
        std::vector<std::string>{"bond0", "docker0", "enp65s0f0", "enp65s0f1"});

  options.netdev_exclude_devices = "(";
  auto bad = CreateNetdevSource(options);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("netdev_exclude_devices") != std::string::npos);
}

TEST_CASE("netdev source errors name the file") {
  vigil::testing::TempDir dir;
  dir.WriteFile("net/dev", "eth0: 1 2\n");
  SourceOptions options;
  options.proc_root = dir.path();
  auto source = CreateNetdevSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  absl::Status bad = (*source)->Collect(TickContext{}, sink);
  CHECK(std::string(bad.message()).find(dir.path() + "/net/dev line 1: ") == 0);
  options.proc_root = dir.Path("missing");
  source = CreateNetdevSource(options);
  REQUIRE(source.ok());
  CHECK((*source)->Collect(TickContext{}, sink).code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace vigil::agent
