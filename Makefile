# Two commands for a new user:  `make run`  (set up, ingest the sample organization, serve)
#                               `make test` (set up, run the tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := api/sample_org

.PHONY: setup packages synapse run test bench clean

setup: $(VENV)/.installed

# torch first, pinned, so that pip takes the CPU build instead of a multi-GB CUDA one.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The sample organization's people.yaml (teams, who left) unless another one is configured.
# The bytecode first: where PYTHONDONTWRITEBYTECODE is set, every start compiles it otherwise.
run: setup
	$(BIN)/python -m compileall -q api ingest search
	$(BIN)/watercooler ingest $(SAMPLE) || [ $$? -eq 1 ]
	WATERCOOLER_PEOPLE_FILE="$${WATERCOOLER_PEOPLE_FILE:-$(CURDIR)/api/sample_people.yaml}" \
	  $(BIN)/watercooler serve

# The page tests drive Debian's Chromium (no browser download), with an emoji font so that
# the screenshots show what people see; the IMAP source tests run a real Dovecot. Root
# installs them with apt (the Dovecot package's own service is not started).
PACKAGES := chromium fonts-noto-color-emoji dovecot-imapd
packages:
	@{ command -v chromium && command -v dovecot && fc-list | grep -qi "color emoji"; } \
	  >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(PACKAGES); \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(PACKAGES); fi; }

# The Matrix source tests run a real Synapse from PyPI, in a venv of its own (its pins
# never meet ours).
synapse: .venv-synapse/.installed
.venv-synapse/.installed:
	$(PYTHON) -m venv .venv-synapse
	.venv-synapse/bin/pip install --quiet matrix-synapse
	touch $@

test: setup packages synapse
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/ingest_and_search.py

clean:
	rm -rf $(VENV) .watercooler .pytest_cache
