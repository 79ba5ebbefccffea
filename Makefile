# Two commands set everything up: `make demo` runs the main job on the embedded defaults,
# `make test` runs the whole test suite. Both create the virtual environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-fast ui workers db-stop benchmark

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(INSTALLED)
	$(BIN)/python -m pipelines.demo

# The whole suite, slow end-to-end tests included (CI runs exactly this).
test: $(INSTALLED)
	$(BIN)/python -m pytest -m "slow or not slow" $(PYTEST_ARGS)

test-fast: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

ui: $(INSTALLED)
	$(BIN)/python -m pipelines.local_env ui

# N Celery workers for VK_EXECUTOR=celery (README, "A cluster"); Ctrl-C stops them.
N ?= 2
workers: $(INSTALLED)
	$(BIN)/python -m pipelines.workers $(N)

db-stop: $(INSTALLED)
	$(BIN)/python -m pipelines.local_env stop-db

benchmark: $(INSTALLED)
	$(BIN)/python -m benchmarks.run
