#!/usr/bin/env bash
# Run a benchmark script against a throwaway PostgreSQL (scripts/services.sh): scripts/bench.sh returns
# `scripts/bench.sh all` runs every benchmark at three sizes (scripts/benchmark/run.py, `make bench`).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory venv
. scripts/services.sh
start_services
if [ "$1" = all ]; then
  # Each size gets a database of its own on this server, with production settings (scripts/benchmark/run.py).
  DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python scripts/benchmark/run.py
  exit
fi
export DATABASE_URL="$TEST_DATABASE_URL" CELERY_BROKER_URL="$TEST_BROKER_URL" DEBUG=true
# Nothing reads CELERY_TASK_ALWAYS_EAGER: tasks run in-process when CELERY_BROKER_URL is unset
# (config/environment.py, CONFIG.tasks_in_process). A benchmark that counts its tasks' time (returns)
# unsets it for itself; the others keep a broker that no worker reads, as before.
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python "scripts/bench_$1.py"
