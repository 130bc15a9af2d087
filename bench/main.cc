// vigil-bench: measures the storage engine and the collector. Not a test: it prints
// figures (one JSON object per run with --json) for the README and for comparing runs.
//   vigil-bench storage   the storage engine alone (samples/s on one core, bytes/sample)
//   vigil-bench ingest    N simulated agents over mTLS gRPC into a real collector
//   vigil-bench query     PromQL through the engine on 1,000 hosts x 500 series
//   vigil-bench read      reduced range reads over 7 days (raw and 1-minute) and a year
//   vigil-bench recovery  kill -9 a collector with a full head; time to serve again
//   vigil-bench alert     sample over a threshold -> webhook notification, under load
//   vigil-bench spool-fill  write an earlier agent run's spool (a day of this host's
//                           batches) for tests/bench/agent_replay.sh
#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "bench/modes.h"
#include "bench/query_bench.h"
#include "bench/stats.h"
#include "common/daemon.h"
#include "common/log.h"

int main(int argc, char** argv) {
  vigil::PrepareDaemonProcess();  // as the collector runs: no mutex deadlock graph
  vigil::RouteGrpcLogs();
  CLI::App app(
      "vigil-bench: storage, ingest, query, read, recovery and alert benchmarks; spool-fill");
  app.require_subcommand(1);

  vigil::bench::StorageFlags storage;
  CLI::App* s = app.add_subcommand("storage", "the storage engine alone, one thread");
  s->add_option("--hosts", storage.hosts, "simulated hosts")->check(CLI::PositiveNumber);
  s->add_option("--series", storage.series, "series per host")->check(CLI::PositiveNumber);
  s->add_option("--ticks", storage.ticks, "ticks (1 s apart) per series")
      ->check(CLI::PositiveNumber);
  s->add_flag("--sync", storage.sync, "fsync every commit");
  s->add_option("--study-ticks", storage.study_ticks,
                "ticks of the per-kind codec study (0: skip it)")
      ->check(CLI::NonNegativeNumber);

  vigil::bench::IngestFlags ingest;
  CLI::App* i = app.add_subcommand("ingest", "simulated agents over mTLS into a collector");
  i->add_option("--agents", ingest.agents, "simulated agents")->check(CLI::PositiveNumber);
  i->add_option("--series", ingest.series, "series per agent")->check(CLI::PositiveNumber);
  i->add_option("--burst-ticks", ingest.burst_ticks, "backlog ticks per agent")
      ->check(CLI::PositiveNumber);
  i->add_option("--batch-ticks", ingest.batch_ticks, "ticks per backlog batch")
      ->check(CLI::PositiveNumber);
  i->add_option("--seconds", ingest.seconds, "sustained phase length")
      ->check(CLI::NonNegativeNumber);

  vigil::bench::QueryFlags query;
  CLI::App* q = app.add_subcommand(
      "query",
      "PromQL through the engine, in this process. Data set (made once in --data-dir, "
      "reused while it is complete): --hosts hosts (instance=\"bench-host-0000\", ...) "
      "x --series node_exporter-like series at 1 s; every series holds the last 2 minutes, "
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} of every host the last 70 minutes "
      "(every 50th host's counter resets 30 minutes before the end), node_load1 of the "
      "first 100 hosts the last --days days. Queries: rate(...[1m]) of the 1,000 counters "
      "over 1 h at step 15 s; sum by (instance) of it; max_over_time(node_load1[30d]) of "
      "the 100; avg_over_time(node_load1[1h]) over 7 days at step 1 h. Each answer is "
      "checked (series count, a value at every step) before it is timed.");
  q->add_option("--data-dir", query.data_dir,
                "data set directory (default: $TMPDIR/vigil-bench-query, kept)");
  q->add_flag("--fresh", query.fresh, "make the data set again even if --data-dir holds it");
  q->add_option("--hosts", query.hosts, "simulated hosts")->check(CLI::PositiveNumber);
  q->add_option("--series", query.series, "series per host")->check(CLI::PositiveNumber);
  q->add_option("--days", query.days, "history of node_load1 on the first 100 hosts")
      ->check(CLI::PositiveNumber);
  q->add_option("--runs", query.runs, "timed runs of each query (after 2 warm-ups)")
      ->check(CLI::PositiveNumber);
  q->add_option("--query", query.only,
                "run only this query (rate, sum_rate, max_30d, avg_1h_7d); repeatable");

  vigil::bench::ReadFlags read;
  CLI::App* rd = app.add_subcommand("read", "reduced range reads of the storage engine");
  rd->add_option("--days", read.days, "days of the 1 s series")->check(CLI::PositiveNumber);
  rd->add_option("--year-series", read.year_series, "series with a year of data")
      ->check(CLI::PositiveNumber);
  rd->add_option("--runs", read.runs, "repetitions of each query")->check(CLI::PositiveNumber);

  vigil::bench::RecoveryFlags recovery;
  CLI::App* r = app.add_subcommand("recovery", "kill -9 a collector with a full head");
  r->add_option("--agents", recovery.agents, "simulated agents")->check(CLI::PositiveNumber);
  r->add_option("--series", recovery.series, "series per agent")->check(CLI::PositiveNumber);
  r->add_option("--ticks", recovery.ticks, "ticks each agent sends")->check(CLI::PositiveNumber);

  vigil::bench::AlertFlags alert;
  alert.rules_dir = VIGIL_BENCH_RULES_DIR;
  CLI::App* a = app.add_subcommand(
      "alert",
      "end-to-end alert latency: a probe agent's sample over a threshold (rule "
      "vigil_bench_probe > 100, for: 0) to a webhook receiver in this process, through a "
      "real collector loaded by --agents simulated agents at 1 s that also evaluates the "
      "rule packs in --rules-dir; p50/p99 over --trials, rule evaluations and series "
      "evaluated per second");
  a->add_option("--agents", alert.agents, "simulated agents loading the collector")
      ->check(CLI::PositiveNumber);
  a->add_option("--series", alert.series, "series per agent")->check(CLI::PositiveNumber);
  a->add_option("--trials", alert.trials, "alerts to time")->check(CLI::PositiveNumber);
  a->add_option("--warmup", alert.warmup, "seconds of load before the first trial")
      ->check(CLI::NonNegativeNumber);
  a->add_option("--timeout", alert.timeout, "seconds a trial waits for its notification")
      ->check(CLI::PositiveNumber);
  a->add_option("--rules-dir", alert.rules_dir,
                "rule packs (*.yaml) the collector evaluates too; \"\" for none");
  a->add_option("--seed", alert.seed, "seed of the trials' timing");
  a->add_option("--query-max-series", alert.query_max_series,
                "the collector's query.max_series, which also bounds rules over all hosts "
                "(default: every series; the collector's own default is 10000)")
      ->check(CLI::NonNegativeNumber);

  vigil::bench::SpoolFillFlags fill;
  bool fill_json = false;
  CLI::App* f = app.add_subcommand(
      "spool-fill", "write an earlier agent run's spool: one batch a second of this host's series");
  f->add_option("--spool", fill.spool_dir, "spool directory (default: the agent config's)");
  f->add_option("--agent-config", fill.agent_config,
                "agent configuration: its sources sample this host, its spool settings apply");
  f->add_option("--hours", fill.hours, "hours of batches, ending now")->check(CLI::PositiveNumber);
  f->add_option("--series", fill.series,
                "series per batch (default: as many as the agent samples on this host)")
      ->check(CLI::NonNegativeNumber);
  f->add_option("--seed", fill.seed, "seed of the simulated values");
  f->add_flag("--json", fill_json, "print one JSON object");

  vigil::bench::PostgresFlags postgres;
  CLI::App* pg = app.add_subcommand(
      "postgres", "the CPU cost of the postgres_sql source on both sides, at default intervals");
  pg->add_option("--host", postgres.host, "socket directory or host name");
  pg->add_option("--port", postgres.port, "port")->check(CLI::Range(1, 65535));
  pg->add_option("--user", postgres.user, "role (pg_monitor is enough)");
  pg->add_option("--dbname", postgres.dbname, "database the source connects to");
  pg->add_option("--seconds", postgres.seconds, "measured window")->check(CLI::PositiveNumber);

  vigil::bench::CommonFlags common;
  int repeat = 1;
  for (CLI::App* mode : {s, i, q, rd, r, a, pg}) {
    if (mode != q && mode != pg) {  // query has its --data-dir
      mode->add_option("--dir", common.dir, "working directory (default: a temporary one)");
      mode->add_flag("--keep-dir", common.keep_dir, "keep the temporary working directory");
    }
    mode->add_flag("--json", common.json, "print one JSON object per run");
    mode->add_option("--repeat", repeat, "run N times and print the median of each figure last")
        ->check(CLI::PositiveNumber);
  }

  CLI11_PARSE(app, argc, argv);
  if (*f) {
    nlohmann::json out;
    return vigil::bench::RunSpoolFill(fill, fill_json, &out);
  }
  std::vector<nlohmann::json> figures;
  for (int run = 0; run < repeat; ++run) {
    nlohmann::json out;
    const int code = *s    ? vigil::bench::RunStorage(storage, common, &out)
                     : *i  ? vigil::bench::RunIngest(ingest, common, &out)
                     : *q  ? vigil::bench::RunQuery(query, common, &out)
                     : *rd ? vigil::bench::RunRead(read, common, &out)
                     : *a  ? vigil::bench::RunAlert(alert, common, &out)
                     : *pg ? vigil::bench::RunPostgres(postgres, common.json, &out)
                           : vigil::bench::RunRecovery(recovery, common, &out);
    if (code != 0) return code;
    figures.push_back(std::move(out));
  }
  if (repeat > 1 && *q && !common.json) {
    std::printf("median of %d runs\n%s", repeat,
                vigil::bench::FormatQueryBench(vigil::bench::MedianFigures(figures)).c_str());
  } else if (repeat > 1) {
    vigil::bench::PrintFigures(absl::StrCat("median of ", repeat, " runs"),
                               vigil::bench::MedianFigures(figures), common.json);
  }
  return 0;
}
