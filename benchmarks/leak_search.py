"""The leak search at length: 10,000 random cases of viewers looking for what they may not see.

    .venv/bin/python benchmarks/leak_search.py [--cases 10000]

The same cases as tests/api/test_leaks.py (tests/leak_check.py): random organizations
(Slack public and private channels, DMs and a group DM, mail threads, one through a list,
notes under nested .watercooler-access.yaml sidecars, each document with its own canary
word) ingested into real stores and served by the real app; random viewers with real API
tokens search for canaries they may and may not see, with random filters, open documents,
ask (an LLM stub records every prompt) and look for experts. Prints how many cases ran and
how many leaks were found; a leak stops the run with the smallest case that shows it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.leak_check import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 1000 == 0:
            print(f"  {done} cases, {time.perf_counter() - started:.0f} s", flush=True)

    try:
        ran = run(args.cases, on_case=progress)
    except AssertionError as leak:
        print(f"LEAK FOUND: {leak}")
        sys.exit(1)
    print(f"leak search: {ran} cases run, 0 leaks found ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
