#!/usr/bin/env bash
# Benchmark: the fleet server's ingest through the API (budgets in DESIGN.md): `ward serve` on a
# fresh SQLite file and on a fresh PostgreSQL database, fed by simulated devices on loopback
# (crates/ward-server/examples/fleet_load.rs), each enrolled with its own credential and
# sending its own hash chain:
#   1. throughput: 16 devices, 1,000-event batches back to back from 16 senders: events/s;
#   2. fixed rate: 1,000 devices at 5,000 events/s in total (one 5-event batch per device per
#      second, staggered) for 20 s: latency from each batch's scheduled send time (p50/p99/max);
# with the server's peak RSS. Every batch must be stored with no chain finding.
# PostgreSQL: $WARD_TEST_POSTGRES_URL, or a throwaway cluster the benchmark starts.
#   bash scripts/bench/fleet.sh [sqlite|postgres|both] [EVENTS_FOR_THROUGHPUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
stores=${1:-both}
events=${2:-200000}

cargo build -q --release -p ward
cargo build -q --release -p ward-server --example fleet_load
target=${CARGO_TARGET_DIR:-target}

echo "| store | measurement | load | rate | latency | server RSS (peak) |"
echo "|---|---|---|---|---|---|"
for store in sqlite postgres; do
  if [ "$stores" = both ] || [ "$stores" = "$store" ]; then
    "$target/release/examples/fleet_load" --ward "$target/release/ward" --store "$store" \
      --mode both --events "$events" --threads 16 --rate 5000 --seconds 20
  fi
done
