# Set-up and everyday commands. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint up bench bench-returns bench-pack bench-api bench-load venv venv-dev migrate format clean architecture-diagram docs-screenshots

## make demo: embedded mode (SQLite, tasks in-process) with demo data, on http://127.0.0.1:8000
# Emailed links, letters and the printed sign-ins use the address the demo really serves on.
DEMO_SITE_URL ?= http://$(HOST):$(PORT)

demo: venv
	@echo "==> Preparing the embedded database (var/db.sqlite3) and loading the demo: about two minutes the first time"
	@DEBUG=true $(BIN)/python manage.py migrate --no-input -v 0
	@DEBUG=true SITE_URL=$(DEMO_SITE_URL) $(BIN)/python manage.py seed_demo --no-sign-ins
	@echo "==> Serving on $(DEMO_SITE_URL)/ (Ctrl+C to stop); the sign-ins follow the server's start-up lines"
	@DEBUG=true SITE_URL=$(DEMO_SITE_URL) $(BIN)/python manage.py serve_demo $(HOST):$(PORT)

## make test: the whole suite on PostgreSQL, Redis, a Celery worker and Chromium (all set up here)
test:
	scripts/test.sh

## make lint: ruff (lint and formatting), import-linter (dependencies point one way) and mypy (types)
lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/mypy

## make up: production-like (gunicorn, Celery worker and beat) against DATABASE_URL and CELERY_BROKER_URL
up: venv
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (e.g. postgres://user@127.0.0.1:5432/homecare)"; exit 2; }
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	@test -n "$$SECRET_KEY" || { echo "Set SECRET_KEY to a long random value"; exit 2; }
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input -v 0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

## make bench: every benchmark at 1x, 4x and 16x a 50-contract council, each beside a floor doing the
## same work; writes bench/report.md and bench/report.json; fails if a figure differs from its floor's
bench:
	scripts/bench.sh all

## make bench-returns: a 50,000-episode return validated and accepted end to end; rows/s and memory
bench-returns:
	scripts/bench.sh returns

## make bench-pack: one contract's quarterly review pack (figures frozen, PDF rendered); aim under 5 s
bench-pack:
	scripts/bench.sh pack

## make bench-load: month-end (50 API uploads of 2,000 rows, 20 commissioners browsing), then with the worker killed midway
bench-load:
	scripts/bench_load.sh

## make bench-api: a BI tool exporting every latest result through the API; rows/s against a SQL floor
bench-api:
	scripts/bench.sh api

## make docs-screenshots: load a fresh demo, serve it, and take the guides' screenshots into
## docs/guides/images/ in Chromium; fails if any page shown has an error or an accessibility violation
docs-screenshots: venv-dev
	scripts/docs_screenshots.sh

## make architecture-diagram: draw docs/architecture.svg, and its tables in docs/architecture.md, from the code
architecture-diagram: venv
	$(BIN)/python scripts/architecture_diagram.py

format: venv-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
