#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: started as the postgres user on a free
# loopback port with its own socket folder, exported as LOYALTY_TEST_POSTGRES_URL, removed afterwards.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
run_as=()
if [ "$(id -u)" = 0 ]; then run_as=(runuser -u postgres --); fi
dir=$(mktemp -d /tmp/loyalty-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
# Tests trade durability for speed (fsync off); benchmarks run as production would (LOYALTY_PG_DURABLE=1).
durability="-c fsync=off -c synchronous_commit=off"
[ "${LOYALTY_PG_DURABLE:-0}" = 1 ] && durability="-c fsync=on -c synchronous_commit=on"
"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=300 -c shared_buffers=256MB" \
  start >/dev/null
export LOYALTY_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
export LOYALTY_TEST_PGBIN="$bin"
"$@"
