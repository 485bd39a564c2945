#!/usr/bin/env bash
# Build the binary Ward ships: static (glibc linked in), non-PIE, release profile.
#
# Why: `ward hook` is a fresh process on every tool call of every agent. A dynamically linked
# position-independent binary spends ~0.3 ms in the dynamic loader (symbol lookup, relocations)
# before main; the static non-PIE build starts faster than a trivial dynamic Rust program, and
# one self-contained file is also what a fleet rollout wants. Ward uses no NSS lookups (user
# names come from /etc/passwd directly), so static glibc has no runtime caveat here.
#
# The flags are passed with an explicit --target so they apply to Ward, not to the build's own
# proc-macros and build scripts. Output: target/<triple>/release/ward (path printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
triple=$(rustc -vV | sed -n 's/^host: //p')
case "$triple" in
  # getrandom's default Linux backend looks the libc `getrandom` symbol up at run time, which a
  # static binary cannot do, and falls back to polling /dev/random and reading /dev/urandom
  # (four extra system calls per hook call); the static glibc has the call, so use it directly.
  *-linux-gnu) flags="-C target-feature=+crt-static -C relocation-model=static --cfg getrandom_backend=\"linux_getrandom\"" ;;
  *) flags="" ;; # other platforms: the default build
esac
RUSTFLAGS="${RUSTFLAGS:-} $flags" cargo build --release --locked -p ward --target "$triple" "$@" >&2
echo "target/$triple/release/ward"
