# 工会办公管理系统: the two commands a new engineer needs are `make run` and `make test`.
# Both build everything they need first (Python 3.12 venv, npm assets, Debian packages).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# .python-version pins 3.12 for pyenv; elsewhere use whatever python3.12+ is on the PATH.
PYTHON ?= $(shell for p in python3 python3.12 python3.13; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the links in emails and the demo's login table point.
SITE_URL ?= http://$(HOST):$(PORT)
# The benchmark's own database (created on the first `make bench`, filled with 100,000 synthetic members).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/union_bench
# The two-node rehearsal's database (created on the first `make scale`, with the demo data).
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/union_scale

.PHONY: run port-free test setup lock lint format check-deploy messages bench load faults scale clean hooks

# HOST and PORT say where `make run` serves (make run PORT=8001; HOST=0.0.0.0 for the whole network).
# The port is checked first, before the migrations and the demo loaders.
run: port-free setup  ## the app with demo data on SQLite at http://$(HOST):$(PORT)
	$(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_finance
	$(PY) manage.py seed_demo_activities
	$(PY) manage.py seed_demo_congress
	$(PY) manage.py seed_demo_welfare
	$(PY) manage.py seed_demo_plan
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

port-free:
	@$(or $(PYTHON),python3) scripts/check-port $(HOST) $(PORT)

test: setup  ## the whole test suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	./scripts/install-system-packages --with-browser
	$(PY) -m pytest

setup: $(VENV)/.installed node_modules/.installed
	./scripts/install-system-packages

# Installed from the lock files: every package, direct or not, at one version and checked by hash.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (pyenv install 3.12)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	touch $@

# After adding or changing a pin in requirements.txt or requirements-dev.txt: regenerate both lock
# files (uv keeps every other package at its locked version). The dev lock is constrained by the
# runtime one, so the image and the developers run the same versions.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.12
lock:  ## regenerate requirements.lock and requirements-dev.lock from requirements*.txt
	test -x $(VENV)/bin/uv || $(PY) -m pip install -q uv==0.13.8
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

hooks:  ## refuse commit subjects over 72 characters in this clone (.githooks/commit-msg)
	git config core.hooksPath .githooks

lint: setup  ## ruff and mypy (the kernel, services and selectors; pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: setup  ## the production settings pass Django's deployment checks
	DJANGO_ENV=production DJANGO_SECRET_KEY=$$(openssl rand -hex 40) FIELD_ENCRYPTION_KEY=$$(openssl rand -hex 32) \
		DJANGO_ALLOWED_HOSTS=union.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

messages: setup  ## refresh the translation catalogues after changing strings
	$(PY) manage.py makemessages -l en -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

faults: setup  ## PostgreSQL restarted under load (own cluster on port 5441, needs root); see bench/faults.py
	$(PY) bench/faults.py

bench: setup  ## issue 3 benchmark (load, import, export) on PostgreSQL; needs wrk; see bench/README.md
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run_all.py

load: setup  ## mixed load test (issue 9): the user stories at 5 req/s, a stress ladder, each page alone; ~20 min
	mkdir -p var/load
	set -o pipefail; BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load_mixed.py | tee var/load/report.md

scale: setup  ## two-node rehearsal (issue 23): two nodes, two workers, two beats, an S3 server; docs/scale.md
	SCALE_DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) bench/scale.py

clean:
	rm -rf $(VENV) node_modules var test-artifacts
