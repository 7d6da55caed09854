# Every target installs what it needs first, so each works on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-port test lint typecheck imports unit contract integration browser web webtest chromium bench bench-reads emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The console: npm packages, API types generated from the OpenAPI document, a Vite build
# into the Python package's static directory (served at /).
WEB_STAMP := web/node_modules/.installed

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

web: install $(WEB_STAMP)
	$(BIN)/drs-orchestrator openapi -o build/openapi.json
	cd web && npx --no-install openapi-typescript ../build/openapi.json -o src/api/schema.d.ts --silent
	cd web && npm run --silent build

webtest: web
	cd web && npx --no-install vitest run

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

browser: web chromium
	$(BIN)/pytest -q tests/integration/web

# make demo PORT=8081 HOST=0.0.0.0: the port is checked before the console is rebuilt.
HOST ?= 127.0.0.1
PORT ?= 8080

demo-port: install
	@$(BIN)/python -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	  sys.exit(0) if not s.bind(('$(HOST)', $(PORT))) else None" 2>/dev/null || { \
	  echo "Port $(PORT) on $(HOST) is in use: stop what listens there, or run make demo PORT=8081"; exit 2; }

demo: demo-port web
	$(BIN)/drs-orchestrator serve --demo --host $(HOST) --port $(PORT)

emulator: install
	$(BIN)/drs-orchestrator emulator --scenario demo --speed 20

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

unit: install
	$(BIN)/pytest -q tests/unit

contract: install
	$(BIN)/pytest -q tests/contract

integration: install
	$(BIN)/pytest -q tests/integration

test: lint typecheck imports webtest chromium
	$(BIN)/pytest -q

bench: install web chromium
	$(BIN)/python bench/bench_emulator.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bundle_sizes.py
	$(BIN)/python bench/bench_console.py
	$(BIN)/python bench/bench_reads.py
	$(BIN)/python bench/bench_launch_settings.py

# Execution reads (GET, list, live events), SQLite and PostgreSQL: ~5 minutes; ARGS=--quick
bench-reads: install
	$(BIN)/python bench/bench_reads.py $(ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis web/node_modules build
