#!/bin/bash
# entrypoint.sh: start PostgreSQL in the foreground as PID 1, initialising PGDATA on first start
# from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (the official postgres image's variables).
# Password authentication (SCRAM) from the network; trust only on the container's unix socket.
set -euo pipefail
log() { printf 'clrelu-postgres: %s\n' "$*" >&2; }

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA

if [ "${1:-postgres}" != postgres ]; then
  exec "$@"   # any other command (psql, pg_dump, bash) runs as given
fi
shift || true

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    log "PGDATA ($PGDATA) is empty and POSTGRES_PASSWORD is not set: refusing to create a database without a password"
    exit 1
  fi
  log "initialising $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
         --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf '%s\n' '# clrelu-postgres: every address, with a password (SCRAM)' \
         'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
  # The database, created by a server listening on the unix socket only (not yet "ready").
  pg_ctl --silent --wait --options="-c listen_addresses=''" start
  if [ "$POSTGRES_DB" != postgres ]; then
    psql --quiet --no-psqlrc --set ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname=postgres \
         --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  pg_ctl --silent --wait --mode=fast stop
  log "initialised"
fi

exec postgres -c listen_addresses='*' -c jit=off "$@"
