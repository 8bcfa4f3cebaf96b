#!/usr/bin/env bash
# Run the whole test suite against real services: a throwaway PostgreSQL cluster, Redis server and
# ClamAV daemon (started here, stopped on exit), a real Celery worker, and Debian's Chromium.
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
command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || missing+=(clamav-daemon)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
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

# The Nu HTML Checker, pinned and checked against its integrity, fetched once into .cache/vnu/.
VNU_JAR="$(.venv/bin/python scripts/fetch_vnu.py)"
export VNU_JAR

# --- 3. Services: throwaway PostgreSQL and Redis on free ports, ClamAV on its own socket --------
# shellcheck source=scripts/services.sh
. scripts/services.sh
start_services
start_virus_scanner

# --- 4. The suite ---------------------------------------------------------------------------
export DATABASE_URL="$TEST_DATABASE_URL"
export CELERY_BROKER_URL="$TEST_BROKER_URL"
export CLAMAV_URL="$TEST_CLAMAV_URL"
export DEBUG=false
export SECRET_KEY="test-only-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export ALLOWED_HOSTS="localhost,127.0.0.1,testserver"
export SITE_URL="http://testserver"
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
export REQUIRE_SERVICES=1
# One test process more than there are cores (pytest-xdist), each with its own database and Redis
# databases (tests/conftest.py): a test spends part of its time waiting on PostgreSQL, Redis or
# Chromium, and the extra process fills those waits. TEST_WORKERS=1 runs them one after another.
# Work stealing keeps every process busy to the end; the longest files start first (conftest.py).
# (At most 7: each process takes two of the throwaway Redis server's 16 databases.)
workers=$(( $(nproc) + 1 )); [ "$workers" -le 7 ] || workers=7
say "Running the test suite"
.venv/bin/python -m pytest -n "${TEST_WORKERS:-$workers}" --dist worksteal "$@"
