# `make run` sets everything up and starts the app; `make test` sets up and runs every check.
# Both are idempotent: stamps under .make/ skip installs whose inputs have not changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
BACKEND_PORT ?= 8000

.PHONY: run run-prod migrate bench bench-streams bench-conversations run-backend test test-backend lint-backend test-web \
	system-deps clean

# The backend on :8000 and a production build of the web client on :3000; Ctrl-C stops both.
run: $(STAMPS)/python-runtime $(STAMPS)/node
	BACKEND_PORT=$(BACKEND_PORT) PYTHON=$(PY) scripts/run-app.sh

# The backend alone, as `cd backend && uvicorn main:app --port 8000` would serve it.
run-backend: $(STAMPS)/python-runtime
	cd backend && ../$(PY) -m uvicorn main:app --host 127.0.0.1 --port $(BACKEND_PORT)

# Bring the conversation database (DATABASE_URL) up to date; the service also does it at start-up.
migrate: $(STAMPS)/python-runtime
	cd backend && ../$(PY) -m lib.db.migrate

# Production: gunicorn with uvicorn workers (backend/gunicorn.conf.py, docs/deploy.md).
run-prod: $(STAMPS)/python-runtime
	cd backend && BIND=$${BIND:-127.0.0.1:$(BACKEND_PORT)} ../$(VENV)/bin/gunicorn -c gunicorn.conf.py

# Load figures of docs/performance.md: throughput, then 1,000 slow streams on 1 and 2 workers.
bench: $(STAMPS)/python-dev
	$(PY) bench/turn_stream.py

bench-streams: $(STAMPS)/python-dev
	$(PY) bench/many_streams.py --interval 50 100 --direct
	$(PY) bench/many_streams.py --interval 50 100 --workers 2

# Conversations kept on the server (turns on SQLite and PostgreSQL, list and search), then runs
# (1,000 at once, and Redis fan-out). PostgreSQL and redis-server as for make test.
bench-conversations: $(STAMPS)/python-dev system-deps
	$(PY) bench/conversations.py
	$(PY) bench/many_runs.py

test: system-deps lint-backend test-backend test-web

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMPS)/python-runtime: backend/requirements.txt | $(PY)
	$(PY) -m pip install -q -r backend/requirements.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/python-dev: backend/requirements.txt backend/requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r backend/requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/python-runtime

# Playwright is told never to fetch a browser: the tests drive Debian's chromium.
$(STAMPS)/node: package.json package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@mkdir -p $(STAMPS) && touch $@

# redis-server and chromium come from Debian's packages; installed only when missing.
system-deps:
	@scripts/ensure-system-packages.sh

# bench/ is checked with the backend's settings: it imports the backend's test servers.
lint-backend: $(STAMPS)/python-dev
	cd backend && ../$(VENV)/bin/ruff check . ../bench
	cd backend && ../$(VENV)/bin/ruff format --check . ../bench
	cd backend && ../$(VENV)/bin/mypy . ../bench

test-backend: $(STAMPS)/python-dev
	cd backend && ../$(PY) -m pytest

# The end-to-end run starts its own fakes, backend and client build (playwright.config.ts),
# once with the client proxying /api to the backend and once calling it cross-origin.
test-web: $(STAMPS)/node $(STAMPS)/python-dev
	npm run lint
	npm run typecheck
	npm run test:unit
	npm run test:e2e
	npm run test:e2e:cross-origin

clean:
	rm -rf $(STAMPS) $(VENV) node_modules .next .next-e2e
