#include "agent/sources/postgres_sql.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/sources/background_jobs.h"
#include "common/log.h"

namespace vigil::agent {
namespace {

constexpr absl::string_view kSource = "postgres_sql";
constexpr size_t kTopSqlTextBytes = 300;

// Adds `metric` with the value of `column` in `row`, if it is not NULL.
void AddColumn(const PgResult& rows, size_t row, absl::string_view column, absl::string_view metric,
               std::initializer_list<LabelPair> labels, SampleSink& sink) {
  if (std::optional<double> v = rows.Number(row, column)) sink.Add(metric, labels, *v);
}

std::string Text(const PgResult& rows, size_t row, absl::string_view column,
                 absl::string_view fallback = "") {
  std::optional<std::string> v = rows.Get(row, column);
  return v ? *v : std::string(fallback);
}

}  // namespace

std::string PostgresQuerySql(absl::string_view query, int version, int statements_top) {
  const bool v17 = version >= 170000;
  if (query == "server") {
    return "SELECT current_setting('server_version_num')::int AS version_num,"
           " current_setting('server_version') AS version,"
           " extract(epoch FROM pg_postmaster_start_time()) AS start_time,"
           " extract(epoch FROM now()) AS now, pg_is_in_recovery() AS in_recovery,"
           " current_setting('max_connections')::int AS max_connections";
  }
  if (query == "activity") {
    return "SELECT coalesce(state, 'unknown') AS state, count(*) AS sessions,"
           " coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0) AS "
           "oldest_xact_s,"
           " coalesce(max(extract(epoch FROM clock_timestamp() - query_start))"
           " FILTER (WHERE state = 'active'), 0) AS oldest_query_s,"
           " coalesce(max(extract(epoch FROM clock_timestamp() - state_change)), 0) AS "
           "oldest_state_s,"
           " count(*) FILTER (WHERE wait_event_type = 'Lock') AS lock_waits"
           " FROM pg_stat_activity WHERE backend_type = 'client backend'"
           " AND pid <> pg_backend_pid() GROUP BY 1";
  }
  if (query == "replication") {
    return "SELECT coalesce(application_name, '') AS application_name,"
           " coalesce(host(client_addr), 'local') AS client_addr, state,"
           " pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn) AS sent_lag_bytes,"
           " pg_wal_lsn_diff(pg_current_wal_lsn(), write_lsn) AS write_lag_bytes,"
           " pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) AS flush_lag_bytes,"
           " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes,"
           " coalesce(extract(epoch FROM write_lag), 0) AS write_lag_s,"
           " coalesce(extract(epoch FROM flush_lag), 0) AS flush_lag_s,"
           " coalesce(extract(epoch FROM replay_lag), 0) AS replay_lag_s"
           " FROM pg_stat_replication WHERE NOT pg_is_in_recovery()";
  }
  if (query == "slots") {
    return "SELECT slot_name, slot_type, active,"
           " coalesce(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN"
           " coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
           " ELSE pg_current_wal_lsn() END, restart_lsn), 0) AS retained_bytes"
           " FROM pg_replication_slots";
  }
  if (query == "standby") {
    return "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) AS "
           "lag_bytes,"
           " CASE WHEN pg_last_wal_receive_lsn() IS NULL"
           " OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0"
           " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)"
           " END AS lag_s,"
           " (SELECT status FROM pg_stat_wal_receiver) AS receiver_status"
           " WHERE pg_is_in_recovery()";
  }
  if (query == "archiver") {
    return "SELECT archived_count, failed_count,"
           " extract(epoch FROM now() - last_archived_time) AS last_archive_age_s,"
           " extract(epoch FROM now() - last_failed_time) AS last_failure_age_s,"
           " (last_failed_time IS NOT NULL AND (last_archived_time IS NULL"
           " OR last_failed_time > last_archived_time)) AS failing"
           " FROM pg_stat_archiver";
  }
  if (query == "checkpoints") {
    if (v17) {
      return "SELECT c.num_timed AS checkpoints_timed, c.num_requested AS checkpoints_req,"
             " c.buffers_written AS buffers_checkpoint, b.buffers_clean, b.buffers_alloc,"
             " NULL::bigint AS buffers_backend"
             " FROM pg_stat_checkpointer c, pg_stat_bgwriter b";
    }
    return "SELECT checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean,"
           " buffers_alloc, buffers_backend FROM pg_stat_bgwriter";
  }
  if (query == "databases") {
    return "SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read,"
           " s.blks_hit, s.temp_files, s.temp_bytes, s.deadlocks, s.conflicts,"
           " age(d.datfrozenxid) AS xid_age,"
           " current_setting('autovacuum_freeze_max_age')::float8 AS freeze_max_age"
           " FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid";
  }
  if (query == "sizes") {
    return "SELECT datname, pg_database_size(oid) AS size_bytes FROM pg_database"
           " WHERE datallowconn";
  }
  if (query == "statements_available") {
    return "SELECT count(*) AS installed FROM pg_extension WHERE extname = 'pg_stat_statements'";
  }
  if (query == "statements") {
    const bool v13 = version >= 130000;
    const std::string total = v13 ? "s.total_exec_time" : "s.total_time";
    const std::string mean = v13 ? "s.mean_exec_time" : "s.mean_time";
    return absl::StrCat(
        "SELECT s.queryid, coalesce(d.datname, '') AS datname, coalesce(r.rolname, '') AS "
        "rolname, s.calls, ",
        total, " AS total_ms, ", mean, " AS mean_ms, s.rows,",
        // Utility statements are kept verbatim before PostgreSQL 16: an ALTER ROLE ...
        // PASSWORD must not travel to the collector in a snapshot.
        " CASE WHEN s.query ~* '(password|secret|identified\\s+by)' THEN '(text withheld: it"
        " may hold a password)' ELSE left(s.query, ",
        kTopSqlTextBytes,
        ") END AS query, (SELECT count(*) FROM pg_stat_statements) AS statements"
        " FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid"
        " LEFT JOIN pg_roles r ON r.oid = s.userid ORDER BY ",
        total, " DESC LIMIT ", statements_top);
  }
  return "";
}

void AddServerSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  if (rows.rows.empty()) return;
  const LabelPair in{"instance_name", instance};
  // "15.4 (Debian 15.4-1.pgdg120+1)": the label keeps the release only.
  std::string version = Text(rows, 0, "version");
  version = version.substr(0, version.find(' '));
  sink.Add("pg_info", {in, {"version", version}}, 1);
  AddColumn(rows, 0, "version_num", "pg_version_num", {in}, sink);
  AddColumn(rows, 0, "start_time", "pg_start_time_seconds", {in}, sink);
  std::optional<double> start = rows.Number(0, "start_time");
  std::optional<double> now = rows.Number(0, "now");
  if (start && now) sink.Add("pg_uptime_seconds", {in}, *now - *start);
  AddColumn(rows, 0, "in_recovery", "pg_in_recovery", {in}, sink);
  AddColumn(rows, 0, "max_connections", "pg_max_connections", {in}, sink);
}

void AddActivitySamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  const LabelPair in{"instance_name", instance};
  std::map<std::string, double> sessions = {{"active", 0},
                                            {"idle", 0},
                                            {"idle in transaction", 0},
                                            {"idle in transaction (aborted)", 0},
                                            {"fastpath function call", 0},
                                            {"disabled", 0}};
  double oldest_xact = 0, oldest_query = 0, idle_in_xact = 0, idle_in_xact_age = 0, waits = 0;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string state = Text(rows, r, "state", "unknown");
    sessions[state] += rows.Number(r, "sessions").value_or(0);
    oldest_xact = std::max(oldest_xact, rows.Number(r, "oldest_xact_s").value_or(0));
    oldest_query = std::max(oldest_query, rows.Number(r, "oldest_query_s").value_or(0));
    waits += rows.Number(r, "lock_waits").value_or(0);
    if (absl::StartsWith(state, "idle in transaction")) {
      idle_in_xact += rows.Number(r, "sessions").value_or(0);
      idle_in_xact_age = std::max(idle_in_xact_age, rows.Number(r, "oldest_state_s").value_or(0));
    }
  }
  for (const auto& [state, count] : sessions) {
    sink.Add("pg_connections", {in, {"state", state}}, count);
  }
  sink.Add("pg_oldest_transaction_age_seconds", {in}, oldest_xact);
  sink.Add("pg_longest_query_age_seconds", {in}, oldest_query);
  sink.Add("pg_idle_in_transaction_sessions", {in}, idle_in_xact);
  sink.Add("pg_idle_in_transaction_oldest_age_seconds", {in}, idle_in_xact_age);
  sink.Add("pg_lock_waiting_sessions", {in}, waits);
}

void AddReplicationSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  const LabelPair in{"instance_name", instance};
  double streaming = 0;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string app = Text(rows, r, "application_name");
    const std::string addr = Text(rows, r, "client_addr");
    const bool is_streaming = Text(rows, r, "state") == "streaming";
    streaming += is_streaming ? 1 : 0;
    const LabelPair a{"application_name", app};
    const LabelPair c{"client_addr", addr};
    sink.Add("pg_replication_standby_streaming", {in, a, c}, is_streaming ? 1 : 0);
    for (absl::string_view kind : {"sent", "write", "flush", "replay"}) {
      const std::string metric = absl::StrCat("pg_replication_", kind, "_lag_bytes");
      AddColumn(rows, r, absl::StrCat(kind, "_lag_bytes"), metric, {in, a, c}, sink);
    }
    for (absl::string_view kind : {"write", "flush", "replay"}) {
      const std::string metric = absl::StrCat("pg_replication_", kind, "_lag_seconds");
      AddColumn(rows, r, absl::StrCat(kind, "_lag_s"), metric, {in, a, c}, sink);
    }
  }
  sink.Add("pg_replication_standbys", {in}, streaming);
}

void AddSlotSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  const LabelPair in{"instance_name", instance};
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string slot = Text(rows, r, "slot_name");
    const std::string type = Text(rows, r, "slot_type");
    const LabelPair s{"slot_name", slot};
    const LabelPair t{"slot_type", type};
    AddColumn(rows, r, "active", "pg_replication_slot_active", {in, s, t}, sink);
    AddColumn(rows, r, "retained_bytes", "pg_replication_slot_retained_wal_bytes", {in, s, t},
              sink);
  }
}

void AddStandbySamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  if (rows.rows.empty()) return;  // a primary
  const LabelPair in{"instance_name", instance};
  AddColumn(rows, 0, "lag_bytes", "pg_standby_receive_replay_lag_bytes", {in}, sink);
  AddColumn(rows, 0, "lag_s", "pg_standby_replay_lag_seconds", {in}, sink);
  sink.Add("pg_wal_receiver_streaming", {in},
           Text(rows, 0, "receiver_status") == "streaming" ? 1 : 0);
}

void AddArchiverSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  if (rows.rows.empty()) return;
  const LabelPair in{"instance_name", instance};
  AddColumn(rows, 0, "archived_count", "pg_stat_archiver_archived_count_total", {in}, sink);
  AddColumn(rows, 0, "failed_count", "pg_stat_archiver_failed_count_total", {in}, sink);
  AddColumn(rows, 0, "last_archive_age_s", "pg_stat_archiver_last_archive_age_seconds", {in}, sink);
  AddColumn(rows, 0, "last_failure_age_s", "pg_stat_archiver_last_failure_age_seconds", {in}, sink);
  AddColumn(rows, 0, "failing", "pg_stat_archiver_failing", {in}, sink);
}

void AddCheckpointSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  if (rows.rows.empty()) return;
  const LabelPair in{"instance_name", instance};
  for (absl::string_view column : {"checkpoints_timed", "checkpoints_req", "buffers_checkpoint",
                                   "buffers_clean", "buffers_alloc", "buffers_backend"}) {
    AddColumn(rows, 0, column, absl::StrCat("pg_stat_bgwriter_", column, "_total"), {in}, sink);
  }
}

void AddDatabaseSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  const LabelPair in{"instance_name", instance};
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string datname = Text(rows, r, "datname");
    const LabelPair d{"datname", datname};
    AddColumn(rows, r, "numbackends", "pg_stat_database_numbackends", {in, d}, sink);
    for (absl::string_view column : {"xact_commit", "xact_rollback", "blks_read", "blks_hit",
                                     "temp_files", "temp_bytes", "deadlocks", "conflicts"}) {
      AddColumn(rows, r, column, absl::StrCat("pg_stat_database_", column, "_total"), {in, d},
                sink);
    }
    std::optional<double> age = rows.Number(r, "xid_age");
    if (!age) continue;
    sink.Add("pg_database_frozen_xid_age", {in, d}, *age);
    sink.Add("pg_database_xid_wraparound_ratio", {in, d}, *age / std::ldexp(1.0, 31));
    if (std::optional<double> max_age = rows.Number(r, "freeze_max_age"); max_age && *max_age > 0) {
      sink.Add("pg_database_freeze_max_age_ratio", {in, d}, *age / *max_age);
    }
  }
}

void AddSizeSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink) {
  const LabelPair in{"instance_name", instance};
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string datname = Text(rows, r, "datname");
    AddColumn(rows, r, "size_bytes", "pg_database_size_bytes", {in, {"datname", datname}}, sink);
  }
}

Event TopSqlEvent(const PgResult& rows, absl::string_view instance, absl::Time now,
                  StatementSnapshot* previous) {
  StatementSnapshot current;
  std::vector<std::string> lines;
  const std::string total_statements = rows.rows.empty() ? "0" : Text(rows, 0, "statements", "?");
  lines.push_back(absl::StrCat("top ", rows.rows.size(), " of ", total_statements,
                               " statements by total execution time"));
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const std::string key = absl::StrCat(Text(rows, r, "queryid"), "/", Text(rows, r, "datname"),
                                         "/", Text(rows, r, "rolname"));
    StatementCounters counters{rows.Number(r, "calls").value_or(0),
                               rows.Number(r, "total_ms").value_or(0)};
    std::string delta;
    if (auto it = previous->find(key);
        it != previous->end() && counters.calls >= it->second.calls) {
      delta = absl::StrFormat(" (+%.0f calls, +%.1f ms since the last snapshot)",
                              counters.calls - it->second.calls,
                              counters.total_ms - it->second.total_ms);
    }
    std::string query = Text(rows, r, "query");
    std::replace(query.begin(), query.end(), '\n', ' ');
    lines.push_back(absl::StrFormat(
        "#%d db=%s user=%s queryid=%s calls=%.0f total=%.1fms mean=%.3fms rows=%.0f%s: %s",
        static_cast<int>(r + 1), Text(rows, r, "datname"), Text(rows, r, "rolname"),
        Text(rows, r, "queryid"), counters.calls, counters.total_ms,
        rows.Number(r, "mean_ms").value_or(0), rows.Number(r, "rows").value_or(0), delta, query));
    current[key] = counters;
  }
  *previous = std::move(current);
  return Event{now,
               "pg_top_sql",
               EventSeverity::kInfo,
               {{"instance_name", std::string(instance)}},
               absl::StrJoin(lines, "\n")};
}

namespace {

// One instance: its connection and the state its jobs keep between runs. Used only on
// its BackgroundJobs thread.
class InstanceMonitor {
 public:
  explicit InstanceMonitor(PostgresInstanceOptions options) : options_(std::move(options)) {}

  std::vector<BackgroundJob> Jobs() {
    const std::string& n = options_.name;
    auto job = [this](absl::Status (InstanceMonitor::*run)(const JobContext&, SampleSink&)) {
      return [this, run](const JobContext& c, SampleSink& s) { return (this->*run)(c, s); };
    };
    std::vector<BackgroundJob> jobs = {
        {absl::StrCat(n, ":activity"), options_.interval, job(&InstanceMonitor::Activity)},
        {absl::StrCat(n, ":databases"), options_.database_interval,
         job(&InstanceMonitor::Databases)},
        {absl::StrCat(n, ":sizes"), options_.size_interval, job(&InstanceMonitor::Sizes)},
    };
    if (options_.statements_top > 0) {
      jobs.push_back({absl::StrCat(n, ":statements"), options_.statements_interval,
                      job(&InstanceMonitor::Statements)});
    }
    return jobs;
  }

 private:
  using AddFn = void (*)(const PgResult&, absl::string_view, SampleSink&);
  struct Step {
    absl::string_view query;
    AddFn add;
  };

  absl::Status Connect(const JobContext& context) {
    if (conn_ != nullptr && !conn_->broken()) return absl::OkStatus();
    conn_.reset();
    absl::StatusOr<std::unique_ptr<PgConnection>> conn =
        PgConnection::Connect(options_, context.stopping);
    if (!conn.ok()) return conn.status();
    conn_ = std::move(*conn);
    return absl::OkStatus();
  }

  // Runs one query; a failure is counted and returned, and the caller goes on.
  absl::StatusOr<PgResult> Run(absl::string_view query) {
    uint64_t& errors = errors_[std::string(query)];
    if (conn_ == nullptr || conn_->broken()) {
      ++errors;
      return absl::UnavailableError(absl::StrCat("instance ", options_.name, ": not connected"));
    }
    const std::string sql =
        PostgresQuerySql(query, conn_->server_version(), options_.statements_top);
    absl::StatusOr<PgResult> rows = conn_->Query(sql, options_.query_timeout);
    if (!rows.ok()) {
      ++errors;
      return absl::Status(rows.status().code(),
                          absl::StrCat("query ", query, ": ", rows.status().message()));
    }
    return rows;
  }

  void AddErrorCounters(std::initializer_list<absl::string_view> queries, SampleSink& sink) {
    for (absl::string_view query : queries) {
      sink.Add("pg_query_errors_total", {{"instance_name", options_.name}, {"query", query}},
               static_cast<double>(errors_[std::string(query)]));
    }
  }

  // Runs the steps in order; a failed one does not stop the others (unless the
  // connection is gone). Returns the first error.
  absl::Status RunSteps(std::initializer_list<Step> steps, const JobContext& context,
                        SampleSink& sink) {
    absl::Status first = absl::OkStatus();
    for (const Step& step : steps) {
      if (context.stopping->load()) break;
      absl::StatusOr<PgResult> rows = Run(step.query);
      if (rows.ok()) {
        step.add(*rows, options_.name, sink);
      } else if (first.ok()) {
        first = rows.status();
      }
    }
    return first;
  }

  absl::Status Activity(const JobContext& context, SampleSink& sink) {
    const LabelPair in{"instance_name", options_.name};
    absl::Status connected = Connect(context);
    absl::StatusOr<PgResult> server =
        connected.ok() ? Run("server") : absl::StatusOr<PgResult>(connected);
    sink.Add("pg_up", {in}, server.ok() ? 1 : 0);
    absl::Status status = server.status();
    if (server.ok()) {
      AddServerSamples(*server, options_.name, sink);
      status = RunSteps({{"activity", AddActivitySamples},
                         {"replication", AddReplicationSamples},
                         {"slots", AddSlotSamples},
                         {"standby", AddStandbySamples},
                         {"archiver", AddArchiverSamples},
                         {"checkpoints", AddCheckpointSamples}},
                        context, sink);
    }
    AddErrorCounters(
        {"server", "activity", "replication", "slots", "standby", "archiver", "checkpoints"}, sink);
    return status;
  }

  absl::Status Databases(const JobContext& context, SampleSink& sink) {
    absl::Status status = Connect(context);
    if (status.ok()) status = RunSteps({{"databases", AddDatabaseSamples}}, context, sink);
    AddErrorCounters({"databases"}, sink);
    return status;
  }

  absl::Status Sizes(const JobContext& context, SampleSink& sink) {
    absl::Status status = Connect(context);
    if (status.ok()) status = RunSteps({{"sizes", AddSizeSamples}}, context, sink);
    AddErrorCounters({"sizes"}, sink);
    return status;
  }

  absl::Status Statements(const JobContext& context, SampleSink& sink) {
    const LabelPair in{"instance_name", options_.name};
    absl::Status status = Connect(context);
    if (status.ok()) {
      absl::StatusOr<PgResult> installed = Run("statements_available");
      if (!installed.ok()) {
        status = installed.status();
      } else if (installed->Number(0, "installed").value_or(0) > 0) {
        absl::StatusOr<PgResult> rows = Run("statements");
        if (rows.ok()) {
          sink.Add("pg_stat_statements_available", {in}, 1);
          sink.AddEvent(TopSqlEvent(*rows, options_.name, context.now, &previous_statements_));
          ++top_sql_snapshots_;
        } else if (absl::StrContains(rows.status().message(), "shared_preload_libraries")) {
          // Installed in the database but not loaded by the server: not available, and
          // not an error of the monitoring.
          --errors_["statements"];
          sink.Add("pg_stat_statements_available", {in}, 0);
        } else {
          status = rows.status();
        }
      } else {
        sink.Add("pg_stat_statements_available", {in}, 0);
      }
    }
    sink.Add("pg_top_sql_snapshots_total", {in}, static_cast<double>(top_sql_snapshots_));
    AddErrorCounters({"statements_available", "statements"}, sink);
    return status;
  }

  const PostgresInstanceOptions options_;
  std::unique_ptr<PgConnection> conn_;
  std::map<std::string, uint64_t> errors_;
  StatementSnapshot previous_statements_;
  uint64_t top_sql_snapshots_ = 0;
};

class PostgresSqlSource : public Source {
 public:
  explicit PostgresSqlSource(const std::vector<PostgresInstanceOptions>& instances) {
    for (const PostgresInstanceOptions& options : instances) {
      Instance instance;
      instance.monitor = std::make_unique<InstanceMonitor>(options);
      instance.jobs =
          std::make_unique<BackgroundJobs>(std::string(kSource), instance.monitor->Jobs());
      instances_.push_back(std::move(instance));
    }
  }
  ~PostgresSqlSource() override {
    // Stop every thread before any monitor it uses goes away.
    for (Instance& instance : instances_) instance.jobs.reset();
  }

  absl::string_view name() const override { return kSource; }

  absl::Status Collect(const TickContext&, SampleSink& sink) override {
    for (Instance& instance : instances_) {
      absl::Status status = instance.jobs->Drain(sink);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  void AwaitFirstResults(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    for (Instance& instance : instances_) {
      instance.jobs->AwaitFirstRuns(std::max(absl::ZeroDuration(), deadline - absl::Now()));
    }
  }

 private:
  struct Instance {
    std::unique_ptr<InstanceMonitor> monitor;
    std::unique_ptr<BackgroundJobs> jobs;
  };
  std::vector<Instance> instances_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> CreatePostgresSqlSource(const SourceOptions& options) {
  return std::make_unique<PostgresSqlSource>(options.postgres_instances);
}

}  // namespace vigil::agent
