#!/usr/bin/env bash
# Benchmark: what the PostgreSQL store's insert costs on the server alone, without the client.
#   1. loads N generated events through the store (store_bench, as scripts/bench/store.sh does)
#      into a throwaway cluster this script starts, and keeps that database;
#   2. dumps its three event tables to binary files inside the cluster's directory;
#   3. loads those files again with server-side `COPY … FROM 'file'` into fresh copies of the
#      schema, one variant at a time (the schema as the store makes it; without any secondary
#      index; without each index in turn), ROUNDS times each, interleaved, and prints the
#      seconds per million events and the events per second of the server alone.
# The difference between "as the store makes it" and "no secondary index" is what the indexes
# the query budgets need cost; the first row is the ceiling of any client (one connection).
#   bash scripts/bench/pg-copy-floor.sh [N] [ROUNDS]      (defaults 1,000,000 and 2)
# Needs the PostgreSQL server binaries (initdb, pg_ctl, psql, pg_dump), as .ci/run installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
total=${1:-1000000}
rounds=${2:-2}

source scripts/bench/pg-lib.sh
pg_require pg-copy-floor initdb pg_ctl psql pg_dump
cargo build -q --release -p ward-store --example store_bench
bench="${CARGO_TARGET_DIR:-target}/release/examples/store_bench"

# A throwaway cluster, as .ci/run starts one.
pg_throwaway_dir
port=54331
"${as[@]}" "$(pg_bin initdb)" -D "$dir/data" -A trust -U ward -E UTF8 --locale=C --no-sync >/dev/null
"${as[@]}" "$(pg_bin pg_ctl)" -D "$dir/data" -w -l "$dir/log" \
  -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
trap '"${as[@]}" "$(pg_bin pg_ctl)" -D "$dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$dir"' EXIT
url="host=$dir port=$port user=ward dbname=postgres"
psql_in() { local db=$1; shift; "$(pg_bin psql)" -h "$dir" -p "$port" -U ward -d "$db" -qAtX -v ON_ERROR_STOP=1 "$@"; }

echo "loading $total events through the store…" >&2
kept=$(WARD_TEST_POSTGRES_URL="$url" WARD_BENCH_KEEP="$dir/keep" "$bench" "$total" postgres devices 2>&1 \
  | sed -n 's/.*kept the PostgreSQL benchmark database: .*dbname=\([a-z0-9_]*\).*/\1/p')
[ -n "$kept" ] || { echo "pg-copy-floor: the benchmark did not keep its database" >&2; exit 1; }

dumps="$dir/dumps"
"${as[@]}" mkdir -p "$dumps"
psql_in "$kept" \
  -c "COPY (SELECT * FROM events ORDER BY pk) TO '$dumps/events.bin' (FORMAT binary)" \
  -c "COPY (SELECT * FROM event_bodies ORDER BY pk) TO '$dumps/bodies.bin' (FORMAT binary)" \
  -c "COPY (SELECT * FROM event_tags ORDER BY event_pk) TO '$dumps/tags.bin' (FORMAT binary)"
"$(pg_bin pg_dump)" -h "$dir" -p "$port" -U ward -s "$kept" >"$dir/schema.sql"

# The secondary indexes (and unique constraints) on the three event tables, by name.
secondary=$(psql_in "$kept" -c "
  SELECT 'DROP INDEX ' || c.relname || ';' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   JOIN pg_class t ON t.oid = i.indrelid
   WHERE t.relname IN ('events', 'event_bodies', 'event_tags') AND NOT i.indisprimary
     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  UNION ALL
  SELECT 'ALTER TABLE ' || t.relname || ' DROP CONSTRAINT ' || k.conname || ';' FROM pg_constraint k
   JOIN pg_class t ON t.oid = k.conrelid
   WHERE t.relname IN ('events', 'event_bodies', 'event_tags') AND k.contype = 'u'")

# One load: a fresh database from the schema, the variant's change, then the three COPYs.
load() {
  local change=$1
  psql_in postgres -c "DROP DATABASE IF EXISTS floor" -c "CREATE DATABASE floor" >/dev/null
  psql_in floor -f "$dir/schema.sql" >/dev/null 2>&1
  [ -n "$change" ] && psql_in floor -c "$change" >/dev/null
  psql_in floor -c "CHECKPOINT" >/dev/null
  local start end
  start=$(date +%s%N)
  psql_in floor -c "BEGIN" \
    -c "COPY events FROM '$dumps/events.bin' (FORMAT binary)" \
    -c "COPY event_bodies FROM '$dumps/bodies.bin' (FORMAT binary)" \
    -c "COPY event_tags FROM '$dumps/tags.bin' (FORMAT binary)" -c "COMMIT"
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

variants=("as the store makes it|" "no secondary index|$(echo "$secondary" | tr '\n' ' ')")
while IFS= read -r statement; do
  [ -n "$statement" ] && variants+=("without: ${statement%;}|$statement")
done <<<"$secondary"

declare -A times
for round in $(seq "$rounds"); do
  for variant in "${variants[@]}"; do
    name=${variant%%|*}
    echo "round $round: $name…" >&2
    times[$name]="${times[$name]:-} $(load "${variant#*|}")"
  done
done

printf '\n| server-side COPY of %s events (rounds: %s) | seconds per million (each round) | events/s (best round) |\n|---|---|---|\n' "$total" "$rounds"
for variant in "${variants[@]}"; do
  name=${variant%%|*}
  per_million="" best=""
  for ms in ${times[$name]}; do
    per_million+="$(awk -v ms="$ms" -v n="$total" 'BEGIN { printf "%.1f ", ms / 1000 * 1000000 / n }')"
    [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
  done
  printf '| %s | %s| %s |\n' "$name" "$per_million" "$(awk -v ms="$best" -v n="$total" 'BEGIN { printf "%d", n / (ms / 1000) }')"
done
