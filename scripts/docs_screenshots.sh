#!/usr/bin/env bash
# make docs-screenshots: load a fresh demo into a scratch SQLite database, serve it, and take the
# guides' screenshots into docs/guides/images/ (scripts/guide_shots.py says which and how each is
# checked). Fails, naming the page, if any has an error, answers other than 200, or has an
# accessibility violation. Needs Chromium (scripts/test.sh installs it when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/guides/images}"
command -v chromium >/dev/null 2>&1 || { echo "Chromium is needed: sudo apt-get install chromium" >&2; exit 2; }
scratch="$(mktemp -d)"
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT
export DEBUG=true DATABASE_URL="sqlite:///$scratch/db.sqlite3" MEDIA_ROOT="$scratch/media"
export SITE_URL="http://127.0.0.1:$port" CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
unset CELERY_BROKER_URL
echo "==> Loading the demo (about two minutes)"
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py seed_demo >"$scratch/seed.txt"
.venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload >"$scratch/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
  curl -fs -o /dev/null "$SITE_URL/account/sign-in/" && break
  sleep 0.2
done
echo "==> Taking the screenshots into $out"
.venv/bin/python scripts/docs_screenshots.py "$SITE_URL" "$out" || { tail -20 "$scratch/server.log" >&2; exit 1; }
