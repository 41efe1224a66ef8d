# The two commands a newcomer needs: `make run` (server and background worker) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_VERSION := 25.3
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint typecheck pytest lock migrations demo clean messages

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet -c requirements.lock -e . --group dev
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	mkdir -p var
	DEBUG=true $(PY) -m medtek migrate --no-input
	DEBUG=true $(PY) -m medtek demo --if-empty
	@echo ""
	@echo "medtek runs on http://$(HOST):$(PORT)/ — log in with a user name above."
	@echo "The background worker (large imports) runs beside it and stops with it."
	DEBUG=true $(PY) -m medtek db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(PY) -m medtek runserver $(HOST):$(PORT)

# Tests run with a throw-away key; DATABASE_URL (if set) selects PostgreSQL.
TEST_ENV := SECRET_KEY=test-only-$(shell echo medtek-test-key-not-for-production) ALLOWED_HOSTS=testserver,localhost,127.0.0.1

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(TEST_ENV) $(VENV)/bin/mypy medtek

migrations: install
	mkdir -p var
	$(TEST_ENV) $(PY) -m medtek makemigrations --check --dry-run

# The suite runs on every core (at most 4 workers; PYTEST_WORKERS=-n0 runs it in one process).
PYTEST_WORKERS ?= -n auto --maxprocesses=4
pytest: install
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck migrations pytest

# Re-resolve the pinned versions after changing pyproject.toml.
lock:
	rm -rf /tmp/medtek-lock && python3 -m venv /tmp/medtek-lock
	/tmp/medtek-lock/bin/pip install --quiet pip==$(PIP_VERSION)
	/tmp/medtek-lock/bin/pip install --quiet -e . --group dev
	/tmp/medtek-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

messages: install
	DEBUG=true $(PY) -m medtek makemessages -l sv -l en --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'benchmarks/*'
	DEBUG=true $(PY) -m medtek compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/medtek.sqlite3
