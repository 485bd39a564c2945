#!/usr/bin/env bash
# Time `ward scan` over a synthetic large home (500 extensions, 50 MCP servers, 100 skills,
# 10 git projects, 100k unrelated files) and print min/median/mean/max against the 300 ms
# budget of DESIGN.md. Warm runs: hyperfine does warm-up runs first, so the tree is in the page
# cache. The tree is built once under $WARD_BENCH_DIR (default bench-out/scan-tree) and reused.
#
#   scripts/bench/scan.sh            build the tree if needed, build ward --release, time it
#   WARD_BENCH_RUNS=50 scripts/bench/scan.sh
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
tree=${WARD_BENCH_DIR:-$repo/bench-out/scan-tree}
runs=${WARD_BENCH_RUNS:-30}
budget_ms=300

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "installing hyperfine" >&2
    if command -v apt-get >/dev/null 2>&1; then
        apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
    else
        cargo install --locked hyperfine
    fi
fi

if [ ! -f "$tree/.complete" ]; then
    rm -rf "$tree"
    mkdir -p "$tree"
    python3 "$repo/scripts/bench/gen_scan_tree.py" "$tree" >&2
    touch "$tree/.complete"
fi

# The shipped binary (static, non-PIE; see scripts/build-release.sh).
ward="$repo/$(bash "$repo/scripts/build-release.sh" -q)"

export WARD_SYSTEM_ROOT="$tree/system"
export WARD_HOME="$tree/ward-data"
common=(scan --home "$tree/home" --projects "$tree/home/src")

# A sanity line so a scan that silently finds nothing cannot pass the budget.
"$ward" "${common[@]}" --format json | python3 -c '
import collections, json, sys
doc = json.load(sys.stdin)
kinds = collections.Counter(a["kind"] for a in doc["artifacts"])
print("artifacts:", dict(sorted(kinds.items())), "findings:", len(doc["findings"]), file=sys.stderr)
'

json_out=$(mktemp)
trap 'rm -f "$json_out"' EXIT
hyperfine --style none --warmup 3 --runs "$runs" --export-json "$json_out" \
    -n "scan --format json" "$ward ${common[*]} --format json" \
    -n "scan --format table" "$ward ${common[*]} --format table" >/dev/null

python3 - "$json_out" "$budget_ms" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
budget = float(sys.argv[2])
print(f"{'benchmark':<22} {'runs':>5} {'min ms':>8} {'median ms':>10} {'mean ms':>8} {'max ms':>8} {'budget ms':>10}  verdict")
worst = "ok"
for r in data["results"]:
    t = [x * 1000 for x in r["times"]]
    median = r["median"] * 1000
    verdict = "ok" if median <= budget else "OVER"
    if verdict != "ok":
        worst = "OVER"
    print(f"{r['command']:<22} {len(t):>5} {min(t):>8.1f} {median:>10.1f} {r['mean']*1000:>8.1f} {max(t):>8.1f} {budget:>10.0f}  {verdict}")
sys.exit(0 if worst == "ok" else 1)
PY
