#!/usr/bin/env bash
# The redaction budget table (release build): secret-free text (≥ 200 MB/s), a 4 KiB hook payload
# (≤ 50 µs), and every adversarial input at 64 KiB and 1 MiB (worst case ≥ 50 MB/s; the
# small/large ratio shows linearity). Times are the benchmark thread's CPU time.
# Usage: bash scripts/bench/redact.sh [--named]   (from the repository root)
#   --named   only the hand-written adversarial families (skip the ~1,200 generated per rule)
# Environment: WARD_BENCH_SIZES, WARD_BENCH_CASE, WARD_BENCH_ALL (see benches/adversarial.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ "${1:-}" = "--named" ]; then
    export WARD_BENCH_NAMED_ONLY=1
fi
exec cargo bench -p ward-redact --bench adversarial
