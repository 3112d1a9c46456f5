"""The scale-out path: vectors in a real Chroma server (`chroma run`) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from search.retrieval.retriever import Retriever
from search.store import store as store_module
from search.store.filters import Filters
from search.store.vectors import VectorStoreUnavailable
from tests.conftest import chroma_server, free_port, make_store
from tests.ingest.test_pipeline import write_org


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_ingest_and_search_use_the_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    org = write_org(tmp_path / "org")
    store = make_store(tmp_path / "home", chroma_url=chroma_url, collection="server_test")
    try:
        summary = ingest([org], store)
        assert summary.count("new") == 2
        hits = Retriever(store).search("hotel nights cap", k=2)
        assert hits[0].title == "Travel policy"
        assert store.vectors.count() == store.catalog.counts()["chunks"]
        assert not (tmp_path / "home" / "chroma").exists()  # nothing went to the embedded store
        store.forget(str(org / "memos"))
        assert store.vectors.count() == store.catalog.counts()["chunks"]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("exact", "overfetch"),
    [(1000, 1000), (0, 1000), (0, 1)],
    ids=["exact", "overfetch", "narrow-fallback"],
)
def test_filtered_dense_search_works_on_the_chroma_server(
    tmp_path: Path, chroma_url: str, monkeypatch: pytest.MonkeyPatch, exact: int, overfetch: int
) -> None:
    monkeypatch.setattr(store_module, "EXACT", exact)
    monkeypatch.setattr(store_module, "OVERFETCH", overfetch)
    monkeypatch.setattr(store_module, "FILTER_OVERFETCH", 1)
    monkeypatch.setattr(store_module, "DEEPEST", overfetch)
    org = write_org(tmp_path / "org")
    store = make_store(
        tmp_path / "home", chroma_url=chroma_url, collection=f"filters_{exact}_{overfetch}"
    )
    try:
        ingest([org], store)
        by_tom = Filters(person="Tom Berg")
        passing = set(store.catalog.passing(by_tom))
        # The nearest chunk to this query (the travel memo) does not pass the filter.
        vector = store.embedder.embed_query("hotel nights cap")
        assert store.nearest(vector, 1)[0][0] not in passing
        found = store.nearest(vector, 1, by_tom)
        assert len(found) == 1 and found[0][0] in passing
    finally:
        store.close()


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path) -> None:
    store = make_store(tmp_path / "home", chroma_url=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(VectorStoreUnavailable, match="WATERCOOLER_CHROMA_URL"):
            _ = store.vectors
    finally:
        store.close()
