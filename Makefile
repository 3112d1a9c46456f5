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

# The page tests drive Debian's Chromium (no browser download), with an emoji font so that
# the screenshots show what people see; root installs them with apt.
BROWSER_PACKAGES := chromium fonts-noto-color-emoji
browser:
	@{ command -v chromium && fc-list | grep -qi "color emoji"; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES); \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(BROWSER_PACKAGES); fi; }

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/ingest_and_search.py

clean:
	rm -rf $(VENV) .watercooler .pytest_cache
