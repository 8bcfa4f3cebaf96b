#!/usr/bin/env bash
# Smoke run of the embedded default, as `make demo` uses it: SQLite, tasks in-process, demo data.
# Migrates and seeds a scratch SQLite database, serves it with runserver, and checks that each
# demo role can sign in and open its main pages.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory venv
scratch=$(mktemp -d "${TMPDIR:-/tmp}/homecare-smoke.XXXXXX")
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$scratch"' EXIT
unset DATABASE_URL CELERY_BROKER_URL SECRET_KEY ALLOWED_HOSTS SITE_URL CLAMAV_URL
export DEBUG=true
# The embedded default, but in a scratch file so a developer's demo database is left alone.
export DATABASE_URL="sqlite:///$scratch/smoke.sqlite3"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "==> Embedded smoke run: migrate, seed (twice: it must be idempotent), serve, sign in as every role"
.venv/bin/python manage.py migrate --no-input -v 0
# What the demo holds, counted after each load: loading again must duplicate nothing.
shape='from django.apps import apps; print(sorted((m._meta.label, m.objects.count()) for m in apps.get_models() if m._meta.app_label in ("accounts", "providers", "commissioning", "outcomes") and m._meta.label not in ("accounts.Job", "accounts.JobStep", "accounts.AuditEntry")))'
.venv/bin/python manage.py seed_demo >"$scratch/seed-first.txt"
.venv/bin/python manage.py shell -c "$shape" >"$scratch/shape-first.txt"
.venv/bin/python manage.py seed_demo >"$scratch/seed.txt"
.venv/bin/python manage.py shell -c "$shape" >"$scratch/shape-again.txt"
diff "$scratch/shape-first.txt" "$scratch/shape-again.txt" >&2 || { echo "loading the demo again changed what it holds" >&2; exit 1; }
grep -q "every demo password is" "$scratch/seed.txt"
.venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload >"$scratch/server.log" 2>&1 &
server_pid=$!
.venv/bin/python scripts/smoke_pages.py "http://127.0.0.1:$port" "$scratch/seed.txt" "$scratch/seed-first.txt" || { cat "$scratch/server.log" >&2; exit 1; }
grep -q "tasks run in-process" "$scratch/server.log" || { echo "start-up log does not say tasks run in-process" >&2; exit 1; }
grep -q "kept without a virus scan" "$scratch/server.log" || { echo "start-up log does not say files are not scanned" >&2; exit 1; }
echo "==> Embedded smoke run passed"
