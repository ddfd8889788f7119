PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test bench schema lint

install: $(VENV)/.installed ide/static/vendor/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# GraphiQL's pinned build, from the npm registry, checked against its integrity.
ide/static/vendor/.installed: ide/assets.py $(VENV)/.installed
	$(BIN)/python -m ide.assets
	touch $@

run: install
	$(BIN)/haven migrate
	$(BIN)/haven seed-demo
	$(BIN)/haven serve

test: install
	$(BIN)/pytest

bench: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
		|| (echo "make bench needs wrk: install it (apt-get install wrk)" >&2; exit 1)
	$(BIN)/python -m bench --backend $(or $(BACKEND),sqlite)
	$(BIN)/python -m bench.delivery

schema: install
	$(BIN)/haven export-schema > schema.graphql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
