# The README's two commands are `make demo` and `make test`; each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_LATEST := .venv-ha-latest
PYTEST_ARGS ?=
DAYS ?=

.PHONY: help venv test test-ha-latest lint format demo bench lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.synced: pyproject.toml uv.lock scripts/bootstrap.sh
	scripts/bootstrap.sh default

$(VENV_LATEST)/.synced: pyproject.toml requirements/ha-latest.txt scripts/bootstrap.sh
	scripts/bootstrap.sh ha-latest

venv: $(VENV)/.synced  ## Create or refresh the virtual environment (HA 2025.4.4)

test: $(VENV)/.synced  ## Run the whole test suite against HA 2025.4.4
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-ha-latest: $(VENV_LATEST)/.synced  ## Run the whole test suite against HA 2026.2.3
	$(VENV_LATEST)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.synced  ## ruff check, ruff format --check, mypy (strict)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.synced  ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(VENV)/.synced  ## Start the house simulator and a real Home Assistant on :8123
	$(VENV)/bin/python -m energy_lake_demo $(if $(DAYS),--days $(DAYS))

bench: $(VENV)/.synced  ## Run the benchmarks in benchmarks/ (slow; figures go to the README)
	$(VENV)/bin/python -m pytest benchmarks --benchmark-only $(PYTEST_ARGS)

# --no-config: the pycares constraint in [tool.uv] is for HA 2025.4's aiodns only.
lock:  ## Re-resolve uv.lock and requirements/ha-latest.txt after changing pyproject.toml
	uv="$$(scripts/ensure-uv.sh "$$(scripts/find-python313.sh)")" && \
	"$$uv" lock && \
	"$$uv" pip compile --no-config pyproject.toml --all-extras --group test --group demo --group dev \
	    --override requirements/ha-latest-overrides.txt --python-version 3.13.2 \
	    --quiet -o requirements/ha-latest.txt

clean:  ## Remove the virtual environments, the tools and the demo's state
	rm -rf $(VENV) $(VENV_LATEST) .tools .demo .mypy_cache .ruff_cache
