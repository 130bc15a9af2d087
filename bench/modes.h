// The vigil-bench modes. Each runs with flags that default to about a minute of work on
// a 2-core machine, prints its figures (see stats.h) and stores them in *out. Returns the
// process exit code.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vigil::bench {

// Flags every mode takes.
struct CommonFlags {
  std::string dir;        // working directory (default: a temporary one, removed after)
  bool keep_dir = false;  // keep the temporary working directory
  bool json = false;      // print one JSON object per run
};

struct StorageFlags {
  int hosts = 100;
  int series = 500;        // per host
  int ticks = 1200;        // 1 s apart: two 10-minute chunk windows
  bool sync = false;       // fsync each commit (one host's batch)
  int study_ticks = 3600;  // codec study by value kind (0: skip)
};
// The storage engine alone, in this process, on one thread: samples/s of Tsdb::Commit
// and bytes per sample on disk after compaction.
int RunStorage(const StorageFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct IngestFlags {
  int agents = 1000;
  int series = 500;      // per agent
  int burst_ticks = 60;  // backlog each agent sends at once
  int batch_ticks = 30;  // ticks per backlog batch
  int seconds = 20;      // sustained phase at 1 s
};
// End to end: N simulated agents over mTLS gRPC into a real vigil-collector process.
int RunIngest(const IngestFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct ReadFlags {
  int days = 7;           // of one 1 s series
  int year_series = 100;  // series with a year at 5 minutes, read from 1-hour rollups
  int runs = 30;
};
// Reduced range reads of the storage engine below PromQL (query/downsample.h).
int RunRead(const ReadFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct QueryFlags {
  std::string data_dir;  // default: $TMPDIR/vigil-bench-query, kept for the next run
  bool fresh = false;
  int hosts = 1000;
  int series = 500;  // per host
  double days = 30;
  int runs = 20;
  std::vector<std::string> only;  // query names; empty: all
};
// PromQL queries through query::Engine on 1,000 hosts x 500 series (query_bench.h).
int RunQuery(const QueryFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct RecoveryFlags {
  int agents = 100;
  int series = 10000;  // per agent: 1 million series in the head by default
  int ticks = 3;
};
// Ingest, kill -9 the collector, restart it: time until it serves again, and a check
// that every acknowledged sample is there.
int RunRecovery(const RecoveryFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct AlertFlags {
  int agents = 1000;  // simulated agents loading the collector
  int series = 500;   // per agent
  int trials = 100;
  int warmup = 10;               // seconds of load before the first trial
  int timeout = 30;              // seconds a trial waits for its notification
  int64_t query_max_series = 0;  // the collector's query.max_series (0: every series)
  std::string rules_dir;         // rule packs evaluated besides the probe rule ("" = none)
  uint64_t seed = 1;
};
// End-to-end alert latency: from the sample over a threshold to the webhook
// notification, through a real collector loaded by N simulated agents; and how many
// rule evaluations and series the collector evaluates per second.
int RunAlert(const AlertFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct SpoolFillFlags {
  std::string spool_dir;     // default: the agent configuration's spool.dir
  std::string agent_config;  // sources and spool settings as the agent has them
  double hours = 24;         // of 1 s batches, ending at the current second
  int series = 0;            // 0: as many as the agent samples on this host
  uint64_t seed = 1;
};
// Not a measurement: writes an earlier agent run's spool (one batch a second of this
// host's series) for tests/bench/agent_replay.sh to replay.
int RunSpoolFill(const SpoolFillFlags& flags, bool json, nlohmann::json* out);

struct PostgresFlags {
  std::string host = "/var/run/postgresql";  // socket directory or host name
  int port = 5432;
  std::string user = "vigil";
  std::string dbname = "postgres";
  int seconds = 300;  // the measured window, after every job has run once
};
// What monitoring one PostgreSQL instance costs at the postgres_sql source's default
// intervals: this process's CPU and the CPU of the server backends serving it, as % of
// one core (tests/bench/postgres_monitoring.sh starts a loaded cluster and runs it).
int RunPostgres(const PostgresFlags& flags, bool json, nlohmann::json* out);

}  // namespace vigil::bench
