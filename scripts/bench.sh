#!/usr/bin/env bash
# Run a benchmark script against a throwaway PostgreSQL (scripts/services.sh): scripts/bench.sh returns
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory venv
. scripts/services.sh
start_services
export DATABASE_URL="$TEST_DATABASE_URL" CELERY_BROKER_URL="$TEST_BROKER_URL" DEBUG=true
export CELERY_TASK_ALWAYS_EAGER=1
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python "scripts/bench_$1.py"
