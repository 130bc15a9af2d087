# Shared by the agent benchmarks in tests/bench/ (agent_footprint.sh, agent_replay.sh).
# Sourced, not run; expects BIN (the built binaries) and a PIDS array the caller's
# cleanup kills.

# CPU time in nanoseconds, summed over a process's threads (schedstat is exact;
# /proc/PID/stat counts in 10 ms ticks, too coarse for a process this quiet). "%.0f":
# mawk's %d stops at 2^31.
bench_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }

# A kB field of /proc/PID/status: bench_status_kb PID VmHWM
bench_status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# bench_issue_certs CA_DIR: a CA with collector "localhost" (for 127.0.0.1) and agent
# "bench-host", the certificates bench_start_collector and bench_write_agent_config use.
bench_issue_certs() {
  "$BIN/vigilctl" certs init-ca --dir "$1" >/dev/null
  "$BIN/vigilctl" certs issue --dir "$1" --kind collector --name localhost --san IP:127.0.0.1 >/dev/null
  "$BIN/vigilctl" certs issue --dir "$1" --kind agent --name bench-host >/dev/null
}

# bench_write_agent_config FILE ADDRESS CA_DIR SPOOL_DIR: the configuration of agent
# "bench-host" sampling every second, streaming to ADDRESS and spooling in SPOOL_DIR.
bench_write_agent_config() {
  cat >"$1" <<YAML
collector: {address: "$2"}
tls: {ca: $3/ca.crt, cert: $3/bench-host.crt, key: $3/bench-host.key}
interval: 1s
spool: {dir: $4}
YAML
}

# bench_start_collector DIR CA_DIR: a collector on a kernel-chosen loopback port with its
# config, data and log in DIR and the certificates of CA_DIR (localhost.crt/key). Sets
# BENCH_COLLECTOR_PID and BENCH_COLLECTOR_ADDRESS once it listens.
bench_start_collector() {
  local dir=$1 ca=$2
  cat >"$dir/collector.yaml" <<YAML
listen: 127.0.0.1:0
data_dir: $dir/data
tls: {ca: $ca/ca.crt, cert: $ca/localhost.crt, key: $ca/localhost.key}
http: {listen: ""}
YAML
  "$BIN/vigil-collector" --config "$dir/collector.yaml" --ready-file "$dir/ready" >"$dir/collector.log" 2>&1 &
  BENCH_COLLECTOR_PID=$!
  PIDS+=("$BENCH_COLLECTOR_PID")
  for _ in $(seq 1 300); do [ -s "$dir/ready" ] && break; sleep 0.1; done
  if [ ! -s "$dir/ready" ]; then
    echo "collector did not start; its log:" >&2
    cat "$dir/collector.log" >&2
    return 1
  fi
  BENCH_COLLECTOR_ADDRESS=$(cat "$dir/ready")
}
