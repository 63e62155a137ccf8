# The README's commands. Needs only Python 3.11 and make: uv is installed into .tools/ on first use.
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
export XDG_RUNTIME_DIR ?= /tmp

CHROMIUM := /usr/bin/chromium

.PHONY: install up down test lint bench fuzz soak chromium

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

# The console's browser tests drive Debian's chromium; install it where it is missing (CI's fresh machine).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the console's browser tests"; \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		export DEBIAN_FRONTEND=noninteractive; \
		$$sudo apt-get install -y --no-install-recommends chromium \
			|| { $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends chromium; }; \
	fi

test: lint chromium
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run_all.py

# The long fuzzing run: 200 cases per operation and mode, 50 stateful scenarios (make test runs 8 and 5).
fuzz: install
	HOMECARE_FUZZ_EXAMPLES=200 HOMECARE_FUZZ_SCENARIOS=50 $(BIN)/pytest tests/test_fuzz_openapi.py --timeout=7200

# The fault sequence of issue 9 on a scale-0.1 county (~10 min): a run without faults, a run with them,
# the end states compared; the summary goes to bench-results/soak.json. SOAK_ARGS="--scale 0.01" for a quick one.
soak: install
	$(BIN)/python bench/soak.py $(SOAK_ARGS)
