#!/usr/bin/env bash
# Install (Debian packages) and start a throwaway PostgreSQL 15 on loopback.
# Prints the DATABASE_URL to use on stdout. Idempotent: reuses a running server.
set -euo pipefail

PGPORT="${PGPORT:-55432}"
PGROOT="${PGROOT:-/tmp/handoff-pg}"
PGBIN="/usr/lib/postgresql/15/bin"

if [ ! -x "$PGBIN/postgres" ]; then
    echo "installing postgresql-15 from Debian packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql-15 >&2
fi

if ! id postgres >/dev/null 2>&1; then
    useradd --system --home "$PGROOT" postgres
fi

as_postgres() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$PGROOT"
chown postgres "$PGROOT" 2>/dev/null || true
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
    as_postgres "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 >&2
fi
if ! as_postgres "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
    as_postgres "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w \
        -o "-h 127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >&2
fi
for name in handoff_test handoff_test_clock handoff_bench; do
    as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
        || as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$name"
done
echo "postgresql://postgres@127.0.0.1:$PGPORT/handoff_test"
