#!/usr/bin/env bash
# Benchmark: the event stores and the query language (budgets in DESIGN.md).
#   1. load N generated events (default 1,000,000; the budget is stated for 10,000,000) into
#      SQLite and PostgreSQL, batched, with chain checks: events/s. As the fleet server ingests:
#      each writer's batches prepared on a thread of their own and stored by the writer on
#      another (SQLite: one writer; PostgreSQL: 2 connections, WARD_BENCH_PG_WRITERS=N to
#      change; the 85 days' partitions are created before the clock starts, as the server's
#      maintenance creates each day's ahead; WARD_BENCH_PG_AHEAD=0 creates them during the
#      load), in device batches of 1,000
#      (SHAPE=interleaved: batches of 10,000 mixing all 2,000 devices);
#   2. the admin queries on each store (median of 5), the credential question first;
#   3. `ward audit query 'class:credential since:90d' --count-by agent,device` and the other local
#      questions (below) as whole processes on a local index of a ~500k-event spool (one
#      developer's year): median of 20 runs each.
# PostgreSQL: $WARD_TEST_POSTGRES_URL, or a throwaway cluster the benchmark starts.
#   bash scripts/bench/store.sh [N] [LOCAL_EVENTS]          (LOCAL_EVENTS=0 skips part 3)
#   STORES=sqlite bash scripts/bench/store.sh 10000000 0    (the budget's 10M, one store at a time)
# One store at a time gives steadier insert figures: the first store's data still being written
# back to disk slows the second's load.
# Disk: about 1.3 KB per event on SQLite and 1.5-2 KB on PostgreSQL (the table prints it); 10M
# events need ~15-20 GB free per store. Each store's data is deleted when the run ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
total=${1:-1000000}
local_events=${2:-500000}

cargo build -q --release -p ward-store --example store_bench
cargo build -q --release -p ward
target=${CARGO_TARGET_DIR:-target}
bench="$target/release/examples/store_bench"
ward="$target/release/ward"

# Stores: STORES=sqlite or STORES=postgres runs one (for 10M, one at a time: disk).
"$bench" "$total" "${STORES:-both}" "${SHAPE:-devices}"

[ "$local_events" = 0 ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
echo "filling a spool with $local_events events…" >&2
"$bench" fill-spool "$work/data" "$local_events"
query() { WARD_HOME="$work/data" HOME="$work/home" "$ward" audit query 'class:credential since:90d' --count-by agent,device >/dev/null; }
start=$(date +%s%N); query; first=$(( ($(date +%s%N) - start) / 1000000 ))
# Each local question: median of 20 whole-process runs. The first two are the budget's;
# the rest are the shapes a developer also asks: none matching (the listing must not walk every
# event for it), a path family under the home, a decision counted by its neighbours, and the
# worst case, every event counted (the spool stamps each event now, so since:30d is all of them).
local_queries=(
  "class:credential since:90d|--count-by agent,device"
  "decision:deny -tier:open|--limit 50"
  "agent:nobody|--limit 50"
  "path:~/.aws/*|--count-by agent"
  "decision:deny|--count-by tier,agent"
  "since:30d|--count-by decision"
)
rows=()
for entry in "${local_queries[@]}"; do
  text=${entry%%|*}
  read -r -a options <<<"${entry#*|}"
  times=()
  for _ in $(seq 20); do
    start=$(date +%s%N)
    WARD_HOME="$work/data" HOME="$work/home" "$ward" audit query "$text" "${options[@]}" >/dev/null
    times+=($(( ($(date +%s%N) - start) / 1000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 10p)
  rows+=("$(printf '| ward audit query | %s | %d.%03d ms (median of 20) |' "'$text' ${options[*]}" $((median / 1000)) $((median % 1000)))")
done
# Incremental: hooks appended 1,000 events since the last query; the next query indexes them.
"$bench" fill-spool "$work/data" 1000
start=$(date +%s%N); query; incremental=$(( ($(date +%s%N) - start) / 1000000 ))
index_size=$(du -sk "$work/data/index" | cut -f1)
echo
echo "| local | measurement ($local_events events in the spool; the spool sets each event's time to now) | figure |"
echo "|---|---|---|"
echo "| ward audit query | first run: index the whole spool, then answer | $first ms |"
printf '%s\n' "${rows[@]}"
echo "| ward audit query | after 1,000 more events: index them, then answer | $incremental ms |"
echo "| local index | size on disk | $((index_size / 1024)) MB |"
