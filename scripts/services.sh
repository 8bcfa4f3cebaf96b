#!/usr/bin/env bash
# Sourced by scripts/test.sh and the benchmarks: start a throwaway PostgreSQL cluster and Redis
# server on free ports (stopped and deleted on exit), unless TEST_DATABASE_URL / TEST_BROKER_URL
# name services to use instead. Sets TEST_DATABASE_URL and TEST_BROKER_URL. start_virus_scanner
# (after start_services) adds a throwaway ClamAV daemon, unless TEST_CLAMAV_URL names one, and sets it.

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

start_services() {
  free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/homecare-test.XXXXXX")
  chmod 755 "$workdir"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" -eq 0 ] && chown postgres "$workdir"

  cleanup() {
    [ -f "$workdir/clamd.pid" ] && kill "$(cat "$workdir/clamd.pid")" >/dev/null 2>&1 || true
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
}

# The EICAR anti-virus test string (a harmless file every scanner is meant to report) is the one
# signature the throwaway daemon knows. Production's daemon loads ClamAV's full database, kept up to
# date by freshclam, which needs the internet (docs/operations.md).
# (Written in two halves so that this script is not itself reported by a scanner.)
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$''EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

start_virus_scanner() {
  if [ -n "${TEST_CLAMAV_URL:-}" ]; then return; fi
  clamd_bin=$(command -v clamd || echo /usr/sbin/clamd)
  mkdir -p "$workdir/clamav-db"
  # A body signature (.ndb): any kind of file (target 0) holding the EICAR string anywhere (offset *).
  printf 'Homecare.Test.EICAR:0:*:%s\n' "$(printf '%s' "$EICAR" | od -An -tx1 | tr -d ' \n')" \
    >"$workdir/clamav-db/homecare-test.ndb"
  cat >"$workdir/clamd.conf" <<EOF
LocalSocket $workdir/clamd.sock
DatabaseDirectory $workdir/clamav-db
PidFile $workdir/clamd.pid
LogFile $workdir/clamd.log
TemporaryDirectory $workdir
Foreground false
StreamMaxLength 32M
EOF
  say "Starting ClamAV's daemon ($("$clamd_bin" --version | cut -d/ -f1)) with the EICAR test signature"
  "$clamd_bin" -c "$workdir/clamd.conf" || { cat "$workdir/clamd.log" >&2; exit 1; }
  for _ in $(seq 100); do [ -S "$workdir/clamd.sock" ] && break; sleep 0.1; done
  [ -S "$workdir/clamd.sock" ] || { echo "ClamAV's daemon did not start:" >&2; cat "$workdir/clamd.log" >&2; exit 1; }
  TEST_CLAMAV_URL="unix://$workdir/clamd.sock"
}
