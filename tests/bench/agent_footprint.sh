#!/usr/bin/env bash
# Agent footprint benchmark (not a test): runs vigil-agent at 1 s sampling for N seconds
# against a real collector on loopback and reports its CPU time, peak RSS and private
# (anonymous) memory; does the same for prometheus-node-exporter scraped once a second,
# when it is installed, for comparison.
#
#   tests/bench/agent_footprint.sh [--seconds 60] [--json]
#
# Targets (issue 2): CPU under 0.2% of one core; private memory under 8 MB; peak RSS no
# more than node_exporter's on the same host.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_TO_RUN=60
JSON=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_TO_RUN=$2; shift 2 ;;
    --json) JSON=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--json]" >&2; exit 2 ;;
  esac
done

. "$ROOT/deploy/debian-deps.sh"
# shellcheck source=tests/bench/bench_lib.sh
. "$ROOT/tests/bench/bench_lib.sh"
vigil_ensure_packages "${VIGIL_BUILD_PACKAGES[@]}" curl prometheus-node-exporter
vigil_build "$ROOT" vigil-collector vigil-agent vigilctl >/dev/null
BIN=$ROOT/build/bin
WORK=$(mktemp -d /tmp/vigil-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

bench_issue_certs "$WORK/ca"
bench_start_collector "$WORK" "$WORK/ca"
ADDRESS=$BENCH_COLLECTOR_ADDRESS
bench_write_agent_config "$WORK/agent.yaml" "$ADDRESS" "$WORK/ca" "$WORK/spool"
"$BIN/vigil-agent" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
AGENT=$!
PIDS+=($AGENT)


# Let the agent connect and settle, then measure a steady window.
sleep 5
start_ns=$(bench_cpu_ns "$AGENT")
sleep "$SECONDS_TO_RUN"
end_ns=$(bench_cpu_ns "$AGENT")
agent_cpu_s=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN {printf "%.4f", (b - a) / 1e9}')
agent_pct=$(awk -v s="$agent_cpu_s" -v n="$SECONDS_TO_RUN" 'BEGIN {printf "%.3f", 100 * s / n}')
agent_hwm=$(bench_status_kb "$AGENT" VmHWM)
agent_anon=$(bench_status_kb "$AGENT" RssAnon)
agent_private=$(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$AGENT/smaps_rollup")
agent_pss=$(awk '/^Pss:/ {print $2}' "/proc/$AGENT/smaps_rollup")

ne_hwm=""
ne_pct=""
if command -v prometheus-node-exporter >/dev/null 2>&1; then
  port=$(vigil_free_port 19100 19199)
  prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >"$WORK/ne.log" 2>&1 &
  NE=$!
  PIDS+=($NE)
  sleep 2
  ne_start=$(bench_cpu_ns "$NE")
  for _ in $(seq 1 "$SECONDS_TO_RUN"); do
    curl -s "http://127.0.0.1:$port/metrics" >/dev/null || true
    sleep 1
  done
  ne_end=$(bench_cpu_ns "$NE")
  ne_pct=$(awk -v a="$ne_start" -v b="$ne_end" -v n="$SECONDS_TO_RUN" 'BEGIN {printf "%.3f", 100 * (b - a) / 1e9 / n}')
  ne_hwm=$(bench_status_kb "$NE" VmHWM)
fi

if [ "$JSON" = 1 ]; then
  printf '{"seconds":%s,"agent_cpu_seconds":%s,"agent_cpu_percent":%s,"agent_peak_rss_kb":%s,"agent_rss_anon_kb":%s,"agent_private_kb":%s,"agent_pss_kb":%s,"node_exporter_cpu_percent":%s,"node_exporter_peak_rss_kb":%s}\n' \
    "$SECONDS_TO_RUN" "$agent_cpu_s" "$agent_pct" "$agent_hwm" "$agent_anon" "$agent_private" "$agent_pss" "${ne_pct:-null}" "${ne_hwm:-null}"
else
  echo "vigil-agent at 1 s for ${SECONDS_TO_RUN} s:"
  echo "  CPU            ${agent_cpu_s} s  (${agent_pct}% of one core; target < 0.2%)"
  echo "  peak RSS       ${agent_hwm} kB"
  echo "  RssAnon        ${agent_anon} kB  (target < 8192 kB)"
  echo "  private        ${agent_private} kB (smaps_rollup Private_Clean + Private_Dirty)"
  echo "  PSS            ${agent_pss} kB (its share of the shared libraries' pages)"
  if [ -n "$ne_hwm" ]; then
    echo "prometheus-node-exporter scraped every 1 s:"
    echo "  CPU            ${ne_pct}% of one core"
    echo "  peak RSS       ${ne_hwm} kB"
  fi
fi
