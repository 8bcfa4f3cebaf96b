#!/usr/bin/env bash
# make bench-load: month-end against a production-like set-up, on loopback only, bounded in time.
#
# A throwaway PostgreSQL and Redis (scripts/services.sh), gunicorn with 3 workers, one Celery worker
# (2 processes) and beat, DEBUG off. Locust (in its own environment, var/bench-load-venv) plays 50
# providers' systems each uploading a 2,000-row return through the API while 20 commissioners browse.
# Two runs: steady, then with the Celery worker killed (SIGKILL) midway and started again. Figures go
# to docs/performance.md; the run fails if any request errs or any upload is left unchecked.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

make --no-print-directory venv
LOCUST_VENV=var/bench-load-venv
if [ ! -x "$LOCUST_VENV/bin/locust" ] || ! cmp -s scripts/bench_load_requirements.txt "$LOCUST_VENV/.requirements"; then
  say "Installing the load generator in $LOCUST_VENV"
  python3 -m venv "$LOCUST_VENV"
  "$LOCUST_VENV/bin/pip" install -q --disable-pip-version-check -r scripts/bench_load_requirements.txt
  cp scripts/bench_load_requirements.txt "$LOCUST_VENV/.requirements"
fi

. scripts/services.sh
start_services
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
folder="$workdir/load"
mkdir -p "$folder" "$workdir/media"
export DATABASE_URL="$TEST_DATABASE_URL" CELERY_BROKER_URL="$TEST_BROKER_URL" CACHE_URL="${TEST_BROKER_URL%/0}/1"
export DEBUG=false SECRET_KEY="bench-load-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SITE_URL="http://127.0.0.1:$port" ALLOWED_HOSTS=127.0.0.1 MEDIA_ROOT="$workdir/media" STATIC_ROOT="$workdir/static" LOG_LEVEL=WARNING
# Lost work is handed out again after 30 s here (10 minutes in production), so the restart run ends in minutes.
export JOBS_SWEEP_SECONDS=5 JOBS_REQUEUE_AFTER_SECONDS=30
export API_SUBMIT_RATE=600/minute
RUN_SECONDS=${BENCH_LOAD_SECONDS:-90}

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py collectstatic --no-input -v 0

pids=()
stop_all() { for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
trap 'stop_all; cleanup' EXIT
start_worker() {
  setsid .venv/bin/celery -A config worker --queues validation,compliance,documents,email,default --concurrency 2 \
    --loglevel WARNING >>"$folder/worker.log" 2>&1 &
  worker_pid=$!
  pids+=("$worker_pid")
}

for run in steady restart; do
  say "Run '$run': setting up 50 providers and 20 commissioners"
  .venv/bin/python scripts/bench_load_setup.py "$run" "$folder"
  setsid .venv/bin/gunicorn --config config/gunicorn.conf.py config.wsgi --bind "127.0.0.1:$port" --workers 3 --log-level warning \
    >>"$folder/web.log" 2>&1 &
  pids+=("$!")
  setsid .venv/bin/celery -A config beat --loglevel WARNING --schedule "$folder/beat-$run" >>"$folder/beat.log" 2>&1 &
  pids+=("$!")
  start_worker
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/" >/dev/null && break; sleep 0.2; done

  say "Run '$run': $RUN_SECONDS s of month-end"
  BENCH_LOAD_PLAN="$folder/$run.json" "$LOCUST_VENV/bin/locust" -f scripts/bench_load_locustfile.py \
    --headless --host "http://127.0.0.1:$port" -u 70 -r 70 --run-time "${RUN_SECONDS}s" \
    --csv "$folder/$run" --only-summary --loglevel WARNING >"$folder/locust-$run.log" 2>&1 &
  locust_pid=$!
  if [ "$run" = restart ]; then
    sleep 8
    kill -KILL -- "-$worker_pid"
    killed_at=$(date +%s)
    sleep 5
    start_worker
    echo "The Celery worker was killed (SIGKILL, every process) 8 s into the run, while it was checking uploads, and started again 5 s later." >"$folder/${run}_restart.txt"
    say "Run '$run': worker killed at +8 s and started again at +13 s"
  fi
  wait "$locust_pid" || true
  say "Run '$run': waiting for the checks still running, then the figures"
  title="Month-end, steady"
  [ "$run" = restart ] && title="Month-end, with the worker killed and restarted midway"
  .venv/bin/python scripts/bench_load_report.py "$run" "$folder" "$title" || status=$?
  stop_all
  [ "${status:-0}" -eq 0 ] || { echo "Run '$run' had errors or unchecked uploads: see above." >&2; exit 1; }
done
say "Figures written to docs/performance.md"
