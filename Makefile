# Two commands for a new user:  `make run`  (set up, ingest the sample organization, serve)
#                               `make test` (set up, run the tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := api/sample_org

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

# torch first, pinned, so that pip takes the CPU build instead of a multi-GB CUDA one.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/watercooler ingest $(SAMPLE) || [ $$? -eq 1 ]
	$(BIN)/watercooler serve

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .watercooler .pytest_cache
