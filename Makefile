# Every target installs what it needs first, so each works on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck imports unit contract integration bench emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/drs-orchestrator serve --demo

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

test: lint typecheck imports
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/bench_emulator.py
	$(BIN)/python bench/bench_api.py
	$(BIN)/python bench/bench_engine.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
