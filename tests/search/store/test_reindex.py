"""The embedding model a store was built with: recorded, checked at open, and reindexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.retrieval.retriever import Retriever
from search.store.reindex import drop_collection, reindex
from search.store.settings import Settings
from search.store.store import EmbeddingModelChanged, Store
from search.store.vectors import chroma_client
from tests.conftest import make_store, notes_store

QUERIES = ["hiring plan for people ops", "release review decision", "pricing"]


def hits(store: Store, query: str) -> list[tuple[str, str, float]]:
    return [(h.doc_id, h.chunk_id, round(h.score, 4)) for h in Retriever(store).search(query, k=5)]


@pytest.fixture
def small_store(tmp_path: Path, sample_org_copy: Path) -> Store:
    return notes_store(sample_org_copy, tmp_path, 5)


def test_the_first_write_records_the_model(small_store: Store) -> None:
    assert small_store.recorded_model() == Settings().model_fingerprint
    assert str(small_store.recorded_model()) == "all-MiniLM-L6-v2 (384 dimensions)"
    small_store.close()


def test_opening_a_store_made_by_another_model_names_both_and_the_command(
    small_store: Store,
) -> None:
    small_store.catalog.set_meta({"embedding_model": "bge-base-en", "embedding_dimension": "768"})
    home = small_store.settings.home
    small_store.close()

    with pytest.raises(EmbeddingModelChanged) as refused:
        make_store(home)

    message = str(refused.value)
    assert "bge-base-en (768 dimensions)" in message
    assert "all-MiniLM-L6-v2 (384 dimensions)" in message
    assert "watercooler reindex" in message
    assert str(home) in message
    Store.open(Settings(home=home), check_model=False).close()  # reindex may still open it


def test_reindex_rebuilds_lost_vectors_with_the_same_results(small_store: Store) -> None:
    before = {query: hits(small_store, query) for query in QUERIES}
    settings = small_store.settings
    count = small_store.vectors.count()
    drop_collection(chroma_client(None, settings.chroma_path), settings.collection)
    small_store.close()
    broken = Store.open(settings, check_model=False)
    assert broken.vectors.count() == 0
    broken.close()

    store = Store.open(settings, check_model=False)
    reports: list[tuple[int, int]] = []
    summary = reindex(store, lambda done, total: reports.append((done, total)))
    store.close()

    assert summary.chunks == count and summary.rebuilt_headers == 0
    assert reports[0] == (0, count) and reports[-1] == (count, count)
    reopened = make_store(settings.home)
    try:
        assert reopened.vectors.count() == count
        assert {query: hits(reopened, query) for query in QUERIES} == before
    finally:
        reopened.close()


def test_reindex_after_a_model_change_records_the_new_model(small_store: Store) -> None:
    small_store.catalog.set_meta({"embedding_model": "old-model", "embedding_dimension": "768"})
    settings = small_store.settings
    small_store.close()

    store = Store.open(settings, check_model=False)
    summary = reindex(store)
    store.close()

    assert str(summary.previous_model) == "old-model (768 dimensions)"
    reopened = make_store(settings.home)  # opens: the recorded model is the configured one
    assert reopened.recorded_model() == settings.model_fingerprint
    reopened.close()
