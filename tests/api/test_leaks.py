"""No document reaches anyone outside its access list: random leak cases (tests/leak_check.py).

Random organizations are ingested through the real pipeline into real stores and served
by the real app; random viewers (each with a real token) search, open documents, ask (an
LLM stub records every prompt) and look for experts, with canaries of documents they may
and may not see as queries. ``benchmarks/leak_search.py`` runs 10,000 cases.
"""

from __future__ import annotations

from pathlib import Path

from search.store.embeddings import Embedder
from tests.leak_check import run

LEAK_CASES = 500  # benchmarks/leak_search.py runs 10,000


def test_random_searches_reveal_nothing_outside_the_viewers_access(
    tmp_path: Path, embedder: Embedder
) -> None:
    assert run(LEAK_CASES, tmp_path) == LEAK_CASES
