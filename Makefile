# The README's commands. Needs only Python 3.11 and make: uv is installed into .tools/ on first use.
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
export XDG_RUNTIME_DIR ?= /tmp

.PHONY: install up down test lint bench fuzz

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages
	touch $@

install: $(VENV)/.synced

up: install
	$(BIN)/homecare up
	$(BIN)/homecare demo

down:
	@if [ -x $(BIN)/homecare ]; then $(BIN)/homecare down; else echo "nothing to stop"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run_all.py

# The long fuzzing run: 200 cases per operation and mode, 50 stateful scenarios (make test runs 8 and 5).
fuzz: install
	HOMECARE_FUZZ_EXAMPLES=200 HOMECARE_FUZZ_SCENARIOS=50 $(BIN)/pytest tests/test_fuzz_openapi.py --timeout=7200
