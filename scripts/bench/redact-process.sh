#!/usr/bin/env bash
# `ward redact` of a 4 KiB tool-call payload as a whole process, against a trivial Rust
# process (`fn main() {}`, release) built here. Budget: within 1 ms of the trivial process.
# Usage: scripts/bench/redact-process.sh   (from the repository root)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine not found; installing it with apt-get" >&2
    apt-get install -y hyperfine >/dev/null
fi

# The shipped binary (static, non-PIE; see scripts/build-release.sh).
ward="$root/$(bash "$root/scripts/build-release.sh" -q)"

mkdir -p "$work/trivial/src"
cat >"$work/trivial/Cargo.toml" <<'TOML'
[package]
name = "trivial"
version = "0.0.0"
edition = "2021"

[workspace]

[profile.release]
lto = "thin"
codegen-units = 1
strip = "symbols"
TOML
echo 'fn main() {}' >"$work/trivial/src/main.rs"
cargo build --release --quiet --manifest-path "$work/trivial/Cargo.toml" --target-dir "$work/target" >&2
trivial="$work/target/release/trivial"

# A Claude Code PreToolUse payload (Bash) of ~4 KiB with three secrets.
python3 - "$work/payload.json" <<'PY'
import json, sys
script = "set -euo pipefail\n" + "kubectl -n prod rollout status deploy/api --timeout=120s && echo ok\n" * 50
script += "PGPASSWORD=Tr0ub4dor3x psql -h db.internal -U app -c 'select 1'\n"
script += "curl -H \"Authorization: Bearer ghp_q8Zr2LmX0pWvT3sKd9YhQ8Zr2LmX0pWvT3sK\" https://api.github.com/user\n"
script += "export STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"
payload = {"session_id": "0b6a3c4e-1f2d-4a5b-8c7d-9e0f1a2b3c4d", "cwd": "/home/dev/src/app",
           "hook_event_name": "PreToolUse", "tool_name": "Bash",
           "tool_input": {"command": script[:3900], "description": "deploy"}}
open(sys.argv[1], "w").write(json.dumps(payload))
PY
export WARD_HOME="$work/ward-home"
"$ward" redact "$work/payload.json" >/dev/null   # creates the install key once
echo "payload: $(wc -c <"$work/payload.json") bytes, $("$ward" redact --findings "$work/payload.json" 2>&1 >/dev/null | wc -l) findings" >&2

hyperfine --warmup 50 --runs 1000 -N --export-json "$work/result.json" \
    -n trivial "$trivial" \
    -n "ward redact 4KiB" "$ward redact $work/payload.json" >&2

python3 - "$work/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
t, w = r["trivial"], r["ward redact 4KiB"]
print(f"{'process':<20} {'mean':>10} {'median':>10} {'min':>10}")
for name, x in (("trivial", t), ("ward redact 4KiB", w)):
    print(f"{name:<20} {x['mean']*1e3:>8.3f}ms {x['median']*1e3:>8.3f}ms {x['min']*1e3:>8.3f}ms")
d = (w["median"] - t["median"]) * 1e3
print(f"difference (median): {d:.3f} ms  (budget: <= 1 ms)")
PY
