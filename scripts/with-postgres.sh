#!/usr/bin/env bash
# with-postgres.sh CMD [ARG...]
#
# Start a throwaway PostgreSQL (own data directory, a free port on 127.0.0.1, trust auth,
# fsync off), export TEST_DATABASE_URL=postgresql+psycopg://app@127.0.0.1:PORT/app_test,
# run CMD, then stop the server and delete its data directory whatever happens.
# Exits with CMD's status. Installs Debian's postgresql first when no initdb is found.
#
# initdb and pg_ctl refuse to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

[ "$#" -gt 0 ] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "with-postgres.sh: $*" >&2; }

find_pgbin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

PGBIN="${PGBIN:-$(find_pgbin)}"
if [ -z "$PGBIN" ]; then
  "$HERE/apt-install.sh" postgresql
  PGBIN="$(find_pgbin)"
  [ -n "$PGBIN" ] || { log "initdb still missing after installing postgresql"; exit 1; }
fi

if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { log "running as root needs a 'postgres' user"; exit 1; }
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A short path under /tmp: the Unix socket lives in the data directory (path limit ~107 bytes).
DATA="$(mktemp -d /tmp/pgtest.XXXXXX)"
STARTED=""

cleanup() {
  if [ -n "$STARTED" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA/db" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" -ne 0 ] || chown postgres: "$DATA"
chmod 700 "$DATA"

as_pg "$PGBIN/initdb" -D "$DATA/db" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 \
  || { cat "$DATA/initdb.log" >&2; log "initdb failed"; exit 1; }

# The free port can be taken between asking and starting: try a few times.
for attempt in 1 2 3; do
  PORT="$(free_port)"
  if as_pg "$PGBIN/pg_ctl" -D "$DATA/db" -l "$DATA/server.log" -w -t 60 \
      -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
    STARTED=1
    break
  fi
  log "start on port $PORT failed (attempt $attempt)"
  tail -n 20 "$DATA/server.log" >&2 || true
done
[ -n "$STARTED" ] || { log "could not start PostgreSQL"; exit 1; }

"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U app app_test

export TEST_DATABASE_URL="postgresql+psycopg://app@127.0.0.1:$PORT/app_test"
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT; TEST_DATABASE_URL=$TEST_DATABASE_URL"

set +e
"$@"
status=$?
set -e
exit "$status"
