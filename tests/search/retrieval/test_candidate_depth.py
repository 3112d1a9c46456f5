"""How many chunks each retrieval leg returns grows with the store, within bounds."""

from __future__ import annotations

from search.retrieval.retriever import MAX_CANDIDATES, MIN_CANDIDATES, candidate_depth


def test_a_larger_store_is_searched_deeper_within_bounds() -> None:
    assert candidate_depth(0) == MIN_CANDIDATES
    assert candidate_depth(342) == MIN_CANDIDATES  # a small organization: as before
    assert candidate_depth(3_600) > MIN_CANDIDATES
    assert candidate_depth(9_000) > candidate_depth(3_600)
    assert candidate_depth(1_000_000) == MAX_CANDIDATES  # latency stays bounded
