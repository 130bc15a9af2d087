// PostgreSQL instances seen from the inside, over libpq (pg_connection.h): sessions,
// transactions, replication, archiving, checkpoints, per-database statistics, sizes,
// transaction-ID age and the statements that cost most (pg_stat_statements).
//
// Each configured instance (postgres_options.h) has its own BackgroundJobs, so a hung
// instance never delays another one nor the host metrics; its jobs share one connection,
// kept open and re-opened after a failure. Every query is bounded by statement_timeout
// and a client-side deadline (query_timeout). A query that fails or times out is counted
// in pg_query_errors_total{query} and the job goes on with its next query. The session
// is read-only and needs only `GRANT pg_monitor TO vigil`.
//
// Jobs (the `job` label of vigil_agent_job_*: "<instance_name>:<job>"):
//   activity   (interval)            server, sessions, replication, slots, standby,
//                                    archiver, checkpoints
//   databases  (database_interval)   pg_stat_database and age(datfrozenxid)
//   sizes      (size_interval)       pg_database_size
//   statements (statements_interval) pg_stat_statements top N, as one pg_top_sql event
//
// Metrics, all with instance_name (see docs-for-readme-i7-pg.md for the full list):
//   pg_up, pg_info{version}, pg_version_num, pg_start_time_seconds, pg_uptime_seconds,
//   pg_in_recovery, pg_max_connections, pg_connections{state},
//   pg_oldest_transaction_age_seconds, pg_longest_query_age_seconds,
//   pg_idle_in_transaction_sessions, pg_idle_in_transaction_oldest_age_seconds,
//   pg_lock_waiting_sessions,
//   pg_replication_standby_streaming / pg_replication_{sent,write,flush,replay}_lag_bytes /
//   pg_replication_{write,flush,replay}_lag_seconds {application_name,client_addr},
//   pg_replication_standbys, pg_replication_slot_active / _retained_wal_bytes {slot_name,
//   slot_type}, pg_standby_receive_replay_lag_bytes, pg_standby_replay_lag_seconds,
//   pg_wal_receiver_streaming, pg_stat_archiver_{archived,failed}_count_total,
//   pg_stat_archiver_last_archive_age_seconds, pg_stat_archiver_last_failure_age_seconds,
//   pg_stat_archiver_failing, pg_stat_bgwriter_*_total,
//   pg_stat_database_*{datname}, pg_database_frozen_xid_age{datname},
//   pg_database_xid_wraparound_ratio{datname}, pg_database_freeze_max_age_ratio{datname},
//   pg_database_size_bytes{datname}, pg_stat_statements_available,
//   pg_top_sql_snapshots_total, pg_query_errors_total{query}
//
// Threading: Collect() runs on the sampling thread and only drains; the queries run on
// each instance's BackgroundJobs thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sources/pg_connection.h"
#include "agent/sources/source.h"

namespace vigil::agent {

// The SQL of each monitoring query for a server version (server_version_num); "" when
// the query does not apply to that version. Names: server, activity, replication, slots,
// standby, archiver, checkpoints, databases, sizes, statements_available, statements.
std::string PostgresQuerySql(absl::string_view query, int server_version, int statements_top);

// Turn a query's rows into samples (labels: instance_name plus the listed ones). Pure:
// tests feed them PgResults built by hand.
void AddServerSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddActivitySamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddReplicationSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddSlotSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddStandbySamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddArchiverSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddCheckpointSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddDatabaseSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);
void AddSizeSamples(const PgResult& rows, absl::string_view instance, SampleSink& sink);

// A statement's counters in one pg_stat_statements snapshot, keyed by
// "<queryid>/<datname>/<rolname>".
struct StatementCounters {
  double calls = 0;
  double total_ms = 0;
};
using StatementSnapshot = std::map<std::string, StatementCounters>;

// The pg_top_sql event of one snapshot (rows ordered by total time): one line per
// statement with its totals and, when it was in `previous`, what it added since.
// Replaces `*previous` with this snapshot's counters.
Event TopSqlEvent(const PgResult& rows, absl::string_view instance, absl::Time now,
                  StatementSnapshot* previous);

absl::StatusOr<std::unique_ptr<Source>> CreatePostgresSqlSource(const SourceOptions& options);

}  // namespace vigil::agent
