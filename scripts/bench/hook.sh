#!/usr/bin/env bash
# Benchmark: `ward hook codex` end to end (process start, parse, tier, policy, redaction, durable
# spool append, answer) against a trivial Rust binary started the same way, measured with
# hyperfine. Prints both p50s and the ratio. Budget (DESIGN.md): p50 <= 1.5 ms on 2 cores.
# As root, also managed mode (the socket round trip to `ward agent run --managed` and its
# fdatasync included; budget <= 2x the trivial process) and the daemon's idle RSS (<= 30 MB),
# and the cost of a managed policy (/etc/ward/policy.toml) compiled on every call against its
# root-owned compiled form (`ward policy compile --managed` / the daemon); CALLGRIND=1 counts
# instructions for both.
#
# hyperfine runs each command through /bin/sh (needed for the stdin redirect) and subtracts the
# measured shell spawn time, so both rows are the programs' own cost.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${RUNS:-1000}

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq; }

# The shipped binary (static, non-PIE; see scripts/build-release.sh), or $WARD_BIN if given.
ward=${WARD_BIN:-"$root/$(bash scripts/build-release.sh -q)"}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The baseline: a trivial Rust process that reads nothing and exits.
mkdir -p "$work/trivial/src"
cat > "$work/trivial/Cargo.toml" <<'TOML'
[package]
name = "trivial"
version = "0.1.0"
edition = "2021"
[profile.release]
opt-level = 3
TOML
echo 'fn main() {}' > "$work/trivial/src/main.rs"
(cd "$work/trivial" && CARGO_TARGET_DIR="$work/trivial/target" cargo build --release -q)
trivial="$work/trivial/target/release/trivial"

# A realistic setting: a git repository with a GitHub remote (default tier `standard`), a fresh
# Ward home, and a Codex PreToolUse payload of the size agents really send.
repo="$work/webapp"
mkdir -p "$repo" && git -C "$repo" init -q && git -C "$repo" remote add origin git@github.com:acme/webapp.git
export HOME="$work/home" WARD_HOME="$work/ward-home"
mkdir -p "$HOME"
cat > "$work/payload.json" <<JSON
{"session_id":"0199a3c2-7f1e-7c40-9a55-3b8e2f0c1d11","turn_id":"turn-7","transcript_path":"$HOME/.codex/sessions/2026/11/25/rollout.jsonl","cwd":"$repo","hook_event_name":"PreToolUse","model":"gpt-5-codex","permission_mode":"default","tool_name":"Bash","tool_input":{"command":"cd $repo && git status --short && PGPASSWORD=hunter2-not-real psql -h db.internal -U app -c 'select count(*) from orders' && cargo test -p billing -- --nocapture 2>&1 | tail -n 50"},"tool_use_id":"call_Qb7sW2kT9xY"}
JSON

# Sanity: the hook answers and records.
"$ward" hook codex < "$work/payload.json" > "$work/answer.txt" || true
echo "answer: $(head -c 300 "$work/answer.txt")"

# Managed policy (as root): a system root whose /etc/ward/policy.toml is the built-in policy's
# text, without its compiled form (the hook compiles it on every call: before), and one with it
# in the root-owned /var/cache/ward (`ward policy compile --managed`; the hook decodes it: after).
# Both without a daemon, so the two differ only in how the policy is loaded.
managed_policy_root() {
  mkdir -p "$1/etc/ward" && cp "$root/crates/ward-policy/src/builtin.toml" "$1/etc/ward/policy.toml"
  chmod 755 "$1" "$1/etc" "$1/etc/ward"
}
if [ "$(id -u)" = 0 ]; then
  managed_policy_root "$work/mp-compiled"
  managed_policy_root "$work/mp-blob"
  WARD_SYSTEM_ROOT="$work/mp-blob" "$ward" policy compile --managed > /dev/null
  for r in mp-compiled mp-blob; do
    WARD_SYSTEM_ROOT="$work/$r" "$ward" hook codex < "$work/payload.json" > /dev/null || true
    echo "$r: policy loaded via $(WARD_SYSTEM_ROOT="$work/$r" "$ward" policy explain --format json --cwd "$repo" -- git status | jq -r .policy_load.via)"
  done
fi

# CALLGRIND=1: instructions of one warm call (the cache written by the call above), the
# machine-independent figure; `callgrind_annotate` on the kept profile shows where they go
# (build with `--profile profiling` for symbols).
if [ "${CALLGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
  "$ward" hook codex < "$work/payload.json" > /dev/null || true
  valgrind --tool=callgrind --callgrind-out-file="$root/target/hook.callgrind" "$ward" hook codex \
    < "$work/payload.json" > /dev/null 2> "$work/vg.err" || true
  echo "ward hook codex (warm cache): $(sed -n 's/.*Collected : //p' "$work/vg.err") instructions;" \
    "profile in target/hook.callgrind; policy cache $(wc -c < "$(ls "$WARD_HOME"/cache/policy-*.bin | head -1)") bytes"
  if [ "$(id -u)" = 0 ]; then
    for r in mp-compiled mp-blob; do
      WARD_SYSTEM_ROOT="$work/$r" valgrind --tool=callgrind --callgrind-out-file="$work/$r.callgrind" "$ward" hook codex \
        < "$work/payload.json" > /dev/null 2> "$work/vg.err" || true
      echo "ward hook codex, managed policy ($r): $(sed -n 's/.*Collected : //p' "$work/vg.err") instructions"
    done
  fi
  exit 0
fi

hyperfine -N --version >/dev/null 2>&1 || true
hyperfine --warmup 50 --runs "$runs" --style none --export-json "$work/h.json" \
  -n trivial "$trivial < $work/payload.json" \
  -n "ward hook codex" "$ward hook codex < $work/payload.json" >/dev/null

echo
printf '%-18s %10s %10s %10s %10s\n' command p50_ms mean_ms min_ms max_ms
jq -r '.results[] | [.command, (.median*1000), (.mean*1000), (.min*1000), (.max*1000)] | @tsv' "$work/h.json" |
  while IFS=$'\t' read -r name med mean min max; do
    printf '%-18s %10.3f %10.3f %10.3f %10.3f\n' "$name" "$med" "$mean" "$min" "$max"
  done
jq -r '.results as $r | if $r[0].median <= 0 then "trivial p50 not measurable (machine too busy for the shell correction): ratio not computed" else "ratio (ward / trivial, p50): \(($r[1].median / $r[0].median) * 100 | round / 100)x;  ward overhead: \((($r[1].median - $r[0].median) * 1000000) | round / 1000) ms;  budget p50 <= 1.5 ms" end' "$work/h.json"
echo "events spooled: $(cat "$WARD_HOME"/spool/*.jsonl 2>/dev/null | wc -l)"

# Managed mode (needs root): `ward agent run --managed` on a temp system root, the hook handing
# each event to it over the socket and answering after the daemon's fdatasync. Same payload,
# same trivial baseline, measured interleaved with user mode; then the daemon's RSS, idle.
if [ "$(id -u)" != 0 ]; then
  echo "managed mode: skipped (run as root to start the daemon)"
  exit 0
fi
export WARD_SYSTEM_ROOT="$work/system"
mkdir -p "$WARD_SYSTEM_ROOT"
"$ward" agent run --managed 2> "$work/daemon.log" &
daemon=$!
# A second daemon on a system root with a managed policy: it keeps the policy compiled in its
# /var/cache/ward, which the hooks of the `managed+policy` row decode.
managed_policy_root "$work/mp-daemon"
WARD_SYSTEM_ROOT="$work/mp-daemon" "$ward" agent run --managed 2> "$work/daemon-mp.log" &
daemon_mp=$!
trap 'kill $daemon $daemon_mp 2>/dev/null; wait $daemon $daemon_mp 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do "$ward" agent status >/dev/null 2>&1 && break; sleep 0.05; done
for _ in $(seq 100); do WARD_SYSTEM_ROOT="$work/mp-daemon" "$ward" agent status >/dev/null 2>&1 && break; sleep 0.05; done
echo "managed+policy: policy loaded via $(WARD_SYSTEM_ROOT="$work/mp-daemon" "$ward" policy explain --format json --cwd "$repo" -- git status | jq -r .policy_load.via)"
rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$daemon/status"; }
sleep 1
rss_start=$(rss)
"$ward" hook codex < "$work/payload.json" > /dev/null
# The three interleaved, call by call, so that they see the same machine (hyperfine runs one
# command's runs after the other's, and its shell correction fails on a busy machine): the
# trivial process, the hook in user mode (a system root without a daemon) and in managed mode.
# Each time includes bash's fork+exec, the same for all three.
mkdir -p "$work/no-daemon"
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
# With a managed policy: user mode compiling it per call (before its compiled form existed),
# user mode decoding the root-owned blob, and managed mode (daemon) decoding the daemon's blob.
rows="trivial user managed user+policy-compiled user+policy-blob managed+policy-blob"
for name in $rows; do : > "$work/t.$name"; done
for i in $(seq $((runs + 50))); do
  a=$(now_us); "$trivial" < "$work/payload.json" > /dev/null
  b=$(now_us); WARD_SYSTEM_ROOT="$work/no-daemon" "$ward" hook codex < "$work/payload.json" > /dev/null
  c=$(now_us); "$ward" hook codex < "$work/payload.json" > /dev/null
  d=$(now_us); WARD_SYSTEM_ROOT="$work/mp-compiled" "$ward" hook codex < "$work/payload.json" > /dev/null
  e=$(now_us); WARD_SYSTEM_ROOT="$work/mp-blob" "$ward" hook codex < "$work/payload.json" > /dev/null
  f=$(now_us); WARD_SYSTEM_ROOT="$work/mp-daemon" "$ward" hook codex < "$work/payload.json" > /dev/null
  g=$(now_us)
  if [ "$i" -gt 50 ]; then
    echo $((b - a)) >> "$work/t.trivial"; echo $((c - b)) >> "$work/t.user"; echo $((d - c)) >> "$work/t.managed"
    echo $((e - d)) >> "$work/t.user+policy-compiled"; echo $((f - e)) >> "$work/t.user+policy-blob"
    echo $((g - f)) >> "$work/t.managed+policy-blob"
  fi
done
sleep 2
rss_idle=$(rss)
pct() { sort -n "$1" | awk -v q="$2" '{v[NR]=$1} END {i=int((NR-1)*q)+1; printf "%.3f", v[i]/1000}'; }
echo
echo "interleaved, $runs calls each (times include bash's fork+exec), milliseconds"
printf '%-26s %10s %10s %10s\n' command p50_ms p90_ms min_ms
for name in $rows; do
  printf '%-26s %10s %10s %10s\n' "$name" "$(pct "$work/t.$name" 0.5)" "$(pct "$work/t.$name" 0.9)" "$(pct "$work/t.$name" 0)"
done
awk -v t="$(pct "$work/t.trivial" 0.5)" -v u="$(pct "$work/t.user" 0.5)" -v m="$(pct "$work/t.managed" 0.5)" \
  'BEGIN {printf "managed / trivial (p50): %.2fx (budget <= 2x);  user / trivial: %.2fx;  managed - user: %.3f ms\n", m/t, u/t, m-u}'
awk -v c="$(pct "$work/t.user+policy-compiled" 0.5)" -v b="$(pct "$work/t.user+policy-blob" 0.5)" \
  'BEGIN {printf "managed policy: compiled per call - decoded from the root-owned blob (p50): %.3f ms\n", c-b}'
recorded=$("$ward" agent status | jq -r .recorded)
echo "managed events recorded by the daemon: $recorded"
echo "daemon RSS: ${rss_start} MB idle at start, ${rss_idle} MB idle after the run;  budget <= 30 MB"
