#include "agent/sources/cpu.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/sources/proc_file.h"
#include "common/file.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

std::vector<absl::string_view> Fields(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

// Parses "cpuN v1 v2 ...". Returns an error message, empty on success.
std::string ParseCpuLine(const std::vector<absl::string_view>& fields, CpuTimes* cpu) {
  cpu->cpu = std::string(fields[0].substr(3));
  uint64_t id = 0;
  if (!absl::SimpleAtoi(cpu->cpu, &id)) return absl::StrCat("bad CPU name \"", fields[0], "\"");
  if (fields.size() < 5) {
    return absl::StrCat("expected at least 4 time columns, got ", fields.size() - 1);
  }
  uint64_t values[10];
  const size_t columns = std::min<size_t>(fields.size() - 1, 10);
  for (size_t i = 0; i < columns; ++i) {
    if (!absl::SimpleAtoi(fields[i + 1], &values[i])) {
      return absl::StrCat("bad number \"", fields[i + 1], "\"");
    }
  }
  cpu->user = values[0];
  cpu->nice = values[1];
  cpu->system = values[2];
  cpu->idle = values[3];
  std::optional<uint64_t>* optional_columns[] = {&cpu->iowait, &cpu->irq,   &cpu->softirq,
                                                 &cpu->steal,  &cpu->guest, &cpu->guest_nice};
  for (size_t i = 4; i < columns; ++i) *optional_columns[i - 4] = values[i];
  return "";
}

class CpuSource : public Source {
 public:
  CpuSource(std::string path, double ticks_per_second)
      : file_(std::move(path)), ticks_per_second_(ticks_per_second) {}

  absl::string_view name() const override { return "cpu"; }

  absl::Status Collect(const TickContext& /*tick*/, SampleSink& sink) override {
    absl::StatusOr<ProcStat> stat = file_.ReadAndParse(ParseProcStat);
    if (!stat.ok()) return stat.status();
    for (const CpuTimes& cpu : stat->cpus) Emit(cpu, sink);
    auto emit = [&sink](absl::string_view metric, const std::optional<uint64_t>& value) {
      if (value.has_value()) sink.Add(metric, {}, static_cast<double>(*value));
    };
    emit("node_context_switches_total", stat->context_switches);
    emit("node_forks_total", stat->forks);
    emit("node_intr_total", stat->interrupts);
    emit("node_procs_running", stat->procs_running);
    emit("node_procs_blocked", stat->procs_blocked);
    emit("node_boot_time_seconds", stat->boot_time);
    return absl::OkStatus();
  }

 private:
  void Emit(const CpuTimes& cpu, SampleSink& sink) const {
    auto seconds = [&](absl::string_view metric, absl::string_view mode, uint64_t ticks) {
      sink.Add(metric, {{"cpu", cpu.cpu}, {"mode", mode}},
               static_cast<double>(ticks) / ticks_per_second_);
    };
    auto optional_seconds = [&](absl::string_view metric, absl::string_view mode,
                                const std::optional<uint64_t>& ticks) {
      if (ticks.has_value()) seconds(metric, mode, *ticks);
    };
    constexpr absl::string_view kCpu = "node_cpu_seconds_total";
    seconds(kCpu, "user", cpu.user);
    seconds(kCpu, "nice", cpu.nice);
    seconds(kCpu, "system", cpu.system);
    seconds(kCpu, "idle", cpu.idle);
    optional_seconds(kCpu, "iowait", cpu.iowait);
    optional_seconds(kCpu, "irq", cpu.irq);
    optional_seconds(kCpu, "softirq", cpu.softirq);
    optional_seconds(kCpu, "steal", cpu.steal);
    constexpr absl::string_view kGuest = "node_cpu_guest_seconds_total";
    optional_seconds(kGuest, "user", cpu.guest);
    optional_seconds(kGuest, "nice", cpu.guest_nice);
  }

  ProcFile file_;
  const double ticks_per_second_;
};

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text) {
  ProcStat stat;
  int line_number = 0;
  std::string first_error;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const std::vector<absl::string_view> fields = Fields(line);
    if (fields.empty()) continue;
    const absl::string_view key = fields[0];
    std::string error;
    if (key == "cpu") {
      continue;  // the aggregate line
    } else if (absl::StartsWith(key, "cpu")) {
      CpuTimes cpu;
      error = ParseCpuLine(fields, &cpu);
      if (error.empty()) stat.cpus.push_back(std::move(cpu));
    } else {
      std::optional<uint64_t>* target = nullptr;
      if (key == "ctxt") {
        target = &stat.context_switches;
      } else if (key == "processes") {
        target = &stat.forks;
      } else if (key == "intr") {
        target = &stat.interrupts;
      } else if (key == "procs_running") {
        target = &stat.procs_running;
      } else if (key == "procs_blocked") {
        target = &stat.procs_blocked;
      } else if (key == "btime") {
        target = &stat.boot_time;
      } else {
        continue;  // page, swap, softirq, ...: not reported
      }
      uint64_t value = 0;
      if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &value)) {
        error = absl::StrCat("bad value for \"", key, "\"");
      } else {
        *target = value;
      }
    }
    if (!error.empty()) {
      { stat.skipped.Add(line_number, error); }
    }
  }
  if (stat.cpus.empty()) {
    if (stat.skipped.count > 0) return absl::InvalidArgumentError(stat.skipped.first);
    return absl::InvalidArgumentError("no per-CPU lines");
  }
  return stat;
}

absl::StatusOr<std::unique_ptr<Source>> CreateCpuSource(const SourceOptions& options) {
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return std::make_unique<CpuSource>(absl::StrCat(options.proc_root, "/stat"),
                                     ticks > 0 ? static_cast<double>(ticks) : 100.0);
}

}  // namespace vigil::agent
