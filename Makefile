# Ostoja — the two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8000
PYTEST_ARGS ?= -n 2
# Redis for the RQ pass of the background-work tests (database 1; skipped if absent, unless CI).
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
CONSTRAINTS := requirements/constraints.txt

.PHONY: help run test test-rq install install-dev serve worker migrate demo messages lint lock bench totp clean

help:
	@echo "make run    install, migrate, load demo data, start the worker and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install dev tools, lint, check migrations and translations, run all tests"
	@echo "            (then the background-work tests again on RQ over Redis: make test-rq)"
	@echo "make messages  extract UI strings into the .po files and compile them"
	@echo "make bench  run the benchmarks in bench/ (see docs/benchmarks.md)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py matching_warmup

demo: migrate
	@test -f var/keys/bank-signing-ed25519.pem || $(PY) manage.py banks_keygen
	SITE_URL=http://127.0.0.1:$(PORT) $(PY) manage.py seed_demo $(DEMO_ARGS)

# The background processes log to var/log/ so that the demo logins are the last thing printed
# before the server's own banner.
run: DEMO_ARGS = --quiet-logins
run: demo
	@mkdir -p var/log
	@$(PY) manage.py db_worker --queue-name '*' --interval 2 --no-reload >>var/log/worker.log 2>&1 & WORKER=$$!; \
	$(PY) manage.py outbox_deliver --loop >>var/log/outbox.log 2>&1 & OUTBOX=$$!; \
	$(PY) manage.py takedown_sweep --loop >>var/log/sweep.log 2>&1 & SWEEP=$$!; \
	$(PY) manage.py run_scheduler >>var/log/scheduler.log 2>&1 & SCHEDULER=$$!; \
	trap "kill $$WORKER $$OUTBOX $$SWEEP $$SCHEDULER 2>/dev/null" EXIT INT TERM; \
	echo ""; \
	echo "Ostoja is starting on http://127.0.0.1:$(PORT)/  (English: http://127.0.0.1:$(PORT)/en/) — Ctrl+C stops it."; \
	echo "Background worker, outbox, takedown sweep and scheduler log to var/log/."; \
	SITE_URL=http://127.0.0.1:$(PORT) $(PY) manage.py seed_demo --logins-only; \
	echo ""; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: install
	$(PY) manage.py db_worker --queue-name '*'

test: install-dev
	$(PY) -m ruff check src tests bench
	DJANGO_SETTINGS_MODULE=ostoja.config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=ostoja.config.settings.test $(PY) manage.py i18n check
	$(PY) -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-rq

# The background-work tests (outbox, takedown sweep, scheduler, imports) again, with the task
# backend switched to RQ on Redis and an rq worker running the queue (tests/background.py).
test-rq: install-dev
	OSTOJA_TASK_BACKEND=rq REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -n 0 -m background

lint: install-dev
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench

messages: install
	DJANGO_SETTINGS_MODULE=ostoja.config.settings.test $(PY) manage.py i18n update
	DJANGO_SETTINGS_MODULE=ostoja.config.settings.test $(PY) manage.py i18n check

totp: install
	@$(PY) manage.py demo_totp $(EMAIL)

bench: install-dev
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[dev,bench]"
	$(PY) bench/match_bench.py --quick
	@echo ""
	@echo "That was the quick matching run (100k hashes). Full runs, as in docs/benchmarks.md:"
	@echo "  $(PY) bench/match_bench.py --sizes 1000000,10000000 --queries 20"
	@echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/ostoja_bench $(PY) bench/hotline_intake_bench.py --help"
	@ls bench/*_bench.py

# Regenerate the constraints (lock) file from the current environment.
lock:
	$(PIP) list --format=freeze --exclude-editable --exclude pip --exclude setuptools > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
