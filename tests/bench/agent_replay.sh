#!/usr/bin/env bash
# Agent replay benchmark (not a test): an agent starts at 1 s sampling on a spool that
# holds an earlier run's 24 h backlog (written by `vigil-bench spool-fill` with this
# host's series) and a real collector on loopback. Measured per run:
#   - replay throughput: backlog samples / time from the agent's start until the last
#     segment of the earlier run is released (every batch in it acknowledged as durable);
#   - the agent's CPU seconds per minute over that time (utime + stime of /proc/PID/stat,
#     which keeps the time of threads that ended: gRPC's come and go), its peak RSS
#     (VmHWM) and the largest RssAnon seen (polled every 0.5 s); the collector's CPU;
#   - the time from the agent's exec to its stream (the spool is scanned before that);
#   - how far behind live data fell: the largest vigil_agent_send_lag_seconds stored
#     over the replay (tick to acknowledgement of the last live batch, sampled every
#     tick), and the age of the newest stored node_time_seconds sample, polled every
#     2 s with vigilctl (this includes up to one sampling interval by construction);
#   - that the backlog arrived: node_time_seconds samples stored over the backlog's
#     time range.
# After the last run the agent keeps running for --minutes: its CPU over that time
# (schedstat, nanoseconds), and RssAnon at the start and end of it (and every 10 s) to
# see whether memory grows.
# Medians of the runs are printed last.
#
#   tests/bench/agent_replay.sh [--runs 3] [--hours 24] [--series N] [--minutes 5]
#                               [--json] [--keep]
#
# Targets (issue 4): replay at least 200,000 samples/s without pushing live data more
# than 2 s behind; steady state under 0.2% of one core, private (anonymous) memory
# under 8 MB and no growth.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=3
HOURS=24
SERIES=0
MINUTES=5
JSON=0
KEEP=0
usage() {
  echo "usage: $0 [--runs N] [--hours H] [--series N] [--minutes M] [--json] [--keep]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --hours) HOURS=$2; shift 2 ;;
    --series) SERIES=$2; shift 2 ;;
    --minutes) MINUTES=$2; shift 2 ;;
    --json) JSON=1; shift ;;
    --keep) KEEP=1; shift ;;
    *) usage ;;
  esac
done

# shellcheck source=deploy/debian-deps.sh
. "$ROOT/deploy/debian-deps.sh"
# shellcheck source=tests/bench/bench_lib.sh
. "$ROOT/tests/bench/bench_lib.sh"
vigil_ensure_packages "${VIGIL_BUILD_PACKAGES[@]}" jq
vigil_build "$ROOT" vigil-collector vigil-agent vigilctl vigil-bench >/dev/null
BIN=$ROOT/build/bin
WORK=$(mktemp -d /tmp/vigil-replay-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { if [ "$JSON" != 1 ]; then echo "$@" >&2; fi; }
now_s() { date +%s.%N; }
# CPU time in nanoseconds of all threads, those that exited included (utime + stime of
# /proc/PID/stat, in clock ticks): gRPC starts and ends threads during a replay.
cpu_all_ns() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1e9 / hz}' "/proc/$1/stat"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }
# Segment files of the earlier run still in the spool (indexes 1..$2).
backlog_segments() {
  local n=0 f i
  for f in "$1"/*.seg; do
    [ -e "$f" ] || continue
    f=${f##*/}
    i=$((10#${f%.seg}))
    if [ "$i" -le "$2" ]; then n=$((n + 1)); fi
  done
  echo "$n"
}

bench_issue_certs "$WORK/ca"
"$BIN/vigilctl" certs issue --dir "$WORK/ca" --kind operator --name bench-operator >/dev/null

# run_once N STEADY: one replay with a fresh collector and a freshly filled spool; with
# STEADY=1 the steady-state phase follows. Writes the figures to $WORK/runN/replay.json
# (and steady.json).
run_once() {
  local n=$1 steady=$2
  local run=$WORK/run$n
  mkdir -p "$run"
  bench_start_collector "$run" "$WORK/ca"
  local collector=$BENCH_COLLECTOR_PID
  local address=$BENCH_COLLECTOR_ADDRESS
  bench_write_agent_config "$run/agent.yaml" "$address" "$WORK/ca" "$run/spool"
  cat >"$run/vigilctl.yaml" <<YAML
collector: $address
ca: $WORK/ca/ca.crt
cert: $WORK/ca/bench-operator.crt
key: $WORK/ca/bench-operator.key
YAML
  ctl() { "$BIN/vigilctl" --config "$run/vigilctl.yaml" "$@"; }
  max_of() { ctl samples "$1{instance=\"bench-host\"}" --start "$2" --end "$3" --json |
    jq '[.data.result[].values[][1] | tonumber] | max // 0'; }

  local series_flag=()
  if [ "$SERIES" -gt 0 ]; then series_flag=(--series "$SERIES"); fi
  local fill
  fill=$("$BIN/vigil-bench" spool-fill --agent-config "$run/agent.yaml" --hours "$HOURS" "${series_flag[@]}" --json)
  local samples batches series last_index first_ms last_ms spool_bytes
  samples=$(jq .samples <<<"$fill")
  batches=$(jq .batches <<<"$fill")
  series=$(jq .series <<<"$fill")
  last_index=$(jq .last_segment_index <<<"$fill")
  first_ms=$(jq .first_ms <<<"$fill")
  last_ms=$(jq .last_ms <<<"$fill")
  spool_bytes=$(jq .spool_bytes <<<"$fill")
  log "run $n: $batches batches x $series series ($samples samples, $((spool_bytes >> 20)) MiB spooled); replaying"

  local load_start coll0 t0
  load_start=$(loadavg)
  coll0=$(cpu_all_ns "$collector")
  t0=$(now_s)
  "$BIN/vigil-agent" --config "$run/agent.yaml" >"$run/agent.log" 2>&1 &
  local agent=$!
  PIDS+=("$agent")

  # Poll until the earlier run's segments are all released.
  local anon_max=0 fresh_max=0 polls=0 left t1 anon probe_t newest age
  while true; do
    left=$(backlog_segments "$run/spool" "$last_index")
    if [ "$left" -eq 0 ]; then t1=$(now_s); break; fi
    kill -0 "$agent" 2>/dev/null || { echo "agent exited:" >&2; cat "$run/agent.log" >&2; exit 1; }
    anon=$(bench_status_kb "$agent" RssAnon || echo 0)
    if [ "${anon:-0}" -gt "$anon_max" ]; then anon_max=$anon; fi
    if [ $((polls % 4)) -eq 3 ]; then
      newest=$(ctl samples 'node_time_seconds{instance="bench-host"}' --since 30s --json 2>/dev/null |
        jq '[.data.result[].values[-1][0]] | max // empty' || true)
      probe_t=$(now_s)
      if [ -n "$newest" ]; then
        age=$(calc "%.3f" "$probe_t - $newest")
        fresh_max=$(calc "%.3f" "($age > $fresh_max) ? $age : $fresh_max")
      fi
    fi
    polls=$((polls + 1))
    if [ "$polls" -gt 7200 ]; then echo "replay did not finish within an hour" >&2; exit 1; fi
    sleep 0.5
  done
  local agent_cpu coll_cpu hwm anon_end load_end
  agent_cpu=$(cpu_all_ns "$agent")
  coll_cpu=$(( $(cpu_all_ns "$collector") - coll0 ))
  hwm=$(bench_status_kb "$agent" VmHWM)
  anon_end=$(bench_status_kb "$agent" RssAnon)
  if [ "$anon_end" -gt "$anon_max" ]; then anon_max=$anon_end; fi
  load_end=$(loadavg)
  local replay_s rate cpu_min coll_min
  replay_s=$(calc "%.2f" "$t1 - $t0")
  rate=$(calc "%.0f" "$samples / ($t1 - $t0)")
  cpu_min=$(calc "%.2f" "$agent_cpu / 1e9 / ($t1 - $t0) * 60")
  coll_min=$(calc "%.2f" "$coll_cpu / 1e9 / ($t1 - $t0) * 60")

  # From the agent's exec to its stream (the spool is scanned before the first tick).
  local connected_at startup_s
  connected_at=$(grep -m1 'connected to collector' "$run/agent.log" | cut -d' ' -f1)
  startup_s=$(calc "%.3f" "$(date -d "$connected_at" +%s.%N) - $t0")

  # What the collector stored: the live lag over the replay (and the ticks just after,
  # whose self metrics report the acknowledgements of the last replay seconds), and the
  # backlog itself.
  sleep 3
  local lag_max unacked_max stored ingested
  lag_max=$(max_of vigil_agent_send_lag_seconds "$t0" "$(calc "%.3f" "$t1 + 2")")
  unacked_max=$(max_of vigil_agent_unacknowledged_batches "$t0" "$t1")
  ingested=$(ctl metrics | awk '$1 == "vigil_collector_samples_ingested_total" {printf "%.0f", $2}')
  stored=$(ctl samples 'node_time_seconds{instance="bench-host"}' --start "$(calc "%.3f" "$first_ms / 1000")" \
    --end "$(calc "%.3f" "$last_ms / 1000")" --json | jq '[.data.result[].values | length] | add // 0')
  log "  replayed in ${replay_s} s: ${rate} samples/s, agent ${cpu_min} CPU s/min, live lag max ${lag_max} s"

  if [ "$steady" = 1 ] && [ "$MINUTES" != 0 ]; then
    log "run $n: steady state for $MINUTES minutes"
    sleep 10
    local s0 s1 all0 all1 ts0 ts1 a0 a1 amax end_at
    a0=$(bench_status_kb "$agent" RssAnon)
    amax=$a0
    s0=$(bench_cpu_ns "$agent")
    all0=$(cpu_all_ns "$agent")
    ts0=$(now_s)
    end_at=$(calc "%.0f" "$ts0 + $MINUTES * 60")
    while [ "$(calc "%.0f" "$(now_s)")" -lt "$end_at" ]; do
      sleep 10
      anon=$(bench_status_kb "$agent" RssAnon)
      if [ "$anon" -gt "$amax" ]; then amax=$anon; fi
    done
    s1=$(bench_cpu_ns "$agent")
    all1=$(cpu_all_ns "$agent")
    ts1=$(now_s)
    a1=$(bench_status_kb "$agent" RssAnon)
    local steady_lag
    steady_lag=$(max_of vigil_agent_send_lag_seconds "$ts0" "$ts1")
    jq -nc --argjson seconds "$(calc "%.1f" "$ts1 - $ts0")" \
      --argjson cpu_s "$(calc "%.4f" "($s1 - $s0) / 1e9")" \
      --argjson pct "$(calc "%.4f" "100 * ($s1 - $s0) / 1e9 / ($ts1 - $ts0)")" \
      --argjson pct_stat "$(calc "%.4f" "100 * ($all1 - $all0) / 1e9 / ($ts1 - $ts0)")" \
      --argjson a0 "$a0" --argjson a1 "$a1" --argjson amax "$amax" \
      --argjson hwm "$(bench_status_kb "$agent" VmHWM)" --argjson lag "$steady_lag" \
      --arg load "$(loadavg)" \
      '{seconds: $seconds, agent_cpu_seconds: $cpu_s, agent_cpu_percent: $pct,
        agent_cpu_percent_from_stat_ticks: $pct_stat,
        rss_anon_start_kb: $a0, rss_anon_end_kb: $a1, rss_anon_max_kb: $amax,
        peak_rss_kb: $hwm, send_lag_max_s: $lag, load_end: $load}' >"$run/steady.json"
  fi

  kill "$agent"
  wait "$agent" 2>/dev/null || true
  kill "$collector"
  wait "$collector" 2>/dev/null || true
  jq -nc --argjson run "$n" --argjson series "$series" --argjson batches "$batches" \
    --argjson samples "$samples" --argjson spool_bytes "$spool_bytes" \
    --argjson replay_s "$replay_s" --argjson rate "$rate" \
    --argjson cpu_s "$(calc "%.3f" "$agent_cpu / 1e9")" --argjson cpu_min "$cpu_min" \
    --argjson hwm "$hwm" --argjson anon_max "$anon_max" --argjson coll_min "$coll_min" \
    --argjson lag "$lag_max" --argjson fresh "$fresh_max" --argjson unacked "$unacked_max" \
    --argjson stored "$stored" --argjson ingested "$ingested" --argjson startup "$startup_s" \
    --arg load_start "$load_start" --arg load_end "$load_end" \
    '{run: $run, series: $series, backlog_batches: $batches, backlog_samples: $samples,
      spool_bytes: $spool_bytes, agent_start_to_stream_s: $startup, replay_s: $replay_s, replay_samples_per_s: $rate,
      agent_cpu_seconds: $cpu_s, agent_cpu_seconds_per_minute: $cpu_min,
      agent_peak_rss_kb: $hwm, agent_rss_anon_max_kb: $anon_max,
      collector_cpu_seconds_per_minute: $coll_min, send_lag_max_s: $lag,
      newest_sample_age_max_s: $fresh, unacknowledged_batches_max: $unacked,
      backlog_node_time_samples_stored: $stored, collector_samples_ingested: $ingested,
      load_start: $load_start, load_end: $load_end}' \
    >"$run/replay.json"
}

for n in $(seq 1 "$RUNS"); do
  run_once "$n" "$([ "$n" = "$RUNS" ] && echo 1 || echo 0)"
done

# Medians (nearest rank) of the runs' numeric figures.
RUNS_JSON=$(cat "$WORK"/run*/replay.json | jq -sc '.')
MEDIAN=$(jq -c '. as $runs | ($runs[0] | keys_unsorted) as $keys
  | reduce $keys[] as $k ({}; if ($runs[0][$k] | type) == "number"
      then .[$k] = ([$runs[][$k]] | sort | .[((length + 1) / 2 | floor) - 1]) else . end)
  | del(.run) | .runs = ($runs | length)' <<<"$RUNS_JSON")
STEADY=$(cat "$WORK/run$RUNS/steady.json" 2>/dev/null || echo null)

if [ "$JSON" = 1 ]; then
  jq -c '.[]' <<<"$RUNS_JSON"
  jq -nc --argjson m "$MEDIAN" --argjson s "$STEADY" '{median: $m, steady: $s}'
  exit 0
fi
echo "vigil-agent replaying ${HOURS} h of 1 s batches (earlier run) while sampling live at 1 s:"
printf '  %-6s %10s %9s %12s %10s %10s %10s %9s %9s %10s  %s\n' run samples replay_s samples/s \
  cpu_s/min peak_rss rss_anon lag_max fresh_max coll_cpu/m "load (start -> end)"
jq -r '.[] | [.run, .backlog_samples, .replay_s, .replay_samples_per_s,
  .agent_cpu_seconds_per_minute, .agent_peak_rss_kb, .agent_rss_anon_max_kb, .send_lag_max_s,
  .newest_sample_age_max_s, .collector_cpu_seconds_per_minute, .load_start, .load_end] | @tsv' \
  <<<"$RUNS_JSON" | while IFS=$'\t' read -r r smp rs rate cpu hwm anon lag fresh coll l0 l1; do
  printf '  %-6s %10s %9s %12s %10s %8s kB %7s kB %8s s %8s s %10s  %s -> %s\n' "$r" "$smp" "$rs" \
    "$rate" "$cpu" "$hwm" "$anon" "$lag" "$fresh" "$coll" "$l0" "$l1"
done
jq -r '[.backlog_samples, .replay_s, .replay_samples_per_s, .agent_cpu_seconds_per_minute,
  .agent_peak_rss_kb, .agent_rss_anon_max_kb, .send_lag_max_s, .newest_sample_age_max_s,
  .collector_cpu_seconds_per_minute] | @tsv' <<<"$MEDIAN" |
  while IFS=$'\t' read -r smp rs rate cpu hwm anon lag fresh coll; do
    printf '  %-6s %10s %9s %12s %10s %8s kB %7s kB %8s s %8s s %10s\n' median "$smp" "$rs" "$rate" \
      "$cpu" "$hwm" "$anon" "$lag" "$fresh" "$coll"
  done
echo "  backlog node_time_seconds samples stored, per run: $(jq -r '[.[].backlog_node_time_samples_stored] | map(tostring) | join(", ")' <<<"$RUNS_JSON") (of $(jq -r '.[0].backlog_batches' <<<"$RUNS_JSON"))"
echo "  collector samples ingested (backlog and live), per run: $(jq -r '[.[].collector_samples_ingested] | map(tostring) | join(", ")' <<<"$RUNS_JSON")"
echo "  agent exec to stream (spool scanned, connected), median: $(jq -r .agent_start_to_stream_s <<<"$MEDIAN") s"
echo "  targets: >= 200000 samples/s; live lag (vigil_agent_send_lag_seconds) <= 2 s"
if [ "$STEADY" != null ]; then
  jq -r '"steady state after the replay, \(.seconds) s:",
    "  CPU            \(.agent_cpu_seconds) s  (\(.agent_cpu_percent)% of one core; target < 0.2%)",
    "                 (\(.agent_cpu_percent_from_stat_ticks)% from /proc/PID/stat ticks, threads that ended included)",
    "  RssAnon        \(.rss_anon_start_kb) kB at start, \(.rss_anon_end_kb) kB at end, max \(.rss_anon_max_kb) kB (target < 8192 kB, no growth)",
    "  peak RSS       \(.peak_rss_kb) kB (VmHWM since the agent started, replay included)",
    "  send lag max   \(.send_lag_max_s) s",
    "  load average at end: \(.load_end)"' <<<"$STEADY"
fi
