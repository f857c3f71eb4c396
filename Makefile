# The two commands: `make run` (demo on http://127.0.0.1:5000; `PORT=5101 make run` for another port)
# and `make test` (the whole suite).
SHELL := /bin/bash
# The first Python 3.11+ on PATH. Errors are hidden: a pyenv shim for a version that is not installed
# prints "pyenv: python3.13: command not found" when run, and that is not a problem.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := grants_app

.PHONY: setup run test lint bench browser clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# flask run reads FLASK_RUN_HOST and FLASK_RUN_PORT; so do the links in emails (grants_app/config.py).
run: export FLASK_RUN_HOST := 127.0.0.1
run: export FLASK_RUN_PORT := $(PORT)
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run

browser:
	bash .ci/ensure-browser

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache
