#!/usr/bin/env bash
# Benchmark: the endpoint daemon (`ward agent run`) — memory while idle and while shipping a
# backlog, and the shipping rate (budget in DESIGN.md: <= 30 MB RSS idle and while shipping a
# backlog of 1M events). On loopback against a fresh `ward serve` (SQLite):
#   1. idle: the daemon enrolled, its spool empty, for IDLE_SECONDS: peak RSS;
#   2. backlog: EVENTS realistic events appended to the spool through the spool's own API
#      (crates/ward-server/examples/fill_spool.rs: the store generator's event mix, real chain
#      and segments), then the daemon started and timed until the server holds all of them:
#      peak RSS, events/s shipped;
#   3. idle after the backlog, IDLE_SECONDS: peak RSS;
# then checks that every event arrived exactly once (the server's count, its duplicate
# counter, and its chain verification of the device).
# RSS: VmRSS from /proc/PID/status sampled every 100 ms, and for phases 1 and 2 (each starts
# the daemon) the kernel's high-water mark (VmHWM) at its end.
#   bash scripts/bench/ship-backlog.sh [EVENTS] [IDLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-1000000}
idle=${2:-10}

cargo build -q --release -p ward
cargo build -q --release -p ward-server --example fill_spool
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
ward=$target/release/ward
fill=$target/release/examples/fill_spool

work=$(mktemp -d /tmp/ward-ship-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- the server ---------------------------------------------------------------------------
mkdir -p "$work/server"
WARD_HOME="$work/server" HOME="$work/server" "$ward" serve --listen 127.0.0.1:0 \
  --database "$work/server/ward.db" 2>"$work/serve.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url=$(sed -n 's/^ward serve: listening on \([^ ]*\).*/\1/p' "$work/serve.log")
enroll=$(grep -A1 "enrollment token" "$work/serve.log" | tail -1)
admin=$(cat "$work/server/server/admin.token")
[ -n "$url" ] && [ -n "$enroll" ] || { cat "$work/serve.log"; exit 1; }

metric() { curl -s "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
api() { curl -s -H "Authorization: Bearer $admin" "$url$1"; }

# --- the endpoint -------------------------------------------------------------------------
ep=$work/endpoint
mkdir -p "$ep/home"
device=$("$fill" --home "$ep" --events 0 2>/dev/null | cut -d' ' -f1)
WARD_HOME="$ep" HOME="$ep/home" "$ward" agent enroll --server "$url" --token "$enroll" >/dev/null

rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
start_agent() {
  WARD_HOME="$ep" HOME="$ep/home" "$ward" agent run --poll-seconds 1 2>>"$work/agent.log" &
  agent=$!
  pids+=("$agent")
}
# Samples the agent's RSS every 100 ms while "$@" succeeds; prints the peak (KiB). With
# HWM=1 the kernel's high-water mark counts too (it covers the process's whole life, so only
# for a phase that starts with the process).
sample_while() {
  local peak=0 now
  while "$@"; do
    now=$(rss "$agent" VmRSS)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
    sleep 0.1
  done
  if [ "${HWM:-0}" = 1 ]; then
    now=$(rss "$agent" VmHWM)
    [ "${now:-0}" -gt "$peak" ] && peak=$now
  fi
  echo "$peak"
}
for_seconds() { [ "$(date +%s%N)" -lt "$until" ]; }
# The device's highest seq at the server (the daemon ships in order, so all before it are there).
last_seq() { api /api/v1/devices | grep -o '"last_seq":[0-9]*' | head -1 | cut -d: -f2; }
not_arrived() { local seq; seq=$(last_seq); [ "${seq:-0}" -lt "$events" ]; }
stop_agent() { kill -TERM "$agent"; wait "$agent" 2>/dev/null || true; }

# 1. idle, empty spool.
start_agent
until=$(( $(date +%s%N) + idle * 1000000000 ))
idle_peak=$(HWM=1 sample_while for_seconds)
stop_agent

# 2. the backlog.
fill_started=$(date +%s%N)
"$fill" --home "$ep" --events "$events" >/dev/null 2>"$work/fill.log"
fill_seconds=$(awk -v ns=$(( $(date +%s%N) - fill_started )) 'BEGIN { printf "%.1f", ns / 1e9 }')
spool_mib=$(du -sm "$ep/spool" | cut -f1)
start_agent
shipping_started=$(date +%s%N)
ship_peak=$(HWM=1 sample_while not_arrived)
ship_ns=$(( $(date +%s%N) - shipping_started ))

# 3. idle after the backlog.
until=$(( $(date +%s%N) + idle * 1000000000 ))
after_peak=$(sample_while for_seconds)
stop_agent

inserted=$(metric ward_ingest_events_inserted_total)
duplicates=$(metric ward_ingest_events_duplicate_total)
# The spooled events are all decisions; the daemon's start-up inventory scan adds a few
# server-derived events (inventory changes, outside the chain) that are not counted here.
stored=$(api "/api/v1/count?q=device:$device%20kind:decision" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
intact=$(api "/api/v1/verify" | sed -n 's/^{.*"intact":\(true\|false\),"devices".*/\1/p')
[ -n "$intact" ] || intact=$(api "/api/v1/verify" | grep -o '"intact":[a-z]*' | head -1 | cut -d: -f2)
rate=$(awk -v n="$events" -v ns="$ship_ns" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "spool: $events events, $spool_mib MiB, filled in $fill_seconds s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| phase | peak RSS | detail |"
echo "|---|---|---|"
echo "| idle (enrolled, empty spool, ${idle} s) | $(mib "$idle_peak") MiB | |"
echo "| shipping a backlog of $events events | $(mib "$ship_peak") MiB | $rate events/s ($(awk -v ns="$ship_ns" 'BEGIN { printf "%.1f", ns / 1e9 }') s) |"
echo "| idle after the backlog (${idle} s) | $(mib "$after_peak") MiB | |"
echo
echo "server: $stored of the device's events stored (highest seq $(last_seq)), $duplicates re-sent and skipped as duplicates, $inserted inserted in all (with derived inventory events), chain intact: $intact"
if [ "$stored" = "$events" ] && [ "$(last_seq)" = "$events" ] && [ "$intact" = true ]; then
  echo "every event arrived exactly once"
else
  echo "FAILED: not every event arrived exactly once" >&2
  exit 1
fi
