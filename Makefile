# Two commands for a new user:  `make run`  (set up, ingest the sample organization, serve)
#                               `make test` (set up, run the tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := api/sample_org

.PHONY: setup browser run test bench clean

setup: $(VENV)/.installed

# torch first, pinned, so that pip takes the CPU build instead of a multi-GB CUDA one.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The sample organization's people.yaml (teams, who left) unless another one is configured.
run: setup
	$(BIN)/watercooler ingest $(SAMPLE) || [ $$? -eq 1 ]
	WATERCOOLER_PEOPLE_FILE="$${WATERCOOLER_PEOPLE_FILE:-$(CURDIR)/api/sample_people.yaml}" \
	  $(BIN)/watercooler serve

# The page tests drive Debian's Chromium (no browser download); root installs it with apt.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/ingest_and_search.py

clean:
	rm -rf $(VENV) .watercooler .pytest_cache
