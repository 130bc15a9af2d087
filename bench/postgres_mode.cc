// vigil-bench postgres: what monitoring a PostgreSQL instance costs. Runs the
// postgres_sql source at its default intervals against a running instance for a window
// and reports the CPU this process spent (the agent side: the source's job thread and
// the Collect() calls) and the CPU of the server backends serving it (application_name
// vigil-agent, utime+stime from /proc/<pid>/stat), each as % of one core.
//
// tests/bench/postgres_monitoring.sh starts a loaded throwaway cluster and runs this.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "agent/sources/buffer_sink.h"
#include "agent/sources/pg_connection.h"
#include "agent/sources/postgres_sql.h"
#include "bench/modes.h"
#include "bench/stats.h"
#include "common/child_process.h"

namespace vigil::bench {
namespace {

// utime + stime of `pid` in seconds; -1 if it is gone.
double PidCpuSeconds(int pid) {
  const std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(paren + 2), ' ');
  // Fields after "pid (comm) ": state is [0], utime [11], stime [12].
  if (fields.size() < 13) return -1;
  double utime = 0, stime = 0;
  if (!absl::SimpleAtod(fields[11], &utime) || !absl::SimpleAtod(fields[12], &stime)) return -1;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<int, double> MonitoringBackends(agent::PgConnection& probe) {
  std::map<int, double> cpu;
  absl::StatusOr<agent::PgResult> rows = probe.Query(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'vigil-agent' AND pid <> "
      "pg_backend_pid()",
      absl::Seconds(10));
  if (!rows.ok()) return cpu;
  for (size_t r = 0; r < rows->rows.size(); ++r) {
    const int pid = static_cast<int>(rows->Number(r, "pid").value_or(0));
    if (pid > 0) cpu[pid] = PidCpuSeconds(pid);
  }
  return cpu;
}

}  // namespace

int RunPostgres(const PostgresFlags& flags, bool json, nlohmann::json* out) {
  agent::PostgresInstanceOptions instance;
  instance.name = "bench";
  instance.host = flags.host;
  instance.port = flags.port;
  instance.user = flags.user;
  instance.dbname = flags.dbname;
  instance.sslmode = "disable";
  agent::SourceOptions options;
  options.postgres_instances = {instance};
  absl::StatusOr<std::unique_ptr<agent::Source>> source = agent::CreatePostgresSqlSource(options);
  if (!source.ok()) {
    std::fprintf(stderr, "%s\n", std::string(source.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<agent::PgConnection>> probe =
      agent::PgConnection::Connect(instance, nullptr);
  if (!probe.ok()) {
    std::fprintf(stderr, "%s\n", std::string(probe.status().message()).c_str());
    return 1;
  }
  // Warm up: every job runs once (connect, first queries), outside the window.
  (*source)->AwaitFirstResults(absl::Seconds(60));
  agent::BufferSink sink;
  agent::TickContext tick{absl::Now(), nullptr};
  (void)(*source)->Collect(tick, sink);

  const std::map<int, double> before = MonitoringBackends(**probe);
  const double agent_before = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(flags.seconds);
  size_t samples = 0;
  while (absl::Now() < end) {  // the agent's sampling loop: Collect() once a second
    std::this_thread::sleep_for(std::chrono::seconds(1));
    agent::BufferSink tick_sink;
    tick.now = absl::Now();
    (void)(*source)->Collect(tick, tick_sink);
    samples += tick_sink.samples().size();
  }
  const double wall = absl::ToDoubleSeconds(absl::Now() - start);
  const double agent_cpu = ProcessCpuSeconds() - agent_before;
  const std::map<int, double> after = MonitoringBackends(**probe);
  double server_cpu = 0;
  int backends = 0;
  for (const auto& [pid, cpu] : after) {
    auto it = before.find(pid);
    if (it == before.end() || it->second < 0 || cpu < 0) continue;
    server_cpu += cpu - it->second;
    ++backends;
  }
  *out = {{"window_seconds", wall},
          {"samples", samples},
          {"agent_cpu_seconds", agent_cpu},
          {"agent_cpu_percent_of_core", 100 * agent_cpu / wall},
          {"server_backends", backends},
          {"server_cpu_seconds", server_cpu},
          {"server_cpu_percent_of_core", 100 * server_cpu / wall}};
  PrintFigures("postgres_sql monitoring cost at the default intervals", *out, json);
  return 0;
}

}  // namespace vigil::bench
