# Switchboard: everyday tasks. `make test` works as root on a fresh Debian machine with only
# python3, pip and venv: it installs chromium, redis-server and postgresql with apt-get if missing.

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.requirements-installed
FLASK      := $(BIN)/flask --app wsgi
# Parallel test workers (pytest-xdist; each has its own SQLite file or PostgreSQL database), and
# extra pytest arguments, e.g. `make test TEST_WORKERS=1 PYTEST_ARGS="-x tests/browser"`.
TEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: venv run test test-sqlite test-postgres test-deps vendor clean distclean

venv: $(STAMP)

# Reinstalls whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: venv
	$(FLASK) db upgrade
	$(FLASK) demo-if-new
	$(FLASK) run --host 127.0.0.1 --port 5000

# System packages the tests use: Debian's chromium (Playwright drives it; no browser download)
# and redis-server. PostgreSQL is installed by scripts/with-postgres.sh when needed.
test-deps:
	scripts/ensure-chromium.sh
	scripts/ensure-redis.sh

# Both databases must pass.
test: test-sqlite test-postgres

test-sqlite: venv test-deps
	@echo "== pytest on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: venv test-deps
	@echo "== pytest on PostgreSQL =="
	scripts/with-postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Refresh static/vendor/ from the versions pinned in package.json (needs npm; commit the result).
vendor:
	scripts/vendor.sh

clean:
	rm -rf .pytest_cache test-artifacts node_modules
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# Also drops the virtualenv (instance/ with the development database and keys is kept).
distclean: clean
	rm -rf $(VENV)
