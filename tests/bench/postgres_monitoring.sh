#!/usr/bin/env bash
# What monitoring PostgreSQL costs: starts a throwaway cluster (as the postgres user, on a
# free loopback port) with 5 pgbench databases, pg_stat_statements and a background
# pgbench load, then runs `vigil-bench postgres` (the postgres_sql source at its default
# intervals) against it and prints the agent's and the server's CPU as % of one core.
# Needs root and Debian's postgresql package. The cluster is removed at the end.
#
#   tests/bench/postgres_monitoring.sh [BUILD_DIR] [vigil-bench postgres flags: --seconds N --repeat N --json]
set -euo pipefail
BUILD=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
shift || true
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d /tmp/vigil-pgbench-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown postgres: "$DIR"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
  [ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2>/dev/null || true
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --no-sync >/dev/null
cat >>"$DIR/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
shared_preload_libraries = 'pg_stat_statements'
CONF
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null
psql() { as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -XAtq "$@"; }
psql -d postgres -c "CREATE ROLE vigil LOGIN" -c "GRANT pg_monitor TO vigil" \
  -c "CREATE EXTENSION pg_stat_statements"
for db in app1 app2 app3 app4 app5; do
  psql -d postgres -c "CREATE DATABASE $db"
  as_pg "$BIN/pgbench" -h "$DIR" -p "$PORT" -U postgres -i -q -s 2 "$db" >/dev/null 2>&1
done
# A light steady load (10 transactions/s) so the statistics move as in production.
as_pg "$BIN/pgbench" -h "$DIR" -p "$PORT" -U postgres -c 2 -R 10 -T 100000 app1 >/dev/null 2>&1 &
LOAD_PID=$!
"$BUILD/bin/vigil-bench" postgres --host "$DIR" --port "$PORT" --user vigil "$@"
