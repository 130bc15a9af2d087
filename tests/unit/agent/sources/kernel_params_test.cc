#include "agent/sources/kernel_params.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using testing::RecordingSink;

TEST_CASE("SysctlMetricName follows node_exporter's sysctl collector", "[kernel_params]") {
  CHECK(SysctlMetricName("vm.swappiness") == "node_sysctl_vm_swappiness");
  CHECK(SysctlMetricName("fs.file-max") == "node_sysctl_fs_file_max");
  CHECK(SysctlMetricName("net.ipv4.ip_local_port_range") ==
        "node_sysctl_net_ipv4_ip_local_port_range");
}

TEST_CASE("ParseSysctlValues reads one or several values", "[kernel_params]") {
  CHECK(*ParseSysctlValues("60\n") == std::vector<double>{60});
  CHECK(*ParseSysctlValues("250\t32000\t100\t128\n") == std::vector<double>{250, 32000, 100, 128});
  CHECK(*ParseSysctlValues("32768\t60999\n") == std::vector<double>{32768, 60999});
  CHECK((*ParseSysctlValues("18446744073692774399\n"))[0] == Approx(1.8446744073692774e19));
  CHECK(*ParseSysctlValues("-1\n") == std::vector<double>{-1});
  CHECK_FALSE(ParseSysctlValues("").ok());
  CHECK_FALSE(ParseSysctlValues("abc\n").ok());
}

TEST_CASE("ParseThpSetting finds the bracketed choice", "[kernel_params]") {
  absl::StatusOr<ThpSetting> thp = ParseThpSetting("always [madvise] never\n");
  REQUIRE(thp.ok());
  CHECK(thp->selected == "madvise");
  CHECK(thp->choices == std::vector<std::string>{"always", "madvise", "never"});
  thp = ParseThpSetting("always defer defer+madvise [madvise] never\n");
  REQUIRE(thp.ok());
  CHECK(thp->selected == "madvise");
  CHECK(thp->choices.size() == 5);
  CHECK_FALSE(ParseThpSetting("always madvise never\n").ok());
}

TEST_CASE("kernel_params reads a fixture tree's sysctls and THP settings", "[kernel_params]") {
  SourceOptions options;
  options.proc_root = vigil::testing::TestDataDir() + "/proc/security-host";
  options.sys_root = vigil::testing::TestDataDir() + "/sys/security-host";
  auto source = CreateKernelParamsSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Find("node_sysctl_vm_swappiness") == 60);
  CHECK(sink.Find("node_sysctl_vm_overcommit_memory") == 0);
  CHECK(sink.Find("node_sysctl_fs_file_max") == 6815744);
  CHECK(sink.Find("node_sysctl_kernel_shmmni") == 4096);
  CHECK(sink.Find("node_sysctl_kernel_sem", {{"index", "0"}}) == 250);
  CHECK(sink.Find("node_sysctl_kernel_sem", {{"index", "3"}}) == 128);
  CHECK(sink.Find("node_sysctl_net_ipv4_ip_local_port_range", {{"index", "1"}}) == 65500);
  CHECK(sink.Count("node_sysctl_vm_nr_hugepages") == 0);  // not in the fixture
  CHECK(sink.Find("vigil_kernel_params_missing") == 14);
  CHECK(sink.Find("vigil_transparent_hugepage", {{"setting", "enabled"}, {"value", "never"}}) == 1);
  CHECK(sink.Find("vigil_transparent_hugepage", {{"setting", "enabled"}, {"value", "always"}}) ==
        0);
  CHECK(sink.Find("vigil_transparent_hugepage", {{"setting", "defrag"}, {"value", "always"}}) == 1);
  CHECK(sink.Count("vigil_transparent_hugepage") == 8);
  CHECK(sink.DuplicateSeries().empty());
}

TEST_CASE("kernel_params reads the real /proc/sys", "[kernel_params]") {
  auto source = CreateKernelParamsSource(SourceOptions());
  REQUIRE(source.ok());
  RecordingSink sink;
  REQUIRE((*source)->Collect(TickContext{}, sink).ok());
  CHECK(sink.Find("node_sysctl_kernel_sem", {{"index", "0"}}).has_value());
  CHECK(sink.Find("node_sysctl_fs_file_max").value_or(0) > 0);
}

}  // namespace
}  // namespace vigil::agent
