#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS cluster for the store tests (Debian's PostgreSQL 15 and
# postgresql-15-postgis-3), in a temporary folder, listening on 127.0.0.1 at a random free port and
# on a Unix socket in that folder. Run as root, the server runs as the `postgres` user (initdb
# refuses root).
#
#   eval "$(scripts/pg_test_cluster.sh start)"    # prints the export lines below
#   python -m pytest -q tests/store               # uses $FORCEWATCH_TEST_POSTGIS
#   scripts/pg_test_cluster.sh stop "$FORCEWATCH_TEST_PGDIR"
#
# `start` prints, on stdout and nothing else:
#   export FORCEWATCH_TEST_POSTGIS=postgresql://postgres@127.0.0.1:PORT/postgres
#   export FORCEWATCH_TEST_PGDIR=/tmp/fw-pg.XXXXXX
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARKER=.forcewatch-test-cluster

die() {
  echo "pg_test_cluster.sh: $*" >&2
  exit 1
}

as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  [ -x "$PGBIN/initdb" ] || die "no PostgreSQL at $PGBIN. Fix: apt-get install postgresql (or set PGBIN)."
  local control
  control="$("$PGBIN/pg_config" --sharedir)/extension/postgis.control"
  [ -f "$control" ] || die "PostGIS is not installed ($control missing). Fix: apt-get install postgresql-15-postgis-3."
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' user to run the server as. Fix: apt-get install postgresql."
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/fw-pg.XXXXXX")
  touch "$dir/$MARKER"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  as_server_user "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed in $dir"; }
  local port tries=0
  while :; do
    port=$(free_port)
    # -F: no fsync (a throw-away cluster); a small footprint on a shared machine
    if as_server_user "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
      "-F -p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=60 -c shared_buffers=32MB" \
      start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 3 ] || { cat "$dir/server.log" >&2; die "the server did not start (log above, folder $dir)"; }
  done
  echo "export FORCEWATCH_TEST_POSTGIS=postgresql://postgres@127.0.0.1:$port/postgres"
  echo "export FORCEWATCH_TEST_PGDIR=$dir"
}

stop() {
  local dir=${1:-${FORCEWATCH_TEST_PGDIR:-}}
  [ -n "$dir" ] || die "which cluster? Fix: pass its folder (FORCEWATCH_TEST_PGDIR from \`start\`)."
  [ -f "$dir/$MARKER" ] || die "$dir is not a cluster made by this script (no $MARKER); left alone."
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server_user "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: $0 start | stop [DIR]" ;;
esac
