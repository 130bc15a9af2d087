#include "agent/sources/oracle_listener_log.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/sources/process_table.h"
#include "common/file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent/sources/recording_sink.h"

namespace vigil::agent {
namespace {

using namespace std::string_literals;
using testing::RecordingSink;
using testing::TempDir;
using testing::TestDataDir;
using Type = ListenerLogRecord::Type;

TEST_CASE("ParseListenerLogLine: establish, refusals, service updates, TNS- errors",
          "[listener_log]") {
  ListenerLogRecord r = ParseListenerLogLine(
      "23-NOV-2026 10:15:02 * (CONNECT_DATA=(SERVICE_NAME=his)(CID=(PROGRAM=C:\\HIS\\his.exe)"
      "(HOST=WARD3-PC07)(USER=nurse01))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.1.2.3)(PORT=51234)) "
      "* establish * his * 0");
  CHECK(r.type == Type::kEstablish);
  CHECK(r.service == "his");
  CHECK(r.status == 0);
  CHECK(r.client_address == "10.1.2.3");
  CHECK(r.client_host == "WARD3-PC07");
  CHECK(r.client_program == "C:\\HIS\\his.exe");
  CHECK(r.client_user == "nurse01");

  r = ParseListenerLogLine(
      "23-NOV-2026 10:15:06 * (CONNECT_DATA=(SID=HISOLD)(CID=(PROGRAM=old.exe)(HOST=WS-OLD)"
      "(USER=admin))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.1.2.99)(PORT=1111)) * establish * "
      "HISOLD * 12505");
  CHECK(r.type == Type::kEstablish);
  CHECK(r.status == 12505);
  CHECK(r.code == "TNS-12505");

  r = ParseListenerLogLine("23-NOV-2026 10:15:01 * service_update * HIS * 0");
  CHECK(r.type == Type::kServiceUpdate);
  CHECK(r.service == "HIS");

  r = ParseListenerLogLine("TNS-12514: TNS:listener does not currently know of service");
  CHECK(r.type == Type::kError);
  CHECK(r.code == "TNS-12514");
  CHECK(ParseListenerLogLine(" TNS-00505: Operation timed out").code == "TNS-00505");

  CHECK(ParseListenerLogLine("23-NOV-2026 10:15:07 * ping * 0").type == Type::kOther);
  CHECK(ParseListenerLogLine("Mon Nov 23 10:15:00 2026").type == Type::kOther);
  CHECK(ParseListenerLogLine("WARNING: Subscription for node down event").type == Type::kOther);
  CHECK(ParseListenerLogLine("").type == Type::kOther);
}

TEST_CASE("oracle_listener_log source on the fixture, found through the running tnslsnr",
          "[listener_log]") {
  char host[256] = {};
  REQUIRE(gethostname(host, sizeof(host) - 1) == 0);
  TempDir dir;
  const std::string log =
      dir.Path(absl::StrCat("base/diag/tnslsnr/", host, "/listener/trace/listener.log"));
  dir.WriteFile(absl::StrCat("base/diag/tnslsnr/", host, "/listener/trace/listener.log"),
                "23-NOV-2020 10:15:01 * service_update * OLD * 0\n");
  dir.WriteFile("proc/stat", "btime 1700000000\n");
  dir.WriteFile("proc/300/cmdline",
                "/u01/app/oracle/product/19.0.0/dbhome_1/bin/tnslsnr\0LISTENER\0-inherit\0"s);
  dir.WriteFile("proc/300/environ", "ORACLE_BASE="s + dir.Path("base") + "\0HOME=/home/oracle\0"s);

  SourceOptions options;
  options.proc_root = dir.Path("proc");
  options.state_dir = dir.Path("state");
  options.oracle.listener_logs.push_back({"LISTENER", "auto"});
  options.oracle.listener_logs.push_back({"LISTENER_DG", dir.Path("missing.log")});
  auto source = CreateOracleListenerLogSource(options);
  REQUIRE(source.ok());
  RecordingSink sink;
  ProcessTable table(options.proc_root);
  TickContext tick{absl::FromUnixSeconds(1'800'000'000), &table};
  REQUIRE((*source)->Collect(tick, sink).ok());
  CHECK(sink.Find("oracle_listener_log_found", {{"listener", "LISTENER"}}) == 1);
  CHECK(sink.Find("oracle_listener_log_found", {{"listener", "LISTENER_DG"}}) == 0);
  CHECK(sink.Find("oracle_listener_service_updates_total", {{"listener", "LISTENER"}}) == 0);
  CHECK(sink.Find("oracle_listener_refused_total",
                  {{"listener", "LISTENER"}, {"code", "TNS-12514"}}) == 0);

  absl::StatusOr<std::string> fixture = ReadFile(TestDataDir() + "/oracle/listener.log");
  REQUIRE(fixture.ok());
  std::ofstream(log, std::ios::app) << *fixture;
  sink.Clear();
  tick.now += absl::Seconds(5);
  REQUIRE((*source)->Collect(tick, sink).ok());
  const std::string l = "LISTENER";
  CHECK(sink.Find("oracle_listener_connections_total", {{"listener", l}, {"service", "his"}}) == 2);
  CHECK(sink.Find("oracle_listener_connections_total", {{"listener", l}, {"service", "lis"}}) == 1);
  CHECK_FALSE(
      sink.Find("oracle_listener_connections_total", {{"listener", l}, {"service", "pacs"}}));
  CHECK(sink.Find("oracle_listener_refused_total", {{"listener", l}, {"code", "TNS-12514"}}) == 1);
  CHECK(sink.Find("oracle_listener_refused_total", {{"listener", l}, {"code", "TNS-12505"}}) == 1);
  CHECK(sink.Find("oracle_listener_refused_total", {{"listener", l}, {"code", "TNS-12519"}}) == 1);
  CHECK(sink.Find("oracle_listener_errors_total", {{"listener", l}, {"code", "TNS-12514"}}) == 1);
  CHECK(sink.Find("oracle_listener_errors_total", {{"listener", l}, {"code", "TNS-12535"}}) == 1);
  CHECK(sink.Find("oracle_listener_errors_total", {{"listener", l}, {"code", "TNS-12502"}}) == 1);
  CHECK(sink.Find("oracle_listener_service_updates_total", {{"listener", l}}) == 2);
  std::vector<Event> refused = sink.EventsOf("oracle_listener_refused");
  REQUIRE(refused.size() == 3);
  CHECK(absl::StrContains(refused[0].message, "10.1.9.9"));
  CHECK(absl::StrContains(refused[0].message, "user=radiology"));
  CHECK(absl::StrContains(refused[0].message, "program=pacs.exe"));
  for (const auto& [name, value] : refused[0].labels)
    CHECK(value.find("10.1.") == std::string::npos);
  std::vector<Event> errors = sink.EventsOf("oracle_listener_error");
  REQUIRE(errors.size() == 1);  // the 12502/12535 block; the others explain refusals
  CHECK(errors[0].labels[1].second == "TNS-12502");
  CHECK(sink.DuplicateSeries().empty());
}

}  // namespace
}  // namespace vigil::agent
