# Switchboard: everyday tasks. `make test` works as root on a fresh Debian machine with only
# python3, pip and venv: it installs chromium, redis-server and postgresql with apt-get if missing.

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
RUNTIME    := $(VENV)/.runtime-installed
DEV        := $(VENV)/.dev-installed
FLASK      := $(BIN)/flask --app wsgi
PIP        := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar on
# `make run` reloads on code changes (Werkzeug's reloader; the debugger stays off, see config.py).
# `make run RELOAD=` serves without it. Production runs gunicorn (README), never `flask run`.
RELOAD     ?= --reload
# Parallel test workers (pytest-xdist; each has its own SQLite file or PostgreSQL database), and
# extra pytest arguments, e.g. `make test TEST_WORKERS=1 PYTEST_ARGS="-x tests/browser"`.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: venv dev-venv run test test-sqlite test-postgres test-deps vendor screenshots clean distclean bench-scale

# What running needs (requirements.txt, also pyproject.toml's dependencies); the test stack
# (Playwright, schemathesis, ...) only for the tests. Each reinstalls when its file changes.
venv: $(RUNTIME)
dev-venv: $(DEV)

$(VENV)/bin/python:
	@echo "== Creating the virtualenv in $(VENV) =="
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.txt | $(VENV)/bin/python
	@echo "== Installing what running needs (requirements.txt) =="
	$(PIP) -r requirements.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	@echo "== Installing the test stack (requirements-dev.txt) =="
	$(PIP) -r requirements-dev.txt
	touch $@

run: venv
	@echo "== Migrating the database and loading the demo tenant if it is new =="
	$(FLASK) db upgrade
	$(FLASK) demo-if-new
	@echo "== Serving http://127.0.0.1:5000 (Ctrl+C stops) =="
	$(FLASK) run --host 127.0.0.1 --port 5000 $(RELOAD)

# System packages the tests use: Debian's chromium (Playwright drives it; no browser download)
# and redis-server. PostgreSQL is installed by scripts/with-postgres.sh when needed.
test-deps:
	scripts/ensure-chromium.sh
	scripts/ensure-redis.sh

# Both databases must pass.
test: test-sqlite test-postgres

test-sqlite: dev-venv test-deps
	@echo "== pytest on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: dev-venv test-deps
	@echo "== pytest on PostgreSQL =="
	scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Issue 10's benchmark: 10,000 then 1,000,000 end users (2 tickets each) in a fresh database, the
# project next to bare Flask and Flask-Admin over the same rows, each figure against its goal.
# `make bench-scale DATABASE=postgresql` uses a throwaway server (scripts/with-postgres.sh).
DATABASE ?= sqlite
BENCH_ARGS ?=
bench-scale: dev-venv
	$(BIN)/python bench/scale.py --database $(DATABASE) $(BENCH_ARGS)

# Refresh static/vendor/ from the versions pinned in package.json (needs npm; commit the result).
vendor:
	scripts/vendor.sh

# Retake the README tour's screenshots (docs/*.jpg) from the demo data in Chromium (commit the result).
screenshots: dev-venv test-deps
	$(BIN)/python scripts/tour_screenshots.py

clean:
	rm -rf .pytest_cache test-artifacts node_modules
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# Also drops the virtualenv (instance/ with the development database and keys is kept).
distclean: clean
	rm -rf $(VENV)
