# Shared by the PostgreSQL benchmarks (sourced): finding the server binaries and making a
# directory a throwaway cluster can live in.
#
# pg_bin TOOL: TOOL on the PATH, else the newest Debian server's (/usr/lib/postgresql/N/bin).
pg_bin() { command -v "$1" 2>/dev/null || ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1; }

# pg_require NAME TOOL…: exits with a clear error when a tool is missing (.ci/run installs them).
pg_require() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    [ -n "$(pg_bin "$tool")" ] || { echo "$name: $tool not found (install postgresql)" >&2; exit 2; }
  done
}

# pg_throwaway_dir: sets `dir` to a new temporary directory the server may own, and `as` to the
# command prefix that runs the server's tools as that owner (PostgreSQL refuses to run as root).
pg_throwaway_dir() {
  dir=$(mktemp -d)
  chmod 755 "$dir"
  as=()
  if [ "$(id -u)" = 0 ]; then
    local user
    user=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
    chown "$user" "$dir"
    as=(runuser -u "$user" --)
  fi
}
