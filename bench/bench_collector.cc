#include "bench/bench_collector.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "collector/ctl/certs.h"
#include "common/file.h"
#include "common/status.h"
#include "common/tls.h"

namespace vigil::bench {
namespace {

std::string SelfDir() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : self.parent_path().string();
}

}  // namespace

std::string BenchCollector::AgentName(int i) { return absl::StrFormat("bench-agent-%05d", i); }

absl::StatusOr<std::unique_ptr<BenchCollector>> BenchCollector::Create(const std::string& dir,
                                                                       int agents,
                                                                       size_t max_series_per_agent,
                                                                       bool keep_dir,
                                                                       size_t query_max_series) {
  if (query_max_series == 0) query_max_series = max_series_per_agent * 2;
  VIGIL_ASSIGN_OR_RETURN(WorkDir work, WorkDir::Make(dir, keep_dir));
  std::unique_ptr<BenchCollector> c(new BenchCollector(std::move(work)));
  const std::string certs = c->dir_ + "/certs";
  std::filesystem::create_directories(certs);
  std::filesystem::permissions(certs, std::filesystem::perms::owner_all);
  VIGIL_RETURN_IF_ERROR(ctl::InitCa(certs, "vigil-bench", /*force=*/true));
  VIGIL_RETURN_IF_ERROR(ctl::IssueCertificate(
      certs, {.kind = "collector", .name = "bench-collector", .sans = {"IP:127.0.0.1"}}, true));
  VIGIL_RETURN_IF_ERROR(ctl::IssueCertificate(
      certs, {.kind = "operator", .name = "bench-operator", .sans = {}}, true));
  for (int i = 0; i < agents; ++i) {
    VIGIL_RETURN_IF_ERROR(
        ctl::IssueCertificate(certs, {.kind = "agent", .name = AgentName(i), .sans = {}}, true));
  }
  c->config_path_ = c->dir_ + "/collector.yaml";
  c->ready_path_ = c->dir_ + "/ready";
  c->config_ = absl::StrCat(
      "listen: 127.0.0.1:0\n", "data_dir: ", c->dir_, "/data\n", "tls:\n", "  ca: ", certs,
      "/ca.crt\n", "  cert: ", certs, "/bench-collector.crt\n", "  key: ", certs,
      "/bench-collector.key\n", "limits:\n", "  max_series_per_agent: ", max_series_per_agent, "\n",
      "query:\n", "  max_series: ", query_max_series, "\n", "  max_samples: 100000000\n",
      "http:\n  listen: \"\"\n", "log_level: warning\n");
  VIGIL_RETURN_IF_ERROR(WriteFileAtomically(c->config_path_, c->config_));
  return c;
}

absl::Status BenchCollector::AppendConfig(const std::string& yaml) {
  config_ += yaml;
  return WriteFileAtomically(config_path_, config_);
}

BenchCollector::~BenchCollector() { process_.reset(); }  // before its directory goes

absl::StatusOr<absl::Duration> BenchCollector::Start() {
  std::error_code ec;
  std::filesystem::remove(ready_path_, ec);
  const absl::Time started = absl::Now();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{SelfDir() + "/vigil-collector", "--config", config_path_,
                               "--ready-file", ready_path_},
      absl::StrCat(dir_, "/collector-", restarts_++, ".log"));
  bool ready = WaitFor([&] { return std::filesystem::exists(ready_path_) || !process_->Running(); },
                       absl::Minutes(5));
  if (!ready || !std::filesystem::exists(ready_path_)) {
    return absl::UnavailableError(
        absl::StrCat("vigil-collector did not become ready:\n", process_->Output()));
  }
  const absl::Duration took = absl::Now() - started;
  address_ = std::string(absl::StripAsciiWhitespace(ReadAll(ready_path_)));
  return took;
}

void BenchCollector::Kill() {
  if (process_ == nullptr) return;
  process_->Signal(SIGKILL);
  process_->Wait(absl::Seconds(30));
}

void BenchCollector::Terminate() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  process_->Wait(absl::Seconds(60));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> BenchCollector::Channel(int i) const {
  const std::string certs = dir_ + "/certs/";
  const std::string name = i < 0 ? "bench-operator" : AgentName(i);
  VIGIL_ASSIGN_OR_RETURN(TlsMaterial tls, LoadTlsMaterial({certs + "ca.crt", certs + name + ".crt",
                                                           certs + name + ".key"}));
  grpc::ChannelArguments args;
  // One connection per agent, as in production (channels with equal arguments would
  // otherwise share one).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(256 << 20);
  return grpc::CreateCustomChannel(address_, MakeClientCredentials(tls), args);
}

double BenchCollector::CpuSeconds() const {
  const std::string stat = ReadAll(absl::StrCat("/proc/", pid(), "/stat"));
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(paren + 2), ' ');
  // Fields after the command: state is [0]; utime and stime are fields 14 and 15 of the
  // whole line, [11] and [12] here.
  if (fields.size() < 13) return 0;
  uint64_t utime = 0, stime = 0;
  if (!absl::SimpleAtoi(fields[11], &utime) || !absl::SimpleAtoi(fields[12], &stime)) return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

uint64_t BenchCollector::RssBytes() const {
  const std::string status = ReadAll(absl::StrCat("/proc/", pid(), "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, "VmRSS:")) continue;
    line = absl::StripAsciiWhitespace(line);
    uint64_t kb = 0;
    if (absl::SimpleAtoi(line.substr(0, line.find(' ')), &kb)) return kb * 1024;
  }
  return 0;
}

}  // namespace vigil::bench
