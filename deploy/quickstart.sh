#!/usr/bin/env bash
# Runs Vigil on this machine: a collector (embedded RocksDB) and an agent for this host,
# talking mutually authenticated TLS on loopback, with a demo CA made by vigilctl.
#
#   deploy/quickstart.sh [--dir DIR] [--detach | --stop]
#
#   --dir DIR   all state: certificates, configs, data, logs, pids (default ./.vigil-demo)
#   --detach    leave both daemons running in the background and return once data flows
#   --stop      stop what --detach started
# VIGIL_BIN=DIR uses the binaries in DIR instead of building build/ (the suite's test).
# Without --detach it stays in the foreground until Ctrl-C, then stops both daemons.
# Run twice, it reuses the CA, certificates, port and data in DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=./.vigil-demo
DETACH=0
STOP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=${2:?--dir needs a directory}; shift 2 ;;
    --dir=*) DIR=${1#--dir=}; shift ;;
    --detach) DETACH=1; shift ;;
    --stop) STOP=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemons() {
  local name pidfile pid
  for name in agent collector; do
    pidfile="$DIR/$name.pid"
    if alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "stopped vigil-$name (pid $pid)"
    fi
    rm -f "$pidfile"
  done
}

if [ "$STOP" = 1 ]; then
  stop_daemons
  exit 0
fi

# shellcheck source=deploy/debian-deps.sh
. "$ROOT/deploy/debian-deps.sh"
mkdir -p "$DIR/logs"
if [ -n "${VIGIL_BIN:-}" ]; then
  # Binaries built elsewhere (the suite's own build tree, a build-asan/): no build here.
  vigil_ensure_packages curl
  BIN=$VIGIL_BIN
else
  vigil_ensure_packages "${VIGIL_BUILD_PACKAGES[@]}" curl
  echo "building vigil-collector, vigil-agent, vigilctl in $ROOT/build ..."
  if ! vigil_build "$ROOT" vigil-collector vigil-agent vigilctl >"$DIR/logs/build.log" 2>&1; then
    tail -40 "$DIR/logs/build.log" >&2
    echo "the build failed; the whole log is $DIR/logs/build.log" >&2
    exit 1
  fi
  BIN=$ROOT/build/bin
fi

# Certificates: a demo CA, the collector, this host's agent, an operator. The agent's
# certificate is named after this host: that name is its "instance" label.
HOST=$(hostname -s 2>/dev/null || hostname)
case "$HOST" in vigil-collector | vigil-operator | ca | "") HOST="host-$HOST" ;; esac
CERTS=$DIR/certs
if [ ! -f "$CERTS/ca.crt" ]; then
  mkdir -p "$CERTS" && chmod 0700 "$CERTS"
  "$BIN/vigilctl" certs init-ca --dir "$CERTS" --org "Vigil demo" >/dev/null
fi
[ -f "$CERTS/vigil-collector.crt" ] ||
  "$BIN/vigilctl" certs issue --dir "$CERTS" --kind collector --name vigil-collector \
    --san DNS:localhost --san IP:127.0.0.1 >/dev/null
[ -f "$CERTS/$HOST.crt" ] || "$BIN/vigilctl" certs issue --dir "$CERTS" --kind agent --name "$HOST" >/dev/null
[ -f "$CERTS/vigil-operator.crt" ] ||
  "$BIN/vigilctl" certs issue --dir "$CERTS" --kind operator --name vigil-operator >/dev/null

# A loopback port, chosen once and kept in DIR/port.
if [ ! -f "$DIR/port" ]; then
  vigil_free_port 7070 7170 >"$DIR/port" || { echo "no free port in 7070-7170" >&2; exit 1; }
fi
PORT=$(cat "$DIR/port")
ADDRESS=127.0.0.1:$PORT
# The HTTPS API (Prometheus' query API for Grafana and curl): the next free port.
if [ ! -f "$DIR/http-port" ]; then
  vigil_free_port $((PORT + 1)) $((PORT + 100)) >"$DIR/http-port" ||
    { echo "no free port for the HTTPS API after $PORT" >&2; exit 1; }
fi
HTTP_PORT=$(cat "$DIR/http-port")
API=https://127.0.0.1:$HTTP_PORT

# An admin token for the HTTPS API, made once: the token in DIR/api-token (0600), only
# its SHA-256 in the collector's configuration.
if [ ! -f "$DIR/api-token" ] || [ ! -f "$DIR/api-token.sha256" ]; then
  token_json=$("$BIN/vigilctl" token create --name quickstart --role admin --json)
  (umask 077
   echo "$token_json" | sed -n 's/^ *"token": "\(.*\)",\{0,1\}$/\1/p' >"$DIR/api-token")
  echo "$token_json" | sed -n 's/^ *"sha256": "\(.*\)",\{0,1\}$/\1/p' >"$DIR/api-token.sha256"
fi
TOKEN_SHA256=$(cat "$DIR/api-token.sha256")

mkdir -p "$DIR/data"
cat >"$DIR/collector.yaml" <<YAML
# Written by deploy/quickstart.sh. Reference: README.md, "Configuration".
listen: $ADDRESS
data_dir: $DIR/data
tls:
  ca: $CERTS/ca.crt
  cert: $CERTS/vigil-collector.crt
  key: $CERTS/vigil-collector.key
http:
  listen: 127.0.0.1:$HTTP_PORT
  operator_roles:
    vigil-operator: admin
  tokens:
    - name: quickstart
      role: admin
      sha256: $TOKEN_SHA256
alerting:
  # The built-in rules (host down, CPU, memory, disks, databases). Alerts are recorded
  # and listed by vigilctl alerts; add receivers (WeCom, DingTalk, SMS, e-mail, webhook)
  # to have them sent: README, "Alerts".
  rule_files: [$ROOT/deploy/rules/*.yaml]
  external_url: $API
YAML
cat >"$DIR/agent.yaml" <<YAML
# Written by deploy/quickstart.sh. Reference: README.md, "Configuration".
collector:
  address: $ADDRESS
tls:
  ca: $CERTS/ca.crt
  cert: $CERTS/$HOST.crt
  key: $CERTS/$HOST.key
interval: 1s
spool:
  dir: $DIR/spool
YAML
cat >"$DIR/vigilctl.yaml" <<YAML
collector: $ADDRESS
ca: $CERTS/ca.crt
cert: $CERTS/vigil-operator.crt
key: $CERTS/vigil-operator.key
YAML

if alive "$DIR/collector.pid"; then
  echo "vigil-collector already running (pid $(cat "$DIR/collector.pid"))"
else
  rm -f "$DIR/collector.ready"
  setsid "$BIN/vigil-collector" --config "$DIR/collector.yaml" --ready-file "$DIR/collector.ready" \
    >>"$DIR/logs/collector.log" 2>&1 </dev/null &
  echo $! >"$DIR/collector.pid"
  for _ in $(seq 1 300); do
    [ -f "$DIR/collector.ready" ] && break
    alive "$DIR/collector.pid" || { echo "vigil-collector failed to start:" >&2; tail -5 "$DIR/logs/collector.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -f "$DIR/collector.ready" ] || { echo "vigil-collector did not start listening in 30 s" >&2; exit 1; }
  echo "vigil-collector listening on $ADDRESS (pid $(cat "$DIR/collector.pid"))"
fi

if alive "$DIR/agent.pid"; then
  echo "vigil-agent already running (pid $(cat "$DIR/agent.pid"))"
else
  setsid "$BIN/vigil-agent" --config "$DIR/agent.yaml" >>"$DIR/logs/agent.log" 2>&1 </dev/null &
  echo $! >"$DIR/agent.pid"
  echo "vigil-agent sampling this host as \"$HOST\" (pid $(cat "$DIR/agent.pid"))"
fi

CTL="$BIN/vigilctl --config $DIR/vigilctl.yaml"
echo "waiting for samples ..."
flowing=0
for _ in $(seq 1 300); do
  if $CTL samples "node_load1{instance=\"$HOST\"}" --since 1m 2>/dev/null | grep -q '^  '; then
    flowing=1
    break
  fi
  alive "$DIR/agent.pid" || break
  sleep 0.1
done
if [ "$flowing" != 1 ]; then
  echo "no samples arrived; see $DIR/logs/agent.log and $DIR/logs/collector.log" >&2
  exit 1
fi
# The line printed below must work: ask the HTTPS API the same question.
if ! curl -sS --cacert "$CERTS/ca.crt" -H "Authorization: Bearer $(cat "$DIR/api-token")" \
  "$API/api/v1/query?query=node_load1" | grep -q '"status":"success"'; then
  echo "the HTTPS API at $API does not answer; see $DIR/logs/collector.log" >&2
  exit 1
fi

cat <<TEXT

Vigil is running. Samples are flowing from "$HOST".

The HTTPS API (Prometheus' query API: Grafana, curl) is at $API
  admin token: $DIR/api-token   (or the operator certificate $CERTS/vigil-operator.crt)

  curl --cacert $CERTS/ca.crt -H "Authorization: Bearer \$(cat $DIR/api-token)" \\
    '$API/api/v1/query?query=node_load1'

vigilctl:

  $CTL hosts
  $CTL query 'node_load1'
  $CTL query 'sum by (mode) (rate(node_cpu_seconds_total{instance="$HOST"}[1m]))'
  $CTL query 'rate(node_network_receive_bytes_total[1m])' --since 15m --step 1m
  $CTL query 'max_over_time(node_load1{instance="$HOST"}[7d])' --json
  $CTL samples 'node_load1{instance="$HOST"}' --since 5m
  $CTL metrics
  $CTL audit --since 1h
  $CTL alerts
  $CTL alerts --history --since 1d
  $CTL silence add '{instance="$HOST"}' --duration 2h --comment 'maintenance'
  $CTL rules check $ROOT/deploy/rules/*.yaml

Logs: $DIR/logs/   Configs: $DIR/*.yaml   Data: $DIR/data
TEXT

if [ "$DETACH" = 1 ]; then
  echo "Stop with: $0 --dir $DIR --stop"
  exit 0
fi
echo "Press Ctrl-C to stop."
trap 'echo; stop_daemons; exit 0' INT TERM
while alive "$DIR/collector.pid" && alive "$DIR/agent.pid"; do sleep 1; done
echo "a daemon exited; see $DIR/logs/" >&2
stop_daemons
exit 1
