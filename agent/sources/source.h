// The contract between the agent and each kind of data it samples.
//
// A Source reads one kind of data (a /proc file, the process table, ...) and adds
// samples to a SampleSink. Parsing lives in free functions beside each source
// (`ParseMeminfo(absl::string_view)`) so that tests feed them fixture text; Collect()
// is the thin I/O step. Every path is built from SourceOptions' roots, never from a
// literal "/proc", so tests point a source at a fixture tree.
//
// Threading: the agent calls Collect() from its single sampling thread; a source
// needs no locking of its own state.
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/backup_options.h"
#include "agent/sources/file_watch_options.h"
#include "agent/sources/oracle_options.h"
#include "agent/sources/security_options.h"
#include "agent/sources/postgres_options.h"

namespace vigil::agent {

struct LabelPair {
  absl::string_view name;
  absl::string_view value;
};

// How much an event needs a human (the collector keeps the word; rules use metrics).
enum class EventSeverity { kInfo, kWarning, kCritical };
absl::string_view EventSeverityName(EventSeverity severity);  // "info", "warning", "critical"

// Something that happened at one instant (an ORA- line, a top-SQL snapshot, a changed
// file, a new listening socket, a failed login), as opposed to a sampled value. A
// source that emits events also counts them in a metric, which is what rules alert on;
// the event keeps the text for `vigilctl events` (proto/vigil/v1/ingest.proto, Event).
struct Event {
  absl::Time time;   // when it happened (the log line's own time when it has one)
  std::string kind;  // snake_case, e.g. "oracle_alert_log", "pg_top_sql", "file_changed"
  EventSeverity severity = EventSeverity::kInfo;
  std::vector<std::pair<std::string, std::string>> labels;  // never "instance"
  std::string message;  // truncated to kMaxEventMessageBytes (UTF-8 safe) on the way out
};
inline constexpr size_t kMaxEventMessageBytes = 64 << 10;

// Receives the samples and events of one tick. Label order does not matter; "instance"
// must not be used (the collector sets it from the agent's certificate).
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void Add(absl::string_view metric, std::span<const LabelPair> labels, double value) = 0;
  void Add(absl::string_view metric, std::initializer_list<LabelPair> labels, double value) {
    Add(metric, std::span<const LabelPair>(labels.begin(), labels.size()), value);
  }
  virtual void AddEvent(Event event) = 0;
};

class ProcessTable;  // agent/sources/process_table.h

// Per-tick context handed to every source.
struct TickContext {
  absl::Time now;
  // The process table, scanned at most once per tick, on first use. Never null.
  ProcessTable* processes = nullptr;
};

// Expected database instance, configured so that "down" is reported even if the agent
// never saw the instance running.
struct ExpectedPostgres {
  std::string port;      // e.g. "5432"
  std::string data_dir;  // optional
};

// Everything a source may be configured with. Paths are roots that the source
// appends to ("/proc" + "/meminfo").
struct SourceOptions {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  std::string root_fs = "/";  // prefix for statvfs() of mount points (agent in a container)

  // filesystem source
  std::string filesystem_exclude_mountpoints =
      "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
  std::string filesystem_exclude_fstypes =
      "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
      "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
      "sysfs|tracefs)$";
  absl::Duration statfs_timeout = absl::Seconds(2);

  // diskstats source: devices to skip (partitions and virtual devices by default).
  std::string diskstats_exclude_devices = "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";
  // netdev source: devices to skip (none by default, like node_exporter).
  std::string netdev_exclude_devices = "";

  // database process sources
  std::vector<ExpectedPostgres> expected_postgres;
  // PostgreSQL instances queried over libpq (postgres_sql.h)
  std::vector<PostgresInstanceOptions> postgres_instances;
  OracleOptions oracle;

  // listen_sockets source: the `security:` section (security_options.h)
  SecurityOptions security;
  // backups and file_watch sources
  BackupOptions backups;
  FileWatchOptions file_watch;
  // Where sources keep what must survive a restart (log read positions, the file
  // watch's baseline): the agent's state directory, by default the parent of spool.dir.
  std::string state_dir = "/var/lib/vigil-agent";
  // The logins source (logins.h): the auth log, "auto" = /var/log/auth.log, else
  // /var/log/secure (under root_fs).
  bool logins_enabled = true;
  std::string logins_path = "auto";
};

class Source {
 public:
  virtual ~Source() = default;
  // The name used in configuration and in vigil_agent_source_* metrics.
  virtual absl::string_view name() const = 0;
  // Samples this source's data into `sink`. On error, samples already added are kept
  // and the error is counted and logged by the caller; the agent keeps running.
  virtual absl::Status Collect(const TickContext& tick, SampleSink& sink) = 0;
  // A source that collects in the background (background_jobs.h) waits, up to
  // `timeout`, until its jobs have run once, so that `vigil-agent --once` shows them.
  virtual void AwaitFirstResults(absl::Duration timeout) { (void)timeout; }
};

}  // namespace vigil::agent
