#!/usr/bin/env bash
# Benchmark: the instructions PostgreSQL's backend spends in `COPY` per event of the store's bulk
# load, counted by callgrind: repeatable to a few parts in 100,000 on a machine whose wall-clock
# figures move by ±15% between runs of the same code, so a change to the schema or the ingest
# path can be judged in one run each. Instructions are not time (kernel work, cache misses and
# round trips are not counted): confirm a gain with scripts/bench/store.sh before claiming it.
#   1. starts a throwaway cluster whose postmaster runs under
#      `valgrind --tool=callgrind --trace-children=yes --toggle-collect=DoCopy` (only `COPY`
#      statements counted: not the migrations, partitions, queries or commits);
#   2. loads the first M events of an N-event stream through the store on one connection
#      (`WARD_BENCH_LIMIT=M store_bench N postgres`: the time density of an N-event load, so each
#      1,000-event batch falls in a day's partition as it does at N);
#   3. prints the backend's instructions in `COPY` per event, and the callgrind file, for
#      `callgrind_annotate --inclusive=yes FILE`.
#   bash scripts/bench/pg-callgrind.sh [M] [N]      (defaults 20,000 and 1,000,000; ~2-3 min)
# Needs valgrind and the PostgreSQL server binaries (initdb, postgres, psql).
set -euo pipefail
cd "$(dirname "$0")/../.."
limit=${1:-20000}
total=${2:-1000000}

source scripts/bench/pg-lib.sh
pg_require pg-callgrind initdb postgres psql
command -v valgrind >/dev/null || { echo "pg-callgrind: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
cargo build -q --release -p ward-store --example store_bench
bench="$(pwd)/${CARGO_TARGET_DIR:-target}/release/examples/store_bench"

# A throwaway cluster.
pg_throwaway_dir
port=54332
"${as[@]}" "$(pg_bin initdb)" -D "$dir/data" -A trust -U ward -E UTF8 --locale=C --no-sync >/dev/null
"${as[@]}" mkdir "$dir/cg"
"${as[@]}" valgrind --tool=callgrind --trace-children=yes --toggle-collect=DoCopy \
  --callgrind-out-file="$dir/cg/callgrind.%p" "$(pg_bin postgres)" -D "$dir/data" -k "$dir" -p "$port" \
  -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off \
  >"$dir/log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
url="host=$dir port=$port user=ward dbname=postgres"
for _ in $(seq 120); do
  "$(pg_bin psql)" "$url" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done

echo "loading the first $limit events of a $total-event stream under callgrind…" >&2
WARD_TEST_POSTGRES_URL="$url" WARD_BENCH_PG_WRITERS=1 WARD_BENCH_LIMIT="$limit" \
  "$bench" "$total" postgres devices >"$dir/bench.out" 2>&1 || { cat "$dir/bench.out" >&2; exit 1; }
# The backend's file is written when its connection closes; the loading backend is the one
# with the most instructions in COPY.
sleep 3
best=0
file=
for f in "$dir"/cg/callgrind.*; do
  n=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" | head -1)
  if [ -n "$n" ] && [ "$n" -gt "$best" ]; then best=$n; file=$f; fi
done
[ "$best" -gt 0 ] || { echo "pg-callgrind: no backend counted any COPY" >&2; exit 1; }
keep="${CARGO_TARGET_DIR:-target}/pg-callgrind.out"
cp "$file" "$keep"
echo
echo "| measurement (first $limit events of $total, 1 connection) | figure |"
echo "|---|---|"
echo "| backend instructions in COPY | $best |"
echo "| per event | $((best / limit)) |"
echo "| callgrind file | $keep |"
