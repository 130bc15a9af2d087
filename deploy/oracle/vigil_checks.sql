-- Vigil's Oracle SQL checks (deploy/oracle/README.md). Read by SQL*Plus on its standard
-- input (`sqlplus -S -L / as sysdba < vigil_checks.sql`); prints one record a line in the
-- format of the README ("Output format") and nothing else. Read-only: SELECTs only, no
-- PL/SQL, no objects created, so it also runs on a MOUNTED physical standby (there the
-- checks on dba_* views fail with ORA-01219 and are reported as failed checks).
--
-- Written for Oracle 11.2 to 19c; each check says which version its views need. In a
-- 12c+ container database (CDB) the dba_* checks read the cdb_* views instead and add a
-- `container` label (chosen below by the enable_pluggable_database parameter).
-- Reviewed, not executed: Vigil's tests run it through a stand-in for sqlplus.
--
-- Escaping: label values and event text are percent-encoded ('%', '|', ',', '=', CR, LF).
-- The agent adds instance_name (the SID); the script never prints it.

SET ECHO OFF
SET FEEDBACK OFF
SET HEADING OFF
SET PAGESIZE 0
SET LINESIZE 32767
SET LONG 32767
SET TRIMSPOOL ON
SET TRIMOUT ON
SET TAB OFF
SET VERIFY OFF
SET TERMOUT ON
SET SERVEROUTPUT OFF
SET TIMING OFF
SET SQLBLANKLINES ON
SET DEFINE ON
SET NULL ''
SET RECSEP OFF
-- A failed statement prints its ORA- error, which the agent counts against the check it
-- belongs to (the VIGIL_CHECK line before it); the remaining checks still run.
WHENEVER SQLERROR CONTINUE
WHENEVER OSERROR EXIT FAILURE

ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,';
ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS';

PROMPT VIGIL_BEGIN|1|vigil_checks.sql 1.0

-- Version selection (11.2+). In a 12c+ CDB (enable_pluggable_database = TRUE) the dba_*
-- checks read the cdb_* views; each is wrapped as (SELECT x.*, &vigil_vcon vcon ...) so
-- that the container id is column vcon in both cases (0 outside a CDB), and &vigil_con
-- is the `,container=<name>` label fragment (empty outside a CDB).
COLUMN vigil_view NEW_VALUE vigil_view NOPRINT
COLUMN vigil_vcon NEW_VALUE vigil_vcon NOPRINT
COLUMN vigil_con NEW_VALUE vigil_con NOPRINT
COLUMN vigil_tz NEW_VALUE vigil_tz NOPRINT
SELECT CASE WHEN COUNT(*) > 0 THEN 'cdb' ELSE 'dba' END vigil_view,
       CASE WHEN COUNT(*) > 0 THEN 'x.con_id' ELSE '0' END vigil_vcon,
       CASE WHEN COUNT(*) > 0
            THEN q'[',container=' || nvl((SELECT replace(replace(replace(c.name, '%', '%25'), ',', '%2C'), '=', '%3D') FROM v$containers c WHERE c.con_id = m.vcon), to_char(m.vcon))]'
            ELSE q'['']' END vigil_con
  FROM v$parameter
 WHERE name = 'enable_pluggable_database' AND upper(value) = 'TRUE';
-- DATE columns of v$ views are in the database server's time zone: its offset from UTC
-- in seconds, subtracted to make Unix time.
SELECT to_char(round((CAST(systimestamp AS DATE) - CAST(sys_extract_utc(systimestamp) AS DATE)) * 86400)) vigil_tz
  FROM dual;

-- database (v$database, v$instance; 11.2+): role, open mode, log mode, version.
PROMPT VIGIL_CHECK|database
SELECT 'VIGIL|oracle_database_info|database_role=' || lower(replace(d.database_role, ' ', '_'))
       || ',open_mode=' || lower(replace(d.open_mode, ' ', '_'))
       || ',log_mode=' || lower(d.log_mode)
       || ',version=' || i.version || '|1'
  FROM v$database d, v$instance i;
SELECT 'VIGIL|oracle_database_is_standby||' || CASE WHEN database_role LIKE '%STANDBY' THEN 1 ELSE 0 END
  FROM v$database;

-- tablespace (dba_tablespace_usage_metrics, dba_tablespaces: 10.2+; cdb_* 12.1+): used
-- and maximum size (autoextend included) of every tablespace, temporary ones included,
-- and the used ratio of the maximum. used_space and tablespace_size are in blocks.
PROMPT VIGIL_CHECK|tablespace
SELECT 'VIGIL|oracle_tablespace_used_bytes|' || m.labels || &vigil_con || '|' || to_char(m.used_space * m.block_size)
       || chr(10) || 'VIGIL|oracle_tablespace_max_bytes|' || m.labels || &vigil_con || '|' || to_char(m.tablespace_size * m.block_size)
       || chr(10) || 'VIGIL|oracle_tablespace_used_ratio|' || m.labels || &vigil_con || '|' || to_char(round(m.used_percent / 100, 6))
  FROM (SELECT u.used_space, u.tablespace_size, u.used_percent, t.block_size, u.vcon,
               'tablespace=' || replace(replace(replace(replace(replace(replace(u.tablespace_name, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || ',contents=' || lower(t.contents) labels
          FROM (SELECT x.*, &vigil_vcon vcon FROM &vigil_view._tablespace_usage_metrics x) u
          JOIN (SELECT x.*, &vigil_vcon vcon FROM &vigil_view._tablespaces x) t
            ON t.tablespace_name = u.tablespace_name AND t.vcon = u.vcon) m;
-- The allocated size: the data and temp files as they are now (dba_data_files,
-- dba_temp_files: 10.2+).
SELECT 'VIGIL|oracle_tablespace_size_bytes|tablespace=' || replace(replace(replace(replace(replace(replace(m.tablespace_name, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || &vigil_con || '|' || to_char(m.bytes)
  FROM (SELECT f.tablespace_name, f.vcon, sum(f.bytes) bytes
          FROM (SELECT x.tablespace_name, x.bytes, &vigil_vcon vcon FROM &vigil_view._data_files x
                UNION ALL
                SELECT x.tablespace_name, x.bytes, &vigil_vcon vcon FROM &vigil_view._temp_files x) f
         GROUP BY f.tablespace_name, f.vcon) m;

-- temp (v$sort_segment, v$temp_space_header: 10.2+, con_id 12.1+; dba_temp_files): the
-- temporary space in use now (sort and hash segments), allocated, and the maximum.
-- Temporary tablespaces always have the standard block size (db_block_size).
PROMPT VIGIL_CHECK|temp
SELECT 'VIGIL|oracle_temp_used_bytes|tablespace=' || replace(replace(replace(replace(replace(replace(m.tablespace_name, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || &vigil_con || '|'
       || to_char(m.used_blocks * (SELECT to_number(value) FROM v$parameter WHERE name = 'db_block_size'))
  FROM (SELECT x.tablespace_name, x.used_blocks, &vigil_vcon vcon FROM v$sort_segment x) m;
SELECT 'VIGIL|oracle_temp_allocated_bytes|tablespace=' || replace(replace(replace(replace(replace(replace(m.tablespace_name, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || &vigil_con || '|' || to_char(m.bytes)
  FROM (SELECT x.tablespace_name, &vigil_vcon vcon, sum(x.bytes_used + x.bytes_free) bytes
          FROM v$temp_space_header x GROUP BY x.tablespace_name, &vigil_vcon) m;
SELECT 'VIGIL|oracle_temp_max_bytes|tablespace=' || replace(replace(replace(replace(replace(replace(m.tablespace_name, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || &vigil_con || '|' || to_char(m.bytes)
  FROM (SELECT x.tablespace_name, &vigil_vcon vcon,
               sum(CASE WHEN x.autoextensible = 'YES' THEN greatest(x.maxbytes, x.bytes) ELSE x.bytes END) bytes
          FROM &vigil_view._temp_files x GROUP BY x.tablespace_name, &vigil_vcon) m;

-- fra (v$recovery_file_dest: 10.1+; v$recovery_area_usage: 11.1+): the fast recovery
-- area's limit, use, reclaimable space, and the ratio that cannot be reclaimed. No
-- records when db_recovery_file_dest is not set.
PROMPT VIGIL_CHECK|fra
SELECT 'VIGIL|oracle_fra_limit_bytes||' || to_char(space_limit)
       || chr(10) || 'VIGIL|oracle_fra_used_bytes||' || to_char(space_used)
       || chr(10) || 'VIGIL|oracle_fra_reclaimable_bytes||' || to_char(space_reclaimable)
       || chr(10) || 'VIGIL|oracle_fra_files||' || to_char(number_of_files)
       || chr(10) || 'VIGIL|oracle_fra_used_ratio||' || to_char(round((space_used - space_reclaimable) / space_limit, 6))
  FROM v$recovery_file_dest
 WHERE space_limit > 0;
SELECT 'VIGIL|oracle_fra_file_type_used_ratio|file_type=' || lower(replace(file_type, ' ', '_')) || '|'
       || to_char(round(percent_space_used / 100, 6))
  FROM v$recovery_area_usage;

-- archive_dest (v$archive_dest: 10.2+): every destination in use (not INACTIVE). error is
-- 1 for ERROR, DISABLED, BAD PARAM and FULL (VALID, DEFERRED and ALTERNATE are not);
-- failure_count counts consecutive failed archivals.
PROMPT VIGIL_CHECK|archive_dest
SELECT 'VIGIL|oracle_archive_dest_error|dest=' || lower(dest_name) || ',status=' || lower(replace(status, ' ', '_')) || '|'
       || CASE WHEN status IN ('ERROR', 'DISABLED', 'BAD PARAM', 'FULL') THEN 1 ELSE 0 END
       || chr(10) || 'VIGIL|oracle_archive_dest_failures|dest=' || lower(dest_name) || '|' || to_char(nvl(failure_count, 0))
  FROM v$archive_dest
 WHERE status <> 'INACTIVE';

-- dataguard (v$dataguard_stats: 10.2+; rows on a standby): apply and transport lag in
-- seconds. The value is a day-to-second interval text ('+00 00:00:05'); NULL when the
-- standby does not know it yet (then no record).
PROMPT VIGIL_CHECK|dataguard
SELECT 'VIGIL|oracle_dataguard_' || replace(name, ' ', '_') || '_seconds||'
       || to_char(extract(day FROM to_dsinterval(value)) * 86400 + extract(hour FROM to_dsinterval(value)) * 3600
                  + extract(minute FROM to_dsinterval(value)) * 60 + extract(second FROM to_dsinterval(value)))
  FROM v$dataguard_stats
 WHERE name IN ('apply lag', 'transport lag') AND value IS NOT NULL;

-- rman (v$rman_backup_job_details: 10.2+): the end of the last successful backup per kind
-- (0: none in the control file's memory), and whether the last finished job failed.
-- Success is COMPLETED or COMPLETED WITH WARNINGS. Unix time (server time zone removed).
PROMPT VIGIL_CHECK|rman
SELECT 'VIGIL|oracle_rman_last_success_timestamp_seconds|type=' || k.kind || '|'
       || to_char(nvl(round((max(j.end_time) - DATE '1970-01-01') * 86400) - &vigil_tz, 0))
  FROM (SELECT 'full' kind, 'DB FULL' input_type FROM dual
        UNION ALL SELECT 'incremental', 'DB INCR' FROM dual
        UNION ALL SELECT 'archivelog', 'ARCHIVELOG' FROM dual) k
  LEFT JOIN v$rman_backup_job_details j
    ON j.input_type = k.input_type AND j.status IN ('COMPLETED', 'COMPLETED WITH WARNINGS')
 GROUP BY k.kind;
SELECT 'VIGIL|oracle_rman_last_job_failed||' || CASE WHEN status IN ('FAILED', 'COMPLETED WITH ERRORS') THEN 1 ELSE 0 END
       || chr(10) || 'VIGIL|oracle_rman_last_job_end_timestamp_seconds||' || to_char(round((end_time - DATE '1970-01-01') * 86400) - &vigil_tz)
  FROM (SELECT status, end_time FROM v$rman_backup_job_details
         WHERE end_time IS NOT NULL AND status NOT LIKE 'RUNNING%'
         ORDER BY end_time DESC)
 WHERE rownum = 1;

-- invalid_objects (dba_objects: all versions; cdb_objects 12.1+): INVALID objects by
-- owner and type, the 100 largest groups.
PROMPT VIGIL_CHECK|invalid_objects
SELECT 'VIGIL|oracle_invalid_objects|owner=' || replace(replace(replace(replace(replace(replace(m.owner, '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') || ',type=' || lower(replace(m.object_type, ' ', '_'))
       || &vigil_con || '|' || to_char(m.n)
  FROM (SELECT g.*, rownum r FROM (
          SELECT x.owner, x.object_type, &vigil_vcon vcon, count(*) n
            FROM &vigil_view._objects x WHERE x.status = 'INVALID'
           GROUP BY x.owner, x.object_type, &vigil_vcon ORDER BY count(*) DESC) g) m
 WHERE m.r <= 100;
SELECT 'VIGIL|oracle_invalid_objects_count||' || to_char(count(*))
  FROM &vigil_view._objects WHERE status = 'INVALID';

-- stale_statistics (dba_tab_statistics: 10.1+; cdb_ 12.1+): tables whose optimizer
-- statistics are stale (as of the last flush of DML monitoring, which the script does
-- not force).
PROMPT VIGIL_CHECK|stale_statistics
SELECT 'VIGIL|oracle_stale_statistics_tables||' || to_char(count(*))
  FROM &vigil_view._tab_statistics WHERE stale_stats = 'YES';

-- sessions (v$session, v$resource_limit: all versions): sessions by status and type, and
-- the processes and sessions in use against their limits (an UNLIMITED limit prints no
-- limit record).
PROMPT VIGIL_CHECK|sessions
SELECT 'VIGIL|oracle_sessions|status=' || lower(status) || ',type=' || lower(type) || '|' || to_char(count(*))
  FROM v$session GROUP BY status, type;
SELECT 'VIGIL|oracle_resource_current_utilization|resource=' || m.resource_name || '|' || to_char(m.current_utilization)
       || CASE WHEN m.limit_value <> 'UNLIMITED'
               THEN chr(10) || 'VIGIL|oracle_resource_limit|resource=' || m.resource_name || '|' || m.limit_value END
  FROM (SELECT trim(resource_name) resource_name, max(current_utilization) current_utilization,
               max(trim(limit_value)) limit_value
          FROM v$resource_limit
         WHERE trim(resource_name) IN ('processes', 'sessions')
         GROUP BY trim(resource_name)) m;

-- redo (v$log_history: all versions): online redo log switches in the last hour.
PROMPT VIGIL_CHECK|redo
SELECT 'VIGIL|oracle_redo_log_switches_last_hour||' || to_char(count(*))
  FROM v$log_history WHERE first_time > sysdate - 1 / 24;

-- top_sql (v$sqlstats: 10.2+; LISTAGG: 11.2+): the 10 statements with the most elapsed
-- time since they were loaded, as ONE event of kind oracle_top_sql; one line each:
-- sql_id, executions, elapsed and CPU seconds, buffer gets, the first 80 characters.
PROMPT VIGIL_CHECK|top_sql
SELECT 'VIGIL_EVENT|oracle_top_sql|info||' || listagg(line, '%0A') WITHIN GROUP (ORDER BY r)
  FROM (SELECT rownum r, 'sql_id ' || sql_id || ' executions ' || executions
               || ' elapsed_s ' || to_char(round(elapsed_time / 1e6, 3))
               || ' cpu_s ' || to_char(round(cpu_time / 1e6, 3))
               || ' buffer_gets ' || buffer_gets
               || ' text ' || replace(replace(replace(replace(replace(replace(substr(translate(sql_text, chr(9), ' '), 1, 80), '%', '%25'), '|', '%7C'), ',', '%2C'), '=', '%3D'), chr(10), '%0A'), chr(13), '%0D') line
          FROM (SELECT * FROM v$sqlstats ORDER BY elapsed_time DESC)
         WHERE rownum <= 10)
HAVING count(*) > 0;

PROMPT VIGIL_END
EXIT
