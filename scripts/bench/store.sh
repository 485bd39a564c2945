#!/usr/bin/env bash
# Benchmark: the event stores and the query language (budgets in DESIGN.md).
#   1. load N generated events (default 1,000,000; the budget is stated for 10,000,000) into
#      SQLite and PostgreSQL, batched, with chain checks: events/s;
#   2. the admin queries on each store (median of 5), the credential question first;
#   3. `ward audit query 'class:credential since:90d' --count-by agent,device` as a whole process
#      on a local index of a ~500k-event spool (one developer's year): median of 20 runs.
# PostgreSQL: $WARD_TEST_POSTGRES_URL, or a throwaway cluster the benchmark starts.
#   bash scripts/bench/store.sh [N] [LOCAL_EVENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
total=${1:-1000000}
local_events=${2:-500000}

cargo build -q --release -p ward-store --example store_bench
cargo build -q --release -p ward
target=${CARGO_TARGET_DIR:-target}
bench="$target/release/examples/store_bench"
ward="$target/release/ward"

"$bench" "$total" both

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
echo "filling a spool with $local_events events…" >&2
"$bench" fill-spool "$work/data" "$local_events"
query() { WARD_HOME="$work/data" HOME="$work/home" "$ward" audit query 'class:credential since:90d' --count-by agent,device >/dev/null; }
start=$(date +%s%N); query; first=$(( ($(date +%s%N) - start) / 1000000 ))
times=()
for _ in $(seq 20); do
  start=$(date +%s%N); query; times+=($(( ($(date +%s%N) - start) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 10p)
echo
echo "| local | measurement ($local_events events in the spool) | figure |"
echo "|---|---|---|"
echo "| ward audit query | first run: index the whole spool, then answer | $first ms |"
printf '| ward audit query | %s | %d.%03d ms (median of 20) |\n' "'class:credential since:90d' --count-by agent,device" $((median / 1000)) $((median % 1000))
