// The rule packs shipped in deploy/rules/: they load, and every expression (and clear)
// evaluates against a real Tsdb holding seven hours of two hosts' data: "db-sick", where
// every condition the packs watch is true, and "db-ok", where none is. Each rule must
// fire for the sick host only, and each `clear` must hold for the healthy host only.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/match.h"
#include "collector/alerts/rule_file.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/collector/query/promql_fixture.h"

namespace vigil::alerts {
namespace {

using query::testing::PromqlFixture;

// Evaluation time: the end of the loaded data (minute 420, 7 hours).
constexpr int64_t kNowMs = 420 * 60'000;

std::string RulesDir() { return vigil::testing::TestDataDir() + "/../../deploy/rules"; }

RuleSet LoadBuiltinRules() {
  absl::StatusOr<RuleSet> set = LoadRuleFiles({RulesDir() + "/*.yaml"});
  INFO(set.status().message());
  REQUIRE(set.ok());
  return *std::move(set);
}

const AlertRule* FindRule(const RuleSet& set, absl::string_view name) {
  for (const RuleGroup& group : set.groups) {
    for (const AlertRule& rule : group.rules) {
      if (rule.name == name) return &rule;
    }
  }
  FAIL("no built-in rule " << std::string(name));
  return nullptr;
}

// The two hosts; every series at one-minute steps from 0 to 7 hours.
constexpr absl::string_view kHostData = R"(
load 1m
  node_cpu_seconds_total{instance="db-sick",cpu="0",mode="idle"} 0+3x420
  node_cpu_seconds_total{instance="db-sick",cpu="1",mode="idle"} 0+3x420
  node_cpu_seconds_total{instance="db-sick",cpu="0",mode="user"} 0+57x420
  node_cpu_seconds_total{instance="db-ok",cpu="0",mode="idle"} 0+57x420
  node_cpu_seconds_total{instance="db-ok",cpu="1",mode="idle"} 0+57x420
  node_cpu_seconds_total{instance="db-ok",cpu="0",mode="user"} 0+3x420
  node_memory_MemTotal_bytes{instance="db-sick"} 1e10x420
  node_memory_MemAvailable_bytes{instance="db-sick"} 5e8x420
  node_memory_SwapTotal_bytes{instance="db-sick"} 1e9x420
  node_memory_SwapFree_bytes{instance="db-sick"} 2e8x420
  node_memory_MemTotal_bytes{instance="db-ok"} 1e10x420
  node_memory_MemAvailable_bytes{instance="db-ok"} 8e9x420
  node_memory_SwapTotal_bytes{instance="db-ok"} 1e9x420
  node_memory_SwapFree_bytes{instance="db-ok"} 1e9x420
  node_load5{instance="db-sick"} 10x420
  node_load5{instance="db-ok"} 0.5x420
  node_filesystem_size_bytes{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e11x420
  node_filesystem_avail_bytes{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 9e9-1e7x420
  node_filesystem_files{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e6x420
  node_filesystem_files_free{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 5e4x420
  node_filesystem_readonly{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1x420
  node_filesystem_device_error{instance="db-sick",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1x420
  node_filesystem_size_bytes{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e11x420
  node_filesystem_avail_bytes{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 5e10x420
  node_filesystem_files{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e6x420
  node_filesystem_files_free{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 9e5x420
  node_filesystem_readonly{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 0x420
  node_filesystem_device_error{instance="db-ok",device="/dev/sda1",fstype="ext4",mountpoint="/"} 0x420
  node_filesystem_size_bytes{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 1e8x420
  node_filesystem_avail_bytes{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 0x420
  node_filesystem_files{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 1e4x420
  node_filesystem_files_free{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 0x420
  node_filesystem_readonly{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 1x420
  node_filesystem_device_error{instance="db-ok",device="/dev/loop0",fstype="squashfs",mountpoint="/snap/core"} 0x420
  node_disk_io_time_seconds_total{instance="db-sick",device="sda"} 0+57x420
  node_disk_io_time_seconds_total{instance="db-ok",device="sda"} 0+6x420
  node_network_receive_packets_total{instance="db-sick",device="eth0"} 0+1000x420
  node_network_receive_errs_total{instance="db-sick",device="eth0"} 0+20x420
  node_network_transmit_packets_total{instance="db-sick",device="eth0"} 0+1000x420
  node_network_transmit_errs_total{instance="db-sick",device="eth0"} 0+20x420
  node_network_receive_packets_total{instance="db-ok",device="eth0"} 0+1000x420
  node_network_receive_errs_total{instance="db-ok",device="eth0"} 0x420
  node_network_transmit_packets_total{instance="db-ok",device="eth0"} 0+1000x420
  node_network_transmit_errs_total{instance="db-ok",device="eth0"} 0x420
  vigil_agent_clock_offset_seconds{instance="db-sick"} -3x420
  vigil_agent_clock_offset_seconds{instance="db-ok"} 0.01x420
  vigil_agent_certificate_expiry_timestamp_seconds{instance="db-sick"} 284400x420
  vigil_agent_certificate_expiry_timestamp_seconds{instance="db-ok"} 31561200x420
  vigil_agent_spool_ok{instance="db-sick"} 0x420
  vigil_agent_spool_ok{instance="db-ok"} 1x420
  vigil_db_up{instance="db-sick",db="postgres",instance_name="5432",port="5432"} 0x420
  vigil_db_up{instance="db-sick",db="postgres",instance_name="5433",port="5433"} 1x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="checkpointer"} 0x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="background_writer"} 1x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="walwriter"} 0x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="autovacuum_launcher"} 1x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="startup"} 0x420
  vigil_process_up{instance="db-sick",db="postgres",instance_name="5433",role="archiver"} 0x420
  vigil_db_up{instance="db-sick",db="oracle",instance_name="ORCL"} 0x420
  vigil_db_up{instance="db-sick",db="oracle",instance_name="ORCL2"} 1x420
  vigil_process_up{instance="db-sick",db="oracle",instance_name="ORCL2",role="pmon"} 1x420
  vigil_process_up{instance="db-sick",db="oracle",instance_name="ORCL2",role="lgwr"} 0x420
  vigil_process_up{instance="db-sick",db="oracle",instance_name="ORCL2",role="reco"} 0x420
  vigil_oracle_listener_up{instance="db-sick",listener="LISTENER"} 0x420
  vigil_db_up{instance="db-ok",db="postgres",instance_name="5432",port="5432"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5432",role="checkpointer"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5432",role="background_writer"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5432",role="walwriter"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5432",role="autovacuum_launcher"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5432",role="startup"} 0x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5434",role="checkpointer"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5434",role="background_writer"} 1x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5434",role="walwriter"} 0x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5434",role="autovacuum_launcher"} 0x420
  vigil_process_up{instance="db-ok",db="postgres",instance_name="5434",role="startup"} 1x420
  vigil_db_up{instance="db-ok",db="oracle",instance_name="ORCL"} 1x420
  vigil_process_up{instance="db-ok",db="oracle",instance_name="ORCL",role="pmon"} 1x420
  vigil_process_up{instance="db-ok",db="oracle",instance_name="ORCL",role="lgwr"} 1x420
  vigil_oracle_listener_up{instance="db-ok",listener="LISTENER"} 1x420
  vigil_listen_sockets_unexpected{instance="db-sick"} 2x420
  vigil_listen_sockets_unexpected{instance="db-ok"} 0x420
  node_vmstat_oom_kill{instance="db-sick"} 0+1x420
  node_vmstat_oom_kill{instance="db-ok"} 3x420
  node_processes_state{instance="db-sick",state="Z"} 50x420
  node_processes_state{instance="db-ok",state="Z"} 1x420
  node_sysctl_vm_swappiness{instance="db-sick"} 60x420
  node_sysctl_vm_swappiness{instance="db-ok"} 1x420
  vigil_transparent_hugepage{instance="db-sick",setting="enabled",value="always"} 1x420
  vigil_transparent_hugepage{instance="db-sick",setting="enabled",value="never"} 0x420
  vigil_transparent_hugepage{instance="db-ok",setting="enabled",value="always"} 0x420
  vigil_transparent_hugepage{instance="db-ok",setting="enabled",value="never"} 1x420
  node_sysctl_vm_overcommit_memory{instance="db-sick"} 0x420
  node_sysctl_vm_overcommit_memory{instance="db-ok"} 2x420
  node_sysctl_fs_file_max{instance="db-sick"} 100000x420
  node_sysctl_fs_file_max{instance="db-ok"} 6815744x420
  node_sysctl_kernel_sem{instance="db-sick",index="0"} 250x420
  node_sysctl_kernel_sem{instance="db-sick",index="1"} 32000x420
  node_sysctl_kernel_sem{instance="db-sick",index="2"} 32x420
  node_sysctl_kernel_sem{instance="db-sick",index="3"} 128x420
  node_sysctl_kernel_sem{instance="db-ok",index="0"} 32000x420
  node_sysctl_kernel_sem{instance="db-ok",index="1"} 1024000000x420
  node_sysctl_kernel_sem{instance="db-ok",index="2"} 500x420
  node_sysctl_kernel_sem{instance="db-ok",index="3"} 32000x420
  node_sysctl_kernel_shmmni{instance="db-sick"} 1024x420
  node_sysctl_kernel_shmmni{instance="db-ok"} 4096x420
  node_sysctl_fs_aio_max_nr{instance="db-sick"} 65536x420
  node_sysctl_fs_aio_max_nr{instance="db-ok"} 1048576x420
  vigil_backup_up{instance="db-sick",backup="missing",kind="rman"} 1x420
  vigil_backup_found{instance="db-sick",backup="missing",kind="rman"} 0x420
  vigil_backup_up{instance="db-sick",backup="stale",kind="rman"} 1x420
  vigil_backup_found{instance="db-sick",backup="stale",kind="rman"} 1x420
  vigil_backup_newest_timestamp_seconds{instance="db-sick",backup="stale",kind="rman"} 0x420
  vigil_backup_max_age_seconds{instance="db-sick",backup="stale",kind="rman"} 3600x420
  vigil_backup_newest_size_bytes{instance="db-sick",backup="stale",kind="rman"} 100x420
  vigil_backup_previous_size_bytes{instance="db-sick",backup="stale",kind="rman"} 100x420
  vigil_backup_newest_size_bytes{instance="db-sick",backup="empty",kind="expdp"} 0x420
  vigil_backup_previous_size_bytes{instance="db-sick",backup="empty",kind="expdp"} 100x420
  vigil_backup_newest_size_bytes{instance="db-sick",backup="shrunk",kind="pg_basebackup"} 40x420
  vigil_backup_previous_size_bytes{instance="db-sick",backup="shrunk",kind="pg_basebackup"} 100x420
  vigil_backup_up{instance="db-sick",backup="locked",kind="rman"} 0x420
  vigil_archive_log_up{instance="db-sick",archive="arch"} 1x420
  vigil_archive_log_up{instance="db-sick",archive="arch_gone"} 0x420
  vigil_archive_log_filesystem_size_bytes{instance="db-sick",archive="arch"} 1e11x420
  vigil_archive_log_filesystem_avail_bytes{instance="db-sick",archive="arch"} 3e9x420
  vigil_archive_log_newest_timestamp_seconds{instance="db-sick",archive="arch"} 0x420
  vigil_archive_log_max_age_seconds{instance="db-sick",archive="arch"} 3600x420
  vigil_file_changes_total{instance="db-sick",path="/etc/postgresql/16/main/pg_hba.conf",change="content"} 0x410 1x9
  vigil_file_changes_total{instance="db-sick",path="/etc/postgresql/16/main/pg_hba.conf",change="mode"} 0x420
  vigil_backup_up{instance="db-ok",backup="rman",kind="rman"} 1x420
  vigil_backup_found{instance="db-ok",backup="rman",kind="rman"} 1x420
  vigil_backup_newest_timestamp_seconds{instance="db-ok",backup="rman",kind="rman"} 25000x420
  vigil_backup_max_age_seconds{instance="db-ok",backup="rman",kind="rman"} 3600x420
  vigil_backup_newest_size_bytes{instance="db-ok",backup="rman",kind="rman"} 100x420
  vigil_backup_previous_size_bytes{instance="db-ok",backup="rman",kind="rman"} 120x420
  vigil_archive_log_up{instance="db-ok",archive="arch"} 1x420
  vigil_archive_log_filesystem_size_bytes{instance="db-ok",archive="arch"} 1e11x420
  vigil_archive_log_filesystem_avail_bytes{instance="db-ok",archive="arch"} 5e10x420
  vigil_archive_log_newest_timestamp_seconds{instance="db-ok",archive="arch"} 25000x420
  vigil_archive_log_max_age_seconds{instance="db-ok",archive="arch"} 3600x420
  vigil_file_changes_total{instance="db-ok",path="/etc/postgresql/16/main/pg_hba.conf",change="content"} 0x420
  oracle_sql_up{instance="db-sick",instance_name="ORCL2"} 0x420
  oracle_tablespace_used_ratio{instance="db-sick",instance_name="ORCL2",tablespace="HIS_DATA",contents="permanent"} 0.97x420
  oracle_temp_used_bytes{instance="db-sick",instance_name="ORCL2",tablespace="TEMP"} 9.5e9x420
  oracle_temp_max_bytes{instance="db-sick",instance_name="ORCL2",tablespace="TEMP"} 1e10x420
  oracle_fra_used_ratio{instance="db-sick",instance_name="ORCL2"} 0.97x420
  oracle_archive_dest_error{instance="db-sick",instance_name="ORCL2",dest="log_archive_dest_2",status="error"} 1x420
  oracle_dataguard_apply_lag_seconds{instance="db-sick",instance_name="ORCL2"} 3600x420
  oracle_dataguard_transport_lag_seconds{instance="db-sick",instance_name="ORCL2"} 1200x420
  oracle_rman_last_success_timestamp_seconds{instance="db-sick",instance_name="ORCL2",type="full"} -100000x420
  oracle_rman_last_success_timestamp_seconds{instance="db-sick",instance_name="ORCL2",type="incremental"} -100000x420
  oracle_rman_last_success_timestamp_seconds{instance="db-sick",instance_name="ORCL2",type="archivelog"} -100000x420
  oracle_rman_last_job_failed{instance="db-sick",instance_name="ORCL2"} 1x420
  oracle_invalid_objects_count{instance="db-sick",instance_name="ORCL2"} 0+1x420
  oracle_resource_current_utilization{instance="db-sick",instance_name="ORCL2",resource="processes"} 290x420
  oracle_resource_limit{instance="db-sick",instance_name="ORCL2",resource="processes"} 300x420
  oracle_sql_up{instance="db-ok",instance_name="ORCL"} 1x420
  oracle_tablespace_used_ratio{instance="db-ok",instance_name="ORCL",tablespace="HIS_DATA",contents="permanent"} 0.5x420
  oracle_tablespace_used_ratio{instance="db-ok",instance_name="ORCL",tablespace="TEMP",contents="temporary"} 0.99x420
  oracle_temp_used_bytes{instance="db-ok",instance_name="ORCL",tablespace="TEMP"} 1e9x420
  oracle_temp_max_bytes{instance="db-ok",instance_name="ORCL",tablespace="TEMP"} 1e10x420
  oracle_fra_used_ratio{instance="db-ok",instance_name="ORCL"} 0.4x420
  oracle_archive_dest_error{instance="db-ok",instance_name="ORCL",dest="log_archive_dest_2",status="valid"} 0x420
  oracle_dataguard_apply_lag_seconds{instance="db-ok",instance_name="ORCL"} 5x420
  oracle_dataguard_transport_lag_seconds{instance="db-ok",instance_name="ORCL"} 0x420
  oracle_rman_last_success_timestamp_seconds{instance="db-ok",instance_name="ORCL",type="full"} 25000x420
  oracle_rman_last_success_timestamp_seconds{instance="db-ok",instance_name="ORCL",type="incremental"} 25000x420
  oracle_rman_last_success_timestamp_seconds{instance="db-ok",instance_name="ORCL",type="archivelog"} 25000x420
  oracle_rman_last_job_failed{instance="db-ok",instance_name="ORCL"} 0x420
  oracle_invalid_objects_count{instance="db-ok",instance_name="ORCL"} 4x420
  oracle_resource_current_utilization{instance="db-ok",instance_name="ORCL",resource="processes"} 212x420
  oracle_resource_limit{instance="db-ok",instance_name="ORCL",resource="processes"} 300x420
  pg_up{instance="db-sick",instance_name="5433"} 0x420
  pg_connections{instance="db-sick",instance_name="5433",state="active"} 80x420
  pg_connections{instance="db-sick",instance_name="5433",state="idle"} 10x420
  pg_max_connections{instance="db-sick",instance_name="5433"} 100x420
  pg_replication_replay_lag_bytes{instance="db-sick",instance_name="5433",application_name="walreceiver",client_addr="10.0.0.2"} 2e9x420
  pg_replication_replay_lag_seconds{instance="db-sick",instance_name="5433",application_name="walreceiver",client_addr="10.0.0.2"} 30x420
  pg_in_recovery{instance="db-sick",instance_name="5434"} 1x420
  pg_wal_receiver_streaming{instance="db-sick",instance_name="5434"} 0x420
  pg_replication_slot_active{instance="db-sick",instance_name="5433",slot_name="s1",slot_type="physical"} 0x420
  pg_replication_slot_retained_wal_bytes{instance="db-sick",instance_name="5433",slot_name="s1",slot_type="physical"} 5e9x420
  pg_stat_archiver_failing{instance="db-sick",instance_name="5433"} 1x420
  pg_stat_archiver_failed_count_total{instance="db-sick",instance_name="5433"} 0+1x420
  pg_stat_archiver_last_archive_age_seconds{instance="db-sick",instance_name="5433"} 7200x420
  pg_stat_database_xact_commit_total{instance="db-sick",instance_name="5433",datname="his"} 0+10x420
  pg_database_xid_wraparound_ratio{instance="db-sick",instance_name="5433",datname="app"} 0.6x420
  pg_oldest_transaction_age_seconds{instance="db-sick",instance_name="5433"} 7200x420
  pg_idle_in_transaction_oldest_age_seconds{instance="db-sick",instance_name="5433"} 1200x420
  pg_stat_database_deadlocks_total{instance="db-sick",instance_name="5433",datname="app"} 0+1x420
  pg_up{instance="db-ok",instance_name="5432"} 1x420
  pg_connections{instance="db-ok",instance_name="5432",state="active"} 5x420
  pg_connections{instance="db-ok",instance_name="5432",state="idle"} 20x420
  pg_max_connections{instance="db-ok",instance_name="5432"} 100x420
  pg_replication_replay_lag_bytes{instance="db-ok",instance_name="5432",application_name="walreceiver",client_addr="10.0.0.3"} 1e4x420
  pg_replication_replay_lag_seconds{instance="db-ok",instance_name="5432",application_name="walreceiver",client_addr="10.0.0.3"} 0.1x420
  pg_in_recovery{instance="db-ok",instance_name="5432"} 0x420
  pg_in_recovery{instance="db-ok",instance_name="5434"} 1x420
  pg_wal_receiver_streaming{instance="db-ok",instance_name="5434"} 1x420
  pg_replication_slot_active{instance="db-ok",instance_name="5432",slot_name="s1",slot_type="physical"} 1x420
  pg_replication_slot_retained_wal_bytes{instance="db-ok",instance_name="5432",slot_name="s1",slot_type="physical"} 5e9x420
  pg_replication_slot_active{instance="db-ok",instance_name="5432",slot_name="s2",slot_type="physical"} 0x420
  pg_replication_slot_retained_wal_bytes{instance="db-ok",instance_name="5432",slot_name="s2",slot_type="physical"} 1e6x420
  pg_stat_archiver_failing{instance="db-ok",instance_name="5432"} 0x420
  pg_stat_archiver_failed_count_total{instance="db-ok",instance_name="5432"} 5x420
  pg_stat_archiver_last_archive_age_seconds{instance="db-ok",instance_name="5432"} 60x420
  pg_database_xid_wraparound_ratio{instance="db-ok",instance_name="5432",datname="app"} 0.1x420
  pg_oldest_transaction_age_seconds{instance="db-ok",instance_name="5432"} 10x420
  pg_idle_in_transaction_oldest_age_seconds{instance="db-ok",instance_name="5432"} 5x420
  pg_stat_database_deadlocks_total{instance="db-ok",instance_name="5432",datname="app"} 3x420
  oracle_alert_log_critical_errors_total{instance="db-sick",instance_name="HIS",code="ORA-00600"} 0+0.1x420
  oracle_alert_log_critical_errors_total{instance="db-sick",instance_name="HIS",code="ORA-01555"} 0x420
  oracle_alert_log_critical_errors_total{instance="db-ok",instance_name="HIS",code="ORA-00600"} 0x420
  oracle_alert_log_error_entries_total{instance="db-sick",instance_name="HIS"} 0+1x420
  oracle_alert_log_error_entries_total{instance="db-ok",instance_name="HIS"} 0+0.1x420
  oracle_listener_refused_total{instance="db-sick",listener="LISTENER",code="TNS-12514"} 0+1x420
  oracle_listener_refused_total{instance="db-sick",listener="LISTENER",code="TNS-12519"} 0+1x420
  oracle_listener_refused_total{instance="db-ok",listener="LISTENER",code="TNS-12514"} 0x420
  vigil_logins_total{instance="db-sick",service="sshd",result="failed"} 0+2x420
  vigil_logins_total{instance="db-sick",service="sshd",result="invalid_user"} 0+1x420
  vigil_logins_total{instance="db-sick",service="sshd",result="accepted"} 0+1x420
  vigil_logins_total{instance="db-ok",service="sshd",result="failed"} 0+1x420
  vigil_logins_total{instance="db-ok",service="sshd",result="accepted"} 0+10x420
)";

// The series an expression returns now, as LabelSet::ToString.
std::vector<std::string> Evaluate(PromqlFixture& f, const query::Expr& expr) {
  absl::StatusOr<query::QueryResult> result = f.engine().InstantExpr(expr, kNowMs);
  INFO(query::ToString(expr));
  INFO(result.status().message());
  REQUIRE(result.ok());
  REQUIRE(result->type == query::ValueType::kInstantVector);
  std::vector<std::string> series;
  for (const query::Series& s : result->series) series.push_back(s.labels.ToString());
  std::sort(series.begin(), series.end());
  return series;
}

std::set<std::string> Instances(PromqlFixture& f, const query::Expr& expr) {
  absl::StatusOr<query::QueryResult> result = f.engine().InstantExpr(expr, kNowMs);
  REQUIRE(result.ok());
  std::set<std::string> instances;
  for (const query::Series& s : result->series) {
    instances.insert(std::string(s.labels.Get("instance")));
  }
  return instances;
}

TEST_CASE("the built-in rule packs load and name every rule the issue asks for", "[rules]") {
  const RuleSet set = LoadBuiltinRules();
  REQUIRE(set.files.size() == 2);
  CHECK(absl::EndsWith(set.files[0], "/database.yaml"));
  CHECK(absl::EndsWith(set.files[1], "/host.yaml"));
  for (absl::string_view name : {"HostDown",
                                 "HostCpuBusy",
                                 "HostMemoryLow",
                                 "HostSwapInUse",
                                 "HostLoadHigh",
                                 "HostDiskSpaceCritical",
                                 "HostDiskSpaceLow",
                                 "HostDiskFullIn24Hours",
                                 "HostDiskFullIn7Days",
                                 "HostInodesLow",
                                 "HostFilesystemReadOnly",
                                 "HostFilesystemDeviceError",
                                 "HostDiskIoSaturated",
                                 "HostNetworkReceiveErrors",
                                 "HostNetworkTransmitErrors",
                                 "HostClockOffset",
                                 "AgentCertificateExpiresIn30Days",
                                 "AgentCertificateExpiresIn7Days",
                                 "AgentSpoolNotWritable",
                                 "PostgresInstanceDown",
                                 "PostgresBackgroundProcessMissing",
                                 "OracleInstanceDown",
                                 "OracleBackgroundProcessMissing",
                                 "OracleListenerDown",
                                 "HostListenerUnexpected",
                                 "HostOomKill",
                                 "HostZombieProcesses",
                                 "HostSwappinessHigh",
                                 "HostTransparentHugepagesEnabled",
                                 "PostgresOvercommitNotStrict",
                                 "OracleKernelFileMaxLow",
                                 "OracleKernelSemaphoresLow",
                                 "OracleKernelShmmniLow",
                                 "OracleKernelAioMaxNrLow",
                                 "BackupMissing",
                                 "BackupTooOld",
                                 "BackupEmpty",
                                 "BackupShrunk",
                                 "BackupDirectoryUnreadable",
                                 "ArchiveLogSpaceCritical",
                                 "ArchiveLogSpaceLow",
                                 "ArchiveLogStale",
                                 "WatchedFileChanged",
                                 "OracleSqlCheckFailing",
                                 "OracleTablespaceUsageHigh",
                                 "OracleTablespaceUsageCritical",
                                 "OracleTempTablespaceUsageHigh",
                                 "OracleFraUsageHigh",
                                 "OracleFraUsageCritical",
                                 "OracleArchiveDestError",
                                 "OracleDataGuardApplyLag",
                                 "OracleDataGuardTransportLag",
                                 "OracleRmanBackupMissing",
                                 "OracleArchivelogBackupMissing",
                                 "OracleRmanLastJobFailed",
                                 "OracleInvalidObjectsIncreased",
                                 "OracleSessionsNearLimit",
                                 "PostgresMonitoringBroken",
                                 "PostgresConnectionsNearMax",
                                 "PostgresReplicationLagHigh",
                                 "PostgresStandbyNotStreaming",
                                 "PostgresReplicationSlotInactive",
                                 "PostgresArchivingFailing",
                                 "PostgresLastArchiveOld",
                                 "PostgresXidWraparoundDanger",
                                 "PostgresLongRunningTransaction",
                                 "PostgresIdleInTransaction",
                                 "PostgresDeadlocks",
                                 "OracleAlertLogCriticalError",
                                 "OracleAlertLogErrorsFrequent",
                                 "OracleListenerRefusingConnections",
                                 "FailedLoginBurst"}) {
    INFO(std::string(name));
    FindRule(set, name);
  }
  CHECK(set.RuleCount() == 72);

  const AlertRule* down = FindRule(set, "HostDown");
  CHECK(down->host_silent == absl::Seconds(60));
  CHECK(down->inhibit_equal == std::vector<std::string>{"instance"});
  CHECK(down->severity == Severity::kCritical);

  // Every rule has English and Chinese summaries and descriptions.
  for (const RuleGroup& group : set.groups) {
    for (const AlertRule& rule : group.rules) {
      std::set<std::string> names;
      for (const Annotation& a : rule.annotations) names.insert(a.name);
      INFO(rule.name);
      CHECK(names ==
            std::set<std::string>{"summary", "description", "summary_zh", "description_zh"});
    }
  }
}

TEST_CASE(
    "every built-in rule fires for the sick host only, and its clear holds for the "
    "healthy host only",
    "[rules]") {
  const RuleSet set = LoadBuiltinRules();
  PromqlFixture f;
  f.Load(kHostData);
  for (const RuleGroup& group : set.groups) {
    for (const AlertRule& rule : group.rules) {
      if (rule.parsed_expr == nullptr) continue;  // HostDown: the collector's own rule
      INFO(rule.name << ": " << rule.expr);
      Evaluate(f, *rule.parsed_expr);  // no error, an instant vector
      CHECK(Instances(f, *rule.parsed_expr) == std::set<std::string>{"db-sick"});
      if (rule.parsed_clear != nullptr) {
        INFO("clear: " << rule.clear);
        Evaluate(f, *rule.parsed_clear);
        CHECK(Instances(f, *rule.parsed_clear) == std::set<std::string>{"db-ok"});
      }
    }
  }
}

TEST_CASE("the CPU rule fires on a busy host and not on an idle one, and renders its summary",
          "[rules]") {
  const RuleSet set = LoadBuiltinRules();
  const AlertRule* cpu = FindRule(set, "HostCpuBusy");
  CHECK(cpu->for_duration == absl::Minutes(5));
  CHECK(cpu->severity == Severity::kWarning);
  PromqlFixture f;
  f.Load(kHostData);
  absl::StatusOr<query::QueryResult> result = f.engine().InstantExpr(*cpu->parsed_expr, kNowMs);
  REQUIRE(result.ok());
  REQUIRE(result->series.size() == 1);
  const query::Series& busy = result->series[0];
  CHECK(busy.labels.ToString() == "{instance=\"db-sick\"}");
  CHECK(busy.points[0].v == Approx(95));
  CHECK(cpu->annotations[0].compiled.Render(busy.labels, busy.points[0].v) ==
        "CPU of db-sick is 95% busy");
  CHECK(cpu->annotations[2].compiled.Render(busy.labels, busy.points[0].v) ==
        "db-sick CPU 使用率 95%");
}

TEST_CASE("the built-in database rules pick the right instances and processes", "[rules]") {
  const RuleSet set = LoadBuiltinRules();
  PromqlFixture f;
  f.Load(kHostData);
  // 5433 (a primary) lost its checkpointer and walwriter; 5434 is a standby, which has no
  // walwriter or autovacuum launcher by design; the archiver is optional.
  CHECK(Evaluate(f, *FindRule(set, "PostgresBackgroundProcessMissing")->parsed_expr) ==
        std::vector<std::string>{
            "vigil_process_up{db=\"postgres\",instance=\"db-sick\",instance_name=\"5433\","
            "role=\"checkpointer\"}",
            "vigil_process_up{db=\"postgres\",instance=\"db-sick\",instance_name=\"5433\","
            "role=\"walwriter\"}"});
  CHECK(Evaluate(f, *FindRule(set, "OracleBackgroundProcessMissing")->parsed_expr) ==
        std::vector<std::string>{"vigil_process_up{db=\"oracle\",instance=\"db-sick\","
                                 "instance_name=\"ORCL2\",role=\"lgwr\"}"});
  // Read-only by design (squashfs) is not an alert; an ext4 turned read-only is.
  CHECK(Evaluate(f, *FindRule(set, "HostFilesystemReadOnly")->parsed_expr) ==
        std::vector<std::string>{"node_filesystem_readonly{device=\"/dev/sda1\",fstype=\"ext4\","
                                 "instance=\"db-sick\",mountpoint=\"/\"}"});
}

TEST_CASE("the built-in backup rules pick the right locations", "[rules]") {
  const RuleSet set = LoadBuiltinRules();
  PromqlFixture f;
  f.Load(kHostData);
  // An empty backup is BackupEmpty, not also "shrunk".
  CHECK(Evaluate(f, *FindRule(set, "BackupShrunk")->parsed_expr) ==
        std::vector<std::string>{"vigil_backup_newest_size_bytes{backup=\"shrunk\","
                                 "instance=\"db-sick\",kind=\"pg_basebackup\"}"});
  // A missing directory is BackupMissing, not also "unreadable".
  CHECK(Evaluate(f, *FindRule(set, "BackupDirectoryUnreadable")->parsed_expr) ==
        std::vector<std::string>{
            "vigil_archive_log_up{archive=\"arch_gone\",instance=\"db-sick\"}",
            "vigil_backup_up{backup=\"locked\",instance=\"db-sick\",kind=\"rman\"}"});
  // One rule, per-location thresholds: the age is compared with that location's max_age.
  CHECK(Evaluate(f, *FindRule(set, "BackupTooOld")->parsed_expr) ==
        std::vector<std::string>{"{backup=\"stale\",instance=\"db-sick\",kind=\"rman\"}"});
}

}  // namespace
}  // namespace vigil::alerts
