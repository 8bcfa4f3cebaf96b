#!/usr/bin/env bash
# Run the whole test suite against real services: a throwaway PostgreSQL cluster and Redis
# server (started here, stopped on exit), a real Celery worker, and Debian's Chromium.
# Installs what is missing when run as root; otherwise prints the exact command to run.
# Arguments are passed to pytest, e.g. scripts/test.sh tests/accounts -x
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- 1. System packages -----------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fc-list 2>/dev/null | grep -qi "Liberation Sans" || missing+=(fonts-liberation2)
if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    say "Installing system packages: ${missing[*]}"
    sh -c "$cmd"
  else
    echo "The test suite needs these system packages: ${missing[*]}" >&2
    echo "Install them with:  sudo sh -c '$cmd'" >&2
    exit 1
  fi
fi

# --- 2. Python environment ----------------------------------------------------------------
make --no-print-directory venv-dev

# --- 3. Services: throwaway PostgreSQL and Redis on free ports ------------------------------
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
workdir=$(mktemp -d "${TMPDIR:-/tmp}/homecare-test.XXXXXX")
chmod 755 "$workdir"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$workdir"

cleanup() {
  as_pg "$pgbin/pg_ctl" -D "$workdir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_port=$(free_port)
  say "Starting PostgreSQL ($(basename "$(dirname "$pgbin")")) on port $pg_port"
  as_pg "$pgbin/initdb" -D "$workdir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
    || { cat "$workdir/initdb.log" >&2; exit 1; }
  as_pg "$pgbin/pg_ctl" -D "$workdir/pg" -l "$workdir/pg.log" -w start \
    -o "-p $pg_port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$workdir/pg.log" >&2; exit 1; }
  TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/homecare"
  "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "create database homecare" postgres
fi
if [ -z "${TEST_BROKER_URL:-}" ]; then
  redis_port=$(free_port)
  say "Starting Redis on port $redis_port"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$workdir" \
    --daemonize yes --logfile "$workdir/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  TEST_BROKER_URL="redis://127.0.0.1:$redis_port/0"
fi

# --- 4. The suite ---------------------------------------------------------------------------
export DATABASE_URL="$TEST_DATABASE_URL"
export CELERY_BROKER_URL="$TEST_BROKER_URL"
export DEBUG=false
export SECRET_KEY="test-only-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export SITE_URL="http://testserver"
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
export REQUIRE_SERVICES=1
say "Running the test suite"
.venv/bin/python -m pytest "$@"
