#include "agent/self_metrics.h"

#include <sys/resource.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"

namespace vigil::agent {
namespace {

double CpuSeconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

absl::StatusOr<ProcessMemory> ParseProcessMemory(absl::string_view status_text) {
  ProcessMemory out;
  bool rss = false, anon = false;
  for (absl::string_view line : absl::StrSplit(status_text, '\n')) {
    uint64_t* field = nullptr;
    if (absl::ConsumePrefix(&line, "VmRSS:")) {
      field = &out.resident_bytes;
      rss = true;
    } else if (absl::ConsumePrefix(&line, "RssAnon:")) {
      field = &out.anonymous_bytes;
      anon = true;
    } else {
      continue;
    }
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "kB");
    uint64_t kb = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb)) {
      return absl::DataLossError(absl::StrCat("status: unreadable memory line \"", line, "\""));
    }
    *field = kb * 1024;
  }
  if (!rss || !anon) return absl::DataLossError("status: no VmRSS or RssAnon line");
  return out;
}

void EmitSelfMetrics(const Outbox& outbox, const CollectorLink* link,
                     const SeriesRegistry& registry, SampleSink& sink) {
  const OutboxStats s = outbox.stats();
  auto count = [](uint64_t v) { return static_cast<double>(v); };
  sink.Add("vigil_agent_spool_ok", {}, s.spool_ok ? 1 : 0);
  sink.Add("vigil_agent_spool_bytes", {}, count(s.spool_bytes));
  sink.Add("vigil_agent_spool_segments", {}, count(s.spool_segments));
  sink.Add("vigil_agent_spool_oldest_seconds", {}, s.spool_oldest_seconds);
  sink.Add("vigil_agent_spool_write_errors_total", {}, count(s.spool_write_errors));
  sink.Add("vigil_agent_spool_corrupt_bytes_total", {}, count(s.spool_corrupt_bytes));
  sink.Add("vigil_agent_memory_queue_bytes", {}, count(s.memory_bytes));
  sink.Add("vigil_agent_unacknowledged_batches", {}, count(s.unacknowledged));
  sink.Add("vigil_agent_backlog_age_seconds", {}, s.backlog_age_seconds);
  sink.Add("vigil_agent_samples_dropped_total", {}, count(s.samples_dropped));
  sink.Add("vigil_agent_batches_sent_total", {}, count(s.batches_sent));
  sink.Add("vigil_agent_batches_resent_total", {}, count(s.batches_resent));
  sink.Add("vigil_agent_send_lag_seconds", {}, s.send_lag_seconds);
  if (s.clock_offset_known)
    sink.Add("vigil_agent_clock_offset_seconds", {}, s.clock_offset_seconds);
  if (link != nullptr) {
    const LinkStats l = link->stats();
    for (const std::string& address : l.addresses) {
      sink.Add("vigil_agent_collector_connected", {{"address", address}},
               l.connected && l.address == address ? 1 : 0);
    }
    sink.Add("vigil_agent_connects_total", {}, count(l.connects));
    sink.Add("vigil_agent_connect_failures_total", {}, count(l.connect_failures));
    sink.Add("vigil_agent_tls_reloads_total", {}, count(l.tls_reloads));
    sink.Add("vigil_agent_tls_reload_errors_total", {}, count(l.tls_reload_errors));
    if (l.certificate_expiry_unix > 0) {
      sink.Add("vigil_agent_certificate_expiry_timestamp_seconds", {}, l.certificate_expiry_unix);
    }
  }
  sink.Add("vigil_agent_cpu_seconds_total", {}, CpuSeconds());
  // The agent's own memory: /proc/self, not the configured proc root (which may be a
  // host's /proc seen from a container).
  std::string status;
  if (ReadFileInto("/proc/self/status", &status).ok()) {
    absl::StatusOr<ProcessMemory> memory = ParseProcessMemory(status);
    if (memory.ok()) {
      sink.Add("vigil_agent_resident_memory_bytes", {}, count(memory->resident_bytes));
      sink.Add("vigil_agent_anonymous_memory_bytes", {}, count(memory->anonymous_bytes));
    }
  }
  sink.Add("vigil_agent_series", {}, count(registry.size()));
}

}  // namespace vigil::agent
