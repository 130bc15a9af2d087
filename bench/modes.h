// The vigil-bench modes. Each runs with flags that default to about a minute of work on
// a 2-core machine, prints its figures (see stats.h) and stores them in *out. Returns the
// process exit code.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

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

struct QueryFlags {
  int days = 7;           // of one 1 s series
  int year_series = 100;  // series with a year at 5 minutes, read from 1-hour rollups
  int runs = 30;
};
int RunQuery(const QueryFlags& flags, const CommonFlags& common, nlohmann::json* out);

struct RecoveryFlags {
  int agents = 100;
  int series = 10000;  // per agent: 1 million series in the head by default
  int ticks = 3;
};
// Ingest, kill -9 the collector, restart it: time until it serves again, and a check
// that every acknowledged sample is there.
int RunRecovery(const RecoveryFlags& flags, const CommonFlags& common, nlohmann::json* out);

}  // namespace vigil::bench
